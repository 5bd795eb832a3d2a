"""The attendant console's WebSocket messages: one declared shape per action (see controlplane.ws_messages)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from controlplane.ws_messages import FlagField, IdField, TextField, message_parse
from switchboard.models import MessageChannel

STATUSES = [("available", gettext_lazy("Tilgjengelig")), ("busy", gettext_lazy("Opptatt")),
            ("away", gettext_lazy("Borte")), ("dnd", gettext_lazy("Ikke forstyrr")),
            ("offline", gettext_lazy("Frakoblet"))]


class CallMessage(forms.Form):
    call_id = TextField(label=gettext_lazy("Samtale"), max_length=40)


class TransferMessage(CallMessage):
    number = TextField(label=gettext_lazy("Nummer"), max_length=20)
    announced = FlagField(label=gettext_lazy("Med forespørsel"), required=False)


class SearchMessage(forms.Form):
    q = TextField(label=gettext_lazy("Søk"), max_length=100, required=False)


class StatusMessage(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=STATUSES)
    note = TextField(label=gettext_lazy("Merknad"), max_length=150, required=False)


class MessageMessage(forms.Form):
    person_id = IdField(label=gettext_lazy("Person"))
    text = TextField(label=gettext_lazy("Beskjed"), max_length=2000)
    caller_number = TextField(label=gettext_lazy("Innringerens nummer"), max_length=40, required=False)
    caller_name = TextField(label=gettext_lazy("Innringerens navn"), max_length=150, required=False)
    channel = forms.ChoiceField(label=gettext_lazy("Sendes som"), choices=MessageChannel.choices, required=False)


SHAPES: dict[str, type[forms.Form]] = {
    "answer": CallMessage, "hold": CallMessage, "complete": CallMessage, "cancel": CallMessage,
    "hangup": CallMessage, "transfer": TransferMessage, "search": SearchMessage, "status": StatusMessage,
    "message": MessageMessage,
}


def attendant_message_parse(*, action: str, content: dict) -> dict:
    return message_parse(shapes=SHAPES, action=action, content=content)
