"""The attendant console's WebSocket from the attacker's side: another agency's session, a user who is not an
operator, and two agencies' operators in one process (fhi's switchboard calls never reach nkh's console). A real
engine (no Asterisk node) publishes the way the switchboard feature does."""

from __future__ import annotations

import asyncio
import time

from channels.testing import WebsocketCommunicator
from django.conf import settings

from tests.contactcenter.test_console_ws import _drain, engine, memory_layer, sessions  # noqa: F401  (fixtures)


def _comm(host: str, session_key: str) -> WebsocketCommunicator:
    from controlplane.asgi import application

    headers = [(b"host", host.encode()), (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode())]
    return WebsocketCommunicator(application, "/ws/attendant/", headers=headers)


async def test_only_the_agencys_own_operators_get_in(engine, sessions):  # noqa: F811
    fhi_operator = await asyncio.to_thread(sessions, "fhi", "ingrid")
    not_operator = await asyncio.to_thread(sessions, "fhi", "jonas")
    for comm, code in ((_comm("nkh.localhost", fhi_operator), 4401), (_comm("fhi.localhost", not_operator), 4403)):
        connected, got = await comm.connect(timeout=5)
        assert not connected and got == code
    ok = _comm("fhi.localhost", fhi_operator)
    connected, _code = await ok.connect(timeout=5)
    assert connected and (await ok.receive_json_from(timeout=5))["type"] == "snapshot"
    await ok.disconnect()


async def test_fhi_switchboard_calls_never_reach_nkh_operators(engine, sessions):  # noqa: F811
    fhi, nkh = (_comm("fhi.localhost", await asyncio.to_thread(sessions, "fhi", "ingrid")),
                _comm("nkh.localhost", await asyncio.to_thread(sessions, "nkh", "astrid")))
    for comm in (fhi, nkh):
        assert (await comm.connect(timeout=5))[0]
    await _drain(fhi)
    await _drain(nkh)
    call = {"kind": "sb_call", "uniqueid": "sb:1733000000-7", "call_id": "1733000000-7", "slug": "fhi",
            "number": "+4721077014", "name": "", "arrived": time.time(), "state": "waiting", "operator": "",
            "target": "", "returned": False, "returned_from": ""}
    engine._publish_changes("fhi", [call])
    got_fhi, got_nkh = await _drain(fhi), await _drain(nkh)
    assert any(m["type"] == "update" and m["changes"][0]["call_id"] == "1733000000-7" for m in got_fhi)
    lookup = next(m for m in got_fhi if m["type"] == "lookup")
    assert lookup["match"]["name"] == "Sigrid Berg"  # 1005's direct number, from fhi's own people
    assert [m for m in got_nkh if m["type"] != "status"] == []  # the engine's link status only
    # nkh's operator naming fhi's call gets a refusal, never fhi's call.
    await nkh.send_json_to({"action": "answer", "id": 1, "call_id": "1733000000-7"})
    answer = await nkh.receive_json_from(timeout=10)
    assert answer["type"] == "error" and answer["id"] == 1
    for comm in (fhi, nkh):
        await comm.disconnect()


async def test_an_operators_own_status_reaches_the_agencys_consoles(engine, sessions):  # noqa: F811
    ingrid_id = await asyncio.to_thread(lambda: _person_id("fhi", "Bakke"))
    fhi, ola, nkh = (_comm("fhi.localhost", await asyncio.to_thread(sessions, "fhi", "ingrid")),
                     _comm("fhi.localhost", await asyncio.to_thread(sessions, "fhi", "ola")),
                     _comm("nkh.localhost", await asyncio.to_thread(sessions, "nkh", "astrid")))
    for comm in (fhi, ola, nkh):
        assert (await comm.connect(timeout=5))[0]
        await _drain(comm)
    await fhi.send_json_to({"action": "status", "id": 7, "status": "dnd"})
    got = await _drain(ola)
    change = next(c for m in got if m["type"] == "update" for c in m["changes"] if c["kind"] == "presence")
    assert change["person_id"] == ingrid_id and change["status"] == "dnd" and change["reason"] == "own"
    assert [m for m in await _drain(nkh) if m["type"] != "status"] == []  # the engine's link status only
    await fhi.send_json_to({"action": "status", "id": 8, "status": "på ferie"})
    refused = [m for m in await _drain(fhi) if m.get("id") == 8]
    assert refused and refused[0]["type"] == "error"
    for comm in (fhi, ola, nkh):
        await comm.disconnect()


def _person_id(slug: str, last_name: str) -> int:
    from django_tenants.utils import schema_context

    from switchboard.models import Person

    with schema_context(slug):
        return Person.objects.get(last_name=last_name).pk


async def test_bad_messages_get_a_clear_norwegian_answer_and_nothing_is_written(engine, sessions):  # noqa: F811
    from switchboard.models import AttendantMessage

    before = await asyncio.to_thread(_count_messages, AttendantMessage)
    fhi = _comm("fhi.localhost", await asyncio.to_thread(sessions, "fhi", "ingrid"))
    assert (await fhi.connect(timeout=5))[0]
    await _drain(fhi)
    bad = [
        ({"action": "answer", "call_id": ["1733000000-7"]}, "Samtale: Må være tekst."),
        ({"action": "answer"}, "Samtale:"),
        ({"action": "transfer", "call_id": "1733000000-7", "number": "1001", "announced": "ja"},
         "Med forespørsel: Må være true eller false."),
        ({"action": "status", "status": "på ferie"}, "Status:"),
        ({"action": "message", "person_id": True, "text": "Ring tilbake"}, "Person:"),
        ({"action": "message", "person_id": 1, "text": "Ring \x00 tilbake"}, "Beskjed:"),
        ({"action": "message", "person_id": 1, "text": "x" * 2001}, "Beskjed:"),
        ({"action": "slett_alt"}, "Ukjent handling."),
    ]
    for n, (message, expected) in enumerate(bad, start=10):
        await fhi.send_json_to({**message, "id": n})
        answer = next(m for m in await _drain(fhi) if m.get("id") == n)
        assert answer["type"] == "error" and expected in answer["error"], (message, answer)
    # Ordinary Norwegian text with commas and apostrophes goes through intact.
    await fhi.send_json_to({"action": "search", "id": 30, "q": "Ås, O'Brien"})
    answer = next(m for m in await _drain(fhi) if m.get("id") == 30)
    assert answer["type"] == "ok"
    assert await asyncio.to_thread(_count_messages, AttendantMessage) == before
    await fhi.disconnect()


def _count_messages(model) -> int:  # type: ignore[no-untyped-def]
    from django_tenants.utils import schema_context

    with schema_context("fhi"):
        return model.objects.count()
