"""Reads of the audit trail: the entries (for the admin and the export) and the chain check."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext

from audit.chain import CHAINED_FIELDS, GENESIS, entry_hash, timestamp
from audit.models import AuditAction, AuditEntry

EXPORT_COLUMNS = ("id", *CHAINED_FIELDS, "prev_hash", "hash")


def audit_entry_list(*, since: dt.datetime | None = None, until: dt.datetime | None = None,
                     actor: str | None = None, model: str | None = None, action: str | None = None) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.order_by("id")
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    if actor:
        qs = qs.filter(actor=actor)
    if model:
        qs = qs.filter(model=model)
    if action:
        qs = qs.filter(action=action)
    return qs


def audit_entries_for_export(*, since: dt.datetime | None = None, until: dt.datetime | None = None,
                             chunk_size: int = 2000) -> Iterator[dict]:
    """Every entry of the current agency's trail, oldest first, as plain JSON-ready dicts with the columns
    in EXPORT_COLUMNS (``at`` as ISO 8601 UTC). Streamed: memory does not grow with the trail."""
    for row in audit_entry_list(since=since, until=until).values(*EXPORT_COLUMNS).iterator(chunk_size=chunk_size):
        row["at"] = timestamp(row["at"])
        yield row


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    count: int
    last_hash: str
    broken_id: int | None = None
    reason: str = ""


def _row_fault(row: dict, expected_prev: str | None) -> str:
    if expected_prev is not None and row["prev_hash"] != expected_prev:
        return gettext("forrige hash stemmer ikke med posten før (en post er slettet, satt inn eller endret)")
    if entry_hash(prev_hash=row["prev_hash"], fields=row) != row["hash"]:
        return gettext("innholdet stemmer ikke med hashen (posten er endret)")
    return ""


def audit_chain_verify() -> ChainReport:
    """Walk the current agency's trail oldest first and recompute every hash."""
    expected: str | None = None
    first_prev = None
    anchors: set[str] = set()
    count = 0
    for row in AuditEntry.objects.order_by("id").values("id", *CHAINED_FIELDS, "prev_hash", "hash").iterator(2000):
        fault = _row_fault(row, expected)
        if fault:
            return ChainReport(False, count, expected or GENESIS, row["id"], fault)
        if first_prev is None:
            first_prev = (row["id"], row["prev_hash"])
        if row["action"] == AuditAction.RETENTION:
            anchors.add(str((row["detail"] or {}).get("anchor", "")))
        expected = row["hash"]
        count += 1
    if first_prev is not None and first_prev[1] != GENESIS and first_prev[1] not in anchors:
        return ChainReport(False, count, expected or GENESIS, first_prev[0],
                           gettext("kjeden starter ikke ved begynnelsen, og ingen sletting etter oppbevaringstid "
                                   "forklarer det (eldre poster er fjernet)"))
    return ChainReport(True, count, expected or GENESIS)
