"""The console's WebSocket messages: one declared shape per action (Django forms).

A message that does not fit its action's shape gets a clear answer in the user's language and the
connection stays open. The fields are strict about JSON types: ``true`` is not a queue ID, a list is
not a text, and text never contains NUL characters (Django's CharField refuses them).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The longest note an inquiry takes from the console; a longer one is refused, never cut.
NOTE_MAX_LENGTH = 4000
_ID_MAX = 2**63 - 1  # BigAutoField


class MessageInvalid(ValueError):
    """A message that does not fit the declared shape of its action (the text is for the user)."""


class TextField(forms.CharField):
    """A JSON string (not a number, list or object)."""

    def to_python(self, value: Any) -> str:
        if value is not None and not isinstance(value, str):
            raise ValidationError(gettext_lazy("Må være tekst."), code="invalid")
        return super().to_python(value)


class IdField(forms.IntegerField):
    """A JSON integer ID from 1 up (not a boolean, text or list)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=_ID_MAX, **kwargs)

    def to_python(self, value: Any) -> int | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value


class FlagField(forms.BooleanField):
    """A JSON ``true``/``false`` (missing means false)."""

    widget = forms.TextInput  # the checkbox widget would turn any value into a boolean

    def to_python(self, value: Any) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise ValidationError(gettext_lazy("Må være true eller false."), code="invalid")
        return value


class NoFields(forms.Form):
    pass


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
    shape = SHAPES.get(action)
    if shape is None:
        raise MessageInvalid(_("Ukjent handling."))
    form = shape(data=content)
    if form.is_valid():
        return form.cleaned_data
    problems = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else name
        problems.append(f"{label}: {' '.join(errors)}")
    raise MessageInvalid(_("Ugyldig melding: %(problems)s") % {"problems": " ".join(problems)})
