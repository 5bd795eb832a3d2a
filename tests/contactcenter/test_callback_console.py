"""Pending callbacks in the console: the initial list with the snapshot and the live change after every write,
tested together, from the attacker's side (fhi's callbacks never reach nkh; an agent sees only their queues)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from tests.contactcenter.test_console_ws import _comm, _connect, _drain, engine, memory_layer, sessions  # noqa: F401, F811


def _request(slug: str, queue_id: int, number: str, minutes_ago: int) -> int:
    from django_tenants.utils import schema_context

    from contactcenter.models import CallbackPolicy
    from contactcenter.services import callback_request_create

    with schema_context(slug):
        CallbackPolicy.objects.update_or_create(queue_id=queue_id, defaults={"enabled": True, "weekdays_only": False})
        return callback_request_create(queue_id=queue_id, number=number,
                                       joined_at=timezone.now() - dt.timedelta(minutes=minutes_ago)).pk


def _claim(slug: str, request_id: int, interface: str) -> None:
    from django.db import connection
    from django_tenants.utils import schema_context

    from contactcenter.services import callback_claim

    with schema_context(slug):
        assert connection.schema_name == slug
        from contactcenter.models import CallbackPolicy
        CallbackPolicy.objects.filter(queue__callbacks=request_id).update(
            window_opens=dt.time(0, 0), window_closes=dt.time(23, 59, 59))
        assert callback_claim(request_id=request_id, claimed_by=f"n1|{interface}|abc") is not None


def _cleanup(django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    """Committed deletes on a thread of its own (the rows were committed by the consumer's thread)."""
    import threading

    from django.db import connection
    from django_tenants.utils import schema_context

    from contactcenter.models import CallbackPolicy, CallbackRequest

    def run() -> None:
        with django_db_blocker.unblock():
            for slug in ("fhi", "nkh"):
                with schema_context(slug):
                    CallbackRequest.objects.all().delete()
                    CallbackPolicy.objects.all().delete()
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()


@pytest.fixture
def clean_callbacks(django_db_blocker):  # type: ignore[no-untyped-def]
    _cleanup(django_db_blocker)
    yield
    _cleanup(django_db_blocker)


def _callbacks(frames: list[dict]) -> list[dict] | None:
    found = None
    for f in frames:
        for ch in f.get("changes", []) if f["type"] == "update" else []:
            if ch["kind"] == "callbacks":
                found = ch["rows"]
    return found


async def test_snapshot_and_live_changes_show_own_agency_callbacks_only(engine, sessions, clean_callbacks):  # noqa: F811
    first = await database_sync_to_async(_request)("fhi", 1, "22222222", 12)
    fhi_key = await asyncio.to_thread(sessions, "fhi", "jonas")  # supervisor at FHI
    nkh_key = await asyncio.to_thread(sessions, "nkh", "magnus")  # supervisor at NKH
    fhi, nkh = _comm("fhi.localhost", fhi_key), _comm("nkh.localhost", nkh_key)
    snap_fhi, snap_nkh = await _connect(fhi), await _connect(nkh)
    rows = snap_fhi["data"]["callbacks"]
    assert [(r["id"], r["place"], r["number"], r["queue"], r["state"], r["attempts"]) for r in rows] == [
        (first, 1, "+4722222222", "Sentralbord", "waiting", 0)]
    assert timezone.now().timestamp() - rows[0]["joined_at"] >= 12 * 60
    assert snap_nkh["data"]["callbacks"] == []

    # A caller who joined earlier asks later: they get the place before the first (ordered by join time).
    earlier = await database_sync_to_async(_request)("fhi", 1, "+47 412 34 567", 20)
    rows = _callbacks(await _drain(fhi))
    assert [(r["id"], r["place"]) for r in rows] == [(earlier, 1), (first, 2)]
    assert _callbacks(await _drain(nkh)) is None  # nkh hears nothing of fhi's callbacks

    # nkh's own callback reaches nkh, never fhi.
    theirs = await database_sync_to_async(_request)("nkh", 1, "23232323", 3)
    assert [r["id"] for r in _callbacks(await _drain(nkh))] == [theirs]
    assert _callbacks(await _drain(fhi)) is None
    await fhi.disconnect()
    await nkh.disconnect()


async def test_agent_sees_only_their_queues_and_who_is_offered(engine, sessions, clean_callbacks):  # noqa: F811
    from asterisk_conf import naming

    central = await database_sync_to_async(_request)("fhi", 1, "22222222", 5)  # Sentralbord: not Sigrid's
    vaccine = await database_sync_to_async(_request)("fhi", 3, "41234567", 7)  # Vaksinetelefonen: hers
    key = await asyncio.to_thread(sessions, "fhi", "sigrid")
    comm = _comm("fhi.localhost", key)
    snap = await _connect(comm)
    assert [r["id"] for r in snap["data"]["callbacks"]] == [vaccine] and central

    def sigrid_interface() -> str:
        from django_tenants.utils import schema_context

        from contactcenter.models import Agent

        with schema_context("fhi"):
            agent = Agent.objects.get(user__username="sigrid")
            return naming.phone_interface("fhi", agent.extension.phones.filter(is_active=True).first().pk), agent.pk

    interface, agent_id = await database_sync_to_async(sigrid_interface)()
    await database_sync_to_async(_claim)("fhi", vaccine, interface)
    rows = _callbacks(await _drain(comm))
    assert [(r["id"], r["state"], r["attempts"], r["offered_agent_id"]) for r in rows] == [
        (vaccine, "dialling", 1, agent_id)]
    assert "Sigrid" in rows[0]["offered_agent"]
    await comm.disconnect()
