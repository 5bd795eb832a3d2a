"""Admin form helper: pick a destination from a list instead of typing kind and ID."""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from switchboard.destinations import destination_choices


class DestinationFormMixin(forms.ModelForm):
    destination = forms.ChoiceField(label=capfirst(_("send samtalen til")), choices=())

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = destination_choices()
        if self.instance and self.instance.pk:
            self.fields["destination"].initial = self.instance.destination_key
        for name in ("dest_kind", "dest_ref"):
            if name in self.fields:
                del self.fields[name]

    def clean(self):  # type: ignore[no-untyped-def]
        data = super().clean()
        key = data.get("destination", "hangup")
        kind, _, ref = key.partition(":")
        self.instance.dest_kind = kind
        self.instance.dest_ref = int(ref) if ref else None
        if kind != "external":
            self.instance.dest_number = ""
            data["dest_number"] = ""
        return data
