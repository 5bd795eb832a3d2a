"""The SMS send page's form: which audience the user chose, read into an ``Audience`` (nothing is written)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outbound import selectors
from outbound.imports import rows_from_file

OSLO = ZoneInfo("Europe/Oslo")
KINDS = [("typed", gettext_lazy("Nummer")), ("group", gettext_lazy("Gruppe")), ("series", gettext_lazy("Nummerserie")),
         ("callers", gettext_lazy("Innringere i en periode")), ("category", gettext_lazy("Henvendelser i en kategori")),
         ("file", gettext_lazy("Fil (CSV/Excel)"))]


class SendForm(forms.Form):
    kind = forms.ChoiceField(choices=KINDS)
    numbers = forms.CharField(required=False)
    group = forms.IntegerField(required=False)
    first = forms.CharField(required=False)
    last = forms.CharField(required=False)
    queue = forms.IntegerField(required=False)
    dialed = forms.CharField(required=False)
    since = forms.DateField(required=False)
    until = forms.DateField(required=False)
    category = forms.IntegerField(required=False)
    file = forms.FileField(required=False)
    body = forms.CharField(required=False, max_length=1600)
    scheduled_at = forms.DateTimeField(required=False)

    def scheduled(self) -> dt.datetime | None:
        value = self.cleaned_data.get("scheduled_at")
        return value.replace(tzinfo=OSLO) if value and value.tzinfo is None else value

    def _period(self) -> tuple[dt.datetime, dt.datetime]:
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        if not since or not until or until < since:
            raise ValidationError(_("Velg en periode (fra og til, til etter fra)."))
        start = dt.datetime.combine(since, dt.time(), OSLO)
        return start, dt.datetime.combine(until, dt.time(), OSLO) + dt.timedelta(days=1)

    def audience(self) -> selectors.Audience:
        d, kind = self.cleaned_data, self.cleaned_data["kind"]
        try:
            return self._audience(kind, d)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc

    def _audience(self, kind: str, d: dict) -> selectors.Audience:
        if kind == "typed":
            return selectors.audience_typed(text=d.get("numbers") or "")
        if kind == "group":
            if not d.get("group") or not selectors.group_exists(group_id=d["group"]):
                raise ValidationError(_("Velg en gruppe."))
            return selectors.audience_group(group_id=d["group"])
        if kind == "series":
            return selectors.audience_series(first=d.get("first") or "", last=d.get("last") or "")
        if kind == "callers":
            since, until = self._period()
            return selectors.audience_callers(since=since, until=until, queue_id=d.get("queue"),
                                              dialed=(d.get("dialed") or "").strip())
        if kind == "category":
            if not d.get("category"):
                raise ValidationError(_("Velg en kategori."))
            return selectors.audience_inquiry_category(category_id=d["category"])
        upload = d.get("file")
        if upload is None:
            raise ValidationError(_("Velg en fil."))
        result = rows_from_file(name=upload.name, data=upload.read())
        return selectors.audience_from_rows(label=f"fil {upload.name}"[:300], rows=result.rows, errors=result.errors)
