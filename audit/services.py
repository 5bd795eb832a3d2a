"""Writes of the audit trail: append (chained), and the retention cut from the oldest end."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from audit.chain import GENESIS, entry_hash, json_safe
from audit.models import AuditAction, AuditEntry


def _last_hash() -> str:
    return AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS


@transaction.atomic
def audit_entry_append(*, actor: str, action: str, ip: str | None = None, model: str = "", object_pk: str = "",
                       before: dict | None = None, after: dict | None = None,
                       detail: dict[str, Any] | None = None) -> AuditEntry:
    """Append one entry to the current agency's trail. Appends are serialised per schema (advisory lock
    held to the end of the transaction) so the chain has no forks."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.audit_chain'))")
    fields = {"at": timezone.now(), "actor": actor[:200], "ip": ip, "action": action, "model": model[:100],
              "object_pk": str(object_pk)[:100], "before": json_safe(before), "after": json_safe(after),
              "detail": json_safe(detail or {})}
    prev = _last_hash()
    return AuditEntry.objects.create(prev_hash=prev, hash=entry_hash(prev_hash=prev, fields=fields), **fields)


@transaction.atomic
def audit_entries_prune(*, older_than: dt.datetime, actor: str) -> int:
    """Delete entries older than ``older_than`` (the retention job's one way past the trigger) and record
    the cut: the new first entry's ``prev_hash`` becomes the anchor that verify_audit accepts."""
    cut = AuditEntry.objects.filter(at__lt=older_than)
    ids = list(cut.values_list("id", flat=True))
    if not ids:
        return 0
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.audit_chain'))")
        cur.execute("SET LOCAL audit.retention = 'on'")
        cur.execute("DELETE FROM audit_auditentry WHERE id <= %s", [max(ids)])
        cur.execute("SET LOCAL audit.retention = 'off'")
    first = AuditEntry.objects.order_by("id").first()
    anchor = first.prev_hash if first else _last_hash()
    audit_entry_append(actor=actor, action=AuditAction.RETENTION, detail={"deleted": len(ids), "anchor": anchor})
    return len(ids)
