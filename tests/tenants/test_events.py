"""Config announcements: once per agency per committed transaction, and a rollback never swallows the next one."""

from __future__ import annotations

import contextlib

from django.db import transaction

from tenants.events import announce_config_changed
from tenants.signals import agency_config_changed


def _collect() -> tuple[list[str], object]:
    received: list[str] = []

    def handler(sender: object, schema_name: str, **kwargs: object) -> None:
        received.append(schema_name)

    agency_config_changed.connect(handler, weak=False)
    return received, handler


def test_rolled_back_change_does_not_swallow_the_next_announcement(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    received, handler = _collect()
    try:
        with contextlib.suppress(RuntimeError), transaction.atomic():
            announce_config_changed(schema_name="nkh")
            raise RuntimeError("lagringen feilet")
        with django_capture_on_commit_callbacks(execute=True):
            announce_config_changed(schema_name="nkh")
    finally:
        agency_config_changed.disconnect(handler)
    assert received == ["nkh"]


def test_several_writes_in_one_transaction_announce_once(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    received, handler = _collect()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(3):
                announce_config_changed(schema_name="nkh")
    finally:
        agency_config_changed.disconnect(handler)
    assert received == ["nkh"]
