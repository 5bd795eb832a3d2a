"""Announce that an agency's telephony config changed, once the transaction commits."""

from __future__ import annotations

from django.db import transaction

from tenants.signals import agency_config_changed


def announce_config_changed(*, schema_name: str) -> None:
    """Called by services after any write that affects generated config.

    The signal goes out on commit, so a rolled-back change never reaches Asterisk,
    and several writes in one transaction announce the agency once.
    """
    conn = transaction.get_connection()
    # Already waiting for this transaction's commit? Django drops the callbacks of a rolled-back transaction or
    # savepoint from ``run_on_commit``, so a rollback never leaves a stale "already announced" behind.
    if any(getattr(entry[1], "agency_schema", None) == schema_name for entry in conn.run_on_commit):
        return

    def _send() -> None:
        agency_config_changed.send(sender=None, schema_name=schema_name)

    _send.agency_schema = schema_name  # type: ignore[attr-defined]
    transaction.on_commit(_send)
