"""Filter by period: ``?from=2026-01-01&to=2026-02-01`` (ISO 8601 date or date-time; ``from`` inclusive,
``to`` exclusive; a date without time is midnight in Norwegian time)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend


def parse_moment(name: str, value: str) -> dt.datetime:
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = dt.datetime.combine(day, dt.time()) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise exceptions.ValidationError({name: _("Ugyldig tidspunkt: bruk ISO 8601, f.eks. 2026-03-01 eller "
                                                  "2026-03-01T08:00:00+01:00.")})
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise exceptions.ValidationError({name: _("Tidspunktet er utenfor det som kan lagres.")}) from None


class PeriodFilter(BaseFilterBackend):
    """Views name their time field in ``period_field``."""

    def filter_queryset(self, request, queryset, view):  # type: ignore[no-untyped-def]
        field = getattr(view, "period_field", None)
        if not field:
            return queryset
        start, end = request.query_params.get("from"), request.query_params.get("to")
        start_at = parse_moment("from", start) if start else None
        end_at = parse_moment("to", end) if end else None
        if start_at and end_at and end_at < start_at:
            raise exceptions.ValidationError({"to": _("«to» kan ikke være før «from».")})
        if start_at:
            queryset = queryset.filter(**{f"{field}__gte": start_at})
        if end_at:
            queryset = queryset.filter(**{f"{field}__lt": end_at})
        return queryset

    def get_schema_operation_parameters(self, view):  # type: ignore[no-untyped-def]
        if not getattr(view, "period_field", None):
            return []
        return [{"name": name, "in": "query", "required": False, "description": text,
                 "schema": {"type": "string", "format": "date-time"}}
                for name, text in (("from", "Fra og med (ISO 8601 dato eller tidspunkt)."),
                                   ("to", "Til, ikke med (ISO 8601 dato eller tidspunkt)."))]
