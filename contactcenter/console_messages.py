"""The console's WebSocket messages: one declared shape per action (Django forms).

A message that does not fit its action's shape gets a clear answer in the user's language and the
connection stays open. The fields are strict about JSON types: ``true`` is not a queue ID, a list is
not a text, and text never contains NUL characters (Django's CharField refuses them).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from controlplane.ws_messages import FlagField, IdField, NoFields, TextField
from controlplane.ws_messages import message_parse as ws_message_parse

# The longest note an inquiry takes from the console; a longer one is refused, never cut.
NOTE_MAX_LENGTH = 4000


class SubscribeMessage(forms.Form):
    queue_id = IdField(label=gettext_lazy("Kø"))


class PauseMessage(forms.Form):
    reason = TextField(label=gettext_lazy("Pauseårsak"), max_length=32, required=False)


class ChannelMessage(forms.Form):
    channel = TextField(label=gettext_lazy("Kanal"), max_length=128)


class RecordMessage(ChannelMessage):
    legal_basis = TextField(label=gettext_lazy("Rettslig grunnlag"), max_length=32)


class TransferMessage(ChannelMessage):
    number = TextField(label=gettext_lazy("Nummer"), max_length=32)
    attended = FlagField(label=gettext_lazy("Med forespørsel"), required=False)


class SuperviseMessage(ChannelMessage):
    mode = forms.ChoiceField(label=gettext_lazy("Modus"), choices=[
        ("listen", gettext_lazy("Lytt")), ("whisper", gettext_lazy("Hvisk")), ("barge", gettext_lazy("Bryt inn"))])


class DirectoryMessage(forms.Form):
    q = TextField(label=gettext_lazy("Søk"), max_length=100, required=False)


class WhoMessage(forms.Form):
    number = TextField(label=gettext_lazy("Nummer"), max_length=32, required=False)


class InquiryMessage(forms.Form):
    queue_id = IdField(label=gettext_lazy("Kø"), required=False)
    category_id = IdField(label=gettext_lazy("Kategori"), required=False)
    note = TextField(label=gettext_lazy("Notat"), max_length=NOTE_MAX_LENGTH, required=False)


class AttemptMessage(forms.Form):
    attempt_id = IdField(label=gettext_lazy("Kampanjenummer"))


class DisposeMessage(AttemptMessage):
    category_id = IdField(label=gettext_lazy("Kategori"))


SHAPES: dict[str, type[forms.Form]] = {
    "snapshot": NoFields, "subscribe": SubscribeMessage, "login": NoFields, "logout": NoFields,
    "pause": PauseMessage, "unpause": NoFields, "hangup": ChannelMessage, "hold": ChannelMessage,
    "resume": ChannelMessage, "record": RecordMessage, "transfer": TransferMessage, "supervise": SuperviseMessage,
    "directory": DirectoryMessage, "who": WhoMessage, "categories": NoFields, "inquiry": InquiryMessage,
    "campaign": NoFields, "campaign_dial": AttemptMessage, "campaign_skip": AttemptMessage,
    "campaign_dispose": DisposeMessage,
}


def message_parse(*, action: str, content: dict) -> dict:
    """The message's fields for ``action``, checked against its shape; raises ``MessageInvalid``."""
    return ws_message_parse(shapes=SHAPES, action=action, content=content)
