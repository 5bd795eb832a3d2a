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
    pending: set[str] = conn.__dict__.setdefault("_agency_config_pending", set())
    if schema_name in pending:
        return
    pending.add(schema_name)

    def _send() -> None:
        pending.discard(schema_name)
        agency_config_changed.send(sender=None, schema_name=schema_name)

    transaction.on_commit(_send)
