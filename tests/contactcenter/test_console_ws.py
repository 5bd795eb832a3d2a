"""The console's WebSocket, from the attacker's side: another agency's session, a foreign origin,
two agencies in one process, an agent reaching for a queue they do not serve.

A real engine (no Asterisk node) runs in the test's event loop on the in-memory channel layer and is
fed AMI events recorded from a real Asterisk."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings

from engine.amiparse import parse_ami_stream

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ami"


@pytest.fixture
def memory_layer():  # type: ignore[no-untyped-def]
    old = settings.CHANNEL_LAYERS
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    settings.CHANNEL_LAYERS = old
    channel_layers.backends.clear()


@pytest.fixture
def sessions(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Committed sessions (the consumer reads them on Channels' own thread)."""
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django_tenants.utils import schema_context

    store = import_module(settings.SESSION_ENGINE).SessionStore
    made: list[tuple[str, str]] = []

    def make(slug: str, username: str) -> str:
        with django_db_blocker.unblock(), schema_context(slug):
            user = get_user_model().objects.get(username=username)
            s = store()
            s[SESSION_KEY] = str(user.pk)
            s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            s[HASH_SESSION_KEY] = user.get_session_auth_hash()
            s.save()
            made.append((slug, s.session_key))
            return s.session_key

    with django_db_blocker.unblock():
        yield make
        for slug, key in made:
            with schema_context(slug):
                store(key).delete()


@pytest.fixture
async def engine(memory_layer, django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from engine.core import Engine

    with django_db_blocker.unblock():
        eng = Engine(nodes=[], record_history=False)
        await eng.start()
        yield eng
        await eng.stop()


def _app():  # type: ignore[no-untyped-def]
    from controlplane.asgi import application

    return application


def _comm(host: str, session_key: str | None = None, origin: str | None = None) -> WebsocketCommunicator:
    headers = [(b"host", host.encode())]
    if session_key:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()))
    if origin:
        headers.append((b"origin", origin.encode()))
    return WebsocketCommunicator(_app(), "/ws/live/", headers=headers)


async def _connect(comm: WebsocketCommunicator) -> dict:
    connected, _code = await comm.connect(timeout=5)
    assert connected
    first = await comm.receive_json_from(timeout=5)
    assert first["type"] == "snapshot"
    return first


def _feed(engine, name: str) -> None:  # type: ignore[no-untyped-def]
    from engine.core import NodeRuntime
    from engine.state import LiveState

    rt = NodeRuntime(config=None, state=LiveState())  # type: ignore[arg-type]
    for ev in parse_ami_stream((FIXTURES / name).read_bytes()):
        engine.on_ami_event(rt, ev)


async def _drain(comm: WebsocketCommunicator, seconds: float = 0.5) -> list[dict]:
    """Everything the consumer sends until it has been quiet for ``seconds`` (without a timeout that
    would cancel the application)."""
    out = []
    while not await comm.receive_nothing(timeout=seconds):
        out.append(await comm.receive_json_from(timeout=5))
    return out


async def test_session_of_one_agency_is_refused_at_another(engine, sessions):
    key = await asyncio.to_thread(sessions, "fhi", "jonas")
    comm = _comm("nkh.localhost", key)
    connected, code = await comm.connect(timeout=5)
    assert not connected and code == 4401
    ok = _comm("fhi.localhost", key)
    await _connect(ok)
    await ok.disconnect()


async def test_no_session_and_foreign_origin_are_refused(engine, sessions):
    key = await asyncio.to_thread(sessions, "fhi", "jonas")
    for comm in (_comm("fhi.localhost"), _comm("fhi.localhost", key, origin="http://nkh.localhost"),
                 _comm("fhi.localhost", key, origin="http://evil.example"), _comm("localhost", key)):
        connected, _code = await comm.connect(timeout=5)
        assert not connected


async def test_two_agencies_in_one_process_never_see_each_other(engine, sessions):
    fhi_key = await asyncio.to_thread(sessions, "fhi", "jonas")  # supervisor at FHI
    nkh_key = await asyncio.to_thread(sessions, "nkh", "magnus")  # supervisor at NKH
    fhi, nkh = _comm("fhi.localhost", fhi_key), _comm("nkh.localhost", nkh_key)
    await _connect(fhi)
    await _connect(nkh)
    _feed(engine, "queue_answered.ami")
    _feed(engine, "nkh_queue_answered.ami")
    got_fhi, got_nkh = await _drain(fhi), await _drain(nkh)
    assert got_fhi and got_nkh
    text_fhi, text_nkh = str(got_fhi), str(got_nkh)
    assert "t-fhi-q1" in text_fhi and "nkh" not in text_fhi
    assert "t-nkh-q1" in text_nkh and "fhi" not in text_nkh

    # Interleaved ORM work on Channels' single shared thread: each connection must stay in its own schema.
    from django_tenants.utils import schema_context

    from switchboard.models import Person

    def names(slug: str) -> set[str]:
        with schema_context(slug):
            return {str(p) for p in Person.objects.all()}

    fhi_people, nkh_people = await asyncio.to_thread(names, "fhi"), await asyncio.to_thread(names, "nkh")
    for _round in range(10):
        for comm in (fhi, nkh):
            await comm.send_json_to({"action": "directory", "q": "e", "id": _round})
        replies = {"fhi": await fhi.receive_json_from(timeout=5), "nkh": await nkh.receive_json_from(timeout=5)}
        found_fhi = {r["name"] for r in replies["fhi"]["result"]}
        found_nkh = {r["name"] for r in replies["nkh"]["result"]}
        assert found_fhi and found_fhi <= fhi_people and not (found_fhi & (nkh_people - fhi_people))
        assert found_nkh and found_nkh <= nkh_people and not (found_nkh & (fhi_people - nkh_people))
    await fhi.disconnect()
    await nkh.disconnect()


async def test_agent_sees_and_subscribes_only_to_queues_they_serve(engine, sessions):
    key = await asyncio.to_thread(sessions, "fhi", "sigrid")  # Vaksine: serves only Vaksinetelefonen (queue 3)
    comm = _comm("fhi.localhost", key)
    snap = await _connect(comm)
    assert set(snap["data"]["queues"]) <= {"t-fhi-q3"}
    _feed(engine, "queue_answered.ami")  # traffic in Sentralbord (queue 1)
    updates = await _drain(comm)
    assert "t-fhi-q1" not in str(updates)
    await comm.send_json_to({"action": "subscribe", "queue_id": 1, "id": 1})
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "error" and "tilgang" in reply["error"]
    await comm.send_json_to({"action": "subscribe", "queue_id": 3, "id": 2})
    assert (await comm.receive_json_from(timeout=5))["type"] == "ok"
    # Nor can the agent act on someone else's call.
    await comm.send_json_to({"action": "hangup", "channel": "PJSIP/fhi-p1-00000001", "id": 3})
    reply = await comm.receive_json_from(timeout=5)
    assert reply["type"] == "error"
    await comm.disconnect()


async def _ask(comm: WebsocketCommunicator, message: dict | str) -> dict:
    if isinstance(message, str):
        await comm.send_to(text_data=message)
    else:
        await comm.send_json_to(message)
    return await comm.receive_json_from(timeout=5)


@pytest.mark.parametrize(("message", "expected"), [
    ({"action": "subscribe", "queue_id": True}, "Kø: Oppgi et heltall."),
    ({"action": "subscribe", "queue_id": -1}, "Kø: Verdien må være større enn eller lik 1."),
    ({"action": "subscribe", "queue_id": "3"}, "Kø: Oppgi et heltall."),
    ({"action": "subscribe"}, "Kø: Feltet er påkrevet."),
    ({"action": "inquiry", "queue_id": 1, "category_id": "abc"}, "Kategori: Oppgi et heltall."),
    ({"action": "inquiry", "queue_id": 1, "category_id": [1]}, "Kategori: Oppgi et heltall."),
    ({"action": "inquiry", "queue_id": 1, "note": "Ringte om\x00vaksine"}, "Notat: Null-tegn er ikke tillatt."),
    ({"action": "inquiry", "queue_id": 1, "note": "x" * 4001}, "Notat: Sørg for at denne verdien har 4000 eller færre tegn"),
    ({"action": "inquiry", "queue_id": 1, "note": {"a": 1}}, "Notat: Må være tekst."),
    ({"action": "directory", "q": "Lie\x00"}, "Søk: Null-tegn er ikke tillatt."),
    ({"action": "directory", "q": ["Lie"]}, "Søk: Må være tekst."),
    ({"action": "transfer", "channel": "PJSIP/x-1", "number": "1002", "attended": "ja"}, "Med forespørsel: Må være"),
    ({"action": "supervise", "channel": "PJSIP/x-1", "mode": "shout"}, "Modus: Velg et gyldig valg."),
    ({"action": "hangup", "channel": 7}, "Kanal: Må være tekst."),
    ({"action": "fly"}, "Ukjent handling."),
    ({"action": ["who"]}, "Ukjent handling."),
    ("not json", "Meldingen må være et JSON-objekt."),
    ("[1, 2]", "Meldingen må være et JSON-objekt."),
])
async def test_malformed_message_gets_a_norwegian_error_and_the_socket_stays_open(engine, sessions, message, expected):
    key = await asyncio.to_thread(sessions, "fhi", "ingrid")  # agent in Sentralbord (queue 1)
    comm = _comm("fhi.localhost", key)
    await _connect(comm)
    if isinstance(message, dict):
        message = {**message, "id": 41}
    reply = await _ask(comm, message)
    assert reply["type"] == "error" and expected in reply["error"], reply
    assert reply["id"] == (41 if isinstance(message, dict) else None)
    # The same connection answers the next, valid message.
    reply = await _ask(comm, {"action": "subscribe", "queue_id": 1, "id": 42})
    assert reply == {"type": "ok", "id": 42, "action": "subscribe", "result": {"queue_id": 1}}
    await comm.disconnect()


async def test_note_over_the_limit_is_refused_not_cut(engine, sessions):
    from django_tenants.utils import schema_context

    from contactcenter.models import Inquiry, InquiryCategory

    def count() -> int:
        with schema_context("fhi"):
            return Inquiry.objects.count()

    def category() -> int:
        with schema_context("fhi"):
            return InquiryCategory.objects.filter(queue_id=1).order_by("id").first().pk

    before, category_id = await asyncio.to_thread(count), await asyncio.to_thread(category)
    key = await asyncio.to_thread(sessions, "fhi", "ingrid")
    comm = _comm("fhi.localhost", key)
    await _connect(comm)
    reply = await _ask(comm, {"action": "inquiry", "queue_id": 1, "note": "æ" * 4001, "id": 1})
    assert reply["type"] == "error" and "4000" in reply["error"]
    assert await asyncio.to_thread(count) == before
    note = "Spurte om vaksine, avd. Trondheim"
    reply = await _ask(comm, {"action": "inquiry", "queue_id": 1, "category_id": category_id, "note": note, "id": 2})
    assert reply["type"] == "ok", reply

    def saved_and_removed() -> str:
        with schema_context("fhi"):
            inquiry = Inquiry.objects.get(pk=reply["result"]["inquiry_id"])
            inquiry.delete()
            return inquiry.note

    assert await asyncio.to_thread(saved_and_removed) == note
    await comm.disconnect()


async def test_errors_follow_the_users_chosen_language(engine, sessions):
    key = await asyncio.to_thread(sessions, "fhi", "ingrid")
    comm = WebsocketCommunicator(_app(), "/ws/live/", headers=[
        (b"host", b"fhi.localhost"), (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}; django_language=en".encode())])
    await _connect(comm)
    reply = await _ask(comm, {"action": "subscribe", "queue_id": True, "id": 1})
    assert reply == {"type": "error", "id": 1, "action": "subscribe",
                     "error": "Invalid message: Queue: Enter a whole number."}, reply
    await comm.disconnect()


async def test_origin_must_match_scheme_host_and_port(engine, sessions):
    key = await asyncio.to_thread(sessions, "fhi", "jonas")

    def comm(host: str, origin: str, scheme: str = "ws") -> WebsocketCommunicator:
        c = _comm(host, key, origin=origin)
        c.scope["scheme"] = scheme
        return c

    refused = [comm("fhi.localhost:8000", "http://fhi.localhost:9999"),
               comm("fhi.localhost", "http://fhi.localhost:9999"),
               comm("fhi.localhost:8000", "https://fhi.localhost:8000"),
               comm("fhi.localhost", "http://fhi.localhost", scheme="wss"),
               comm("fhi.localhost:8000", "null"),
               comm("fhi.localhost:8000", "file://fhi.localhost:8000")]
    for c in refused:
        connected, code = await c.connect(timeout=5)
        assert not connected and code == 4401, c.scope["headers"]
    for c in (comm("fhi.localhost:8000", "http://fhi.localhost:8000"), comm("fhi.localhost", "http://fhi.localhost:80"),
              comm("fhi.localhost", "https://FHI.localhost", scheme="wss")):
        await _connect(c)
        await c.disconnect()


def _fake_node(engine) -> object:  # type: ignore[no-untyped-def]
    """A node whose AMI and ARI links are never started: the test moves their health by hand, as the links'
    own supervision would when Asterisk dies, hangs or comes back."""
    from engine.ami import AmiLink
    from engine.ari import AriLink
    from engine.core import NodeRuntime
    from engine.state import LiveState

    async def nothing(link) -> None:  # type: ignore[no-untyped-def]
        return None

    rt = NodeRuntime(config=None, state=LiveState(),  # type: ignore[arg-type]
                     ami=AmiLink(name="t", host="127.0.0.1", port=1, username="u", secret="s",
                                 on_event=lambda ev: None, on_connected=nothing),
                     ari=AriLink(name="t", host="127.0.0.1", port=1, username="u", password="p", app="a",
                                 on_event=lambda ev: None, on_connected=nothing))
    rt.ami.health.mark_connected()
    rt.ari.health.mark_connected()
    engine.runtimes["t"] = rt
    return rt


async def _status_within(comm: WebsocketCommunicator, seconds: float) -> dict:
    """The next status frame, which must come within ``seconds``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        left = deadline - loop.time()
        assert left > 0, f"ingen statusmelding innen {seconds} s"
        if await comm.receive_nothing(timeout=min(left, 0.05)):
            continue
        frame = await comm.receive_json_from(timeout=1)
        if frame["type"] == "status":
            return frame["status"]


async def test_console_follows_the_engines_contact_with_asterisk_both_ways(engine, sessions):
    rt = _fake_node(engine)
    key = await asyncio.to_thread(sessions, "fhi", "ingrid")
    comm = _comm("fhi.localhost", key)
    snap = await _connect(comm)
    assert snap["data"]["status"] == {"state": "connected", "ami": True, "ari": True}
    assert snap["data"]["connected"] is True

    rt.ami.health.mark_lost()  # AMI down (Asterisk killed or hanging)
    assert await _status_within(comm, 2) == {"state": "degraded", "ami": False, "ari": True}
    rt.ami.health.mark_connected()
    assert await _status_within(comm, 2) == {"state": "connected", "ami": True, "ari": True}
    rt.ari.health.mark_lost()  # ARI alone down is degraded too
    assert (await _status_within(comm, 2))["state"] == "degraded"
    rt.ari.health.mark_connected()
    assert (await _status_within(comm, 2))["state"] == "connected"
    # Heartbeats with an unchanged status send the console nothing.
    assert await comm.receive_nothing(timeout=2.5)

    # A console loaded during an outage starts red.
    rt.ami.health.mark_lost()
    assert (await _status_within(comm, 2))["state"] == "degraded"
    late = _comm("fhi.localhost", key)
    assert (await _connect(late))["data"]["status"]["state"] == "degraded"
    rt.ami.health.mark_connected()
    assert (await _status_within(late, 2))["state"] == "connected"
    assert (await _status_within(comm, 2))["state"] == "connected"

    del engine.runtimes["t"]  # the engine without any node
    assert (await _status_within(comm, 2))["state"] == "no_node"
    await comm.disconnect()
    await late.disconnect()


async def test_console_hears_when_the_engine_goes_silent_and_when_it_is_back(engine, sessions):
    from contactcenter.hub import ENGINE_SILENT_S
    from engine.core import Engine

    key = await asyncio.to_thread(sessions, "fhi", "jonas")
    comm = _comm("fhi.localhost", key)
    assert (await _connect(comm))["data"]["status"]["state"] == "no_node"
    await asyncio.sleep(2.5)  # the hub has heard the engine's heartbeat
    for task in engine._tasks:  # the engine stops answering (a crashed engine process)
        task.cancel()
    assert await _status_within(comm, ENGINE_SILENT_S + 2) == {"state": "engine_unavailable", "ami": False,
                                                               "ari": False}
    again = Engine(nodes=[], record_history=False)
    await again.start()
    try:
        assert (await _status_within(comm, 2))["state"] == "no_node"
    finally:
        await again.stop()
    await comm.disconnect()


async def test_console_loaded_while_the_engine_is_away_is_told_at_once(memory_layer, sessions):
    from engine.core import Engine

    key = await asyncio.to_thread(sessions, "fhi", "jonas")
    comm = _comm("fhi.localhost", key)
    connected, _code = await comm.connect(timeout=10)
    assert connected
    first = await comm.receive_json_from(timeout=10)
    assert first == {"type": "status", "status": {"state": "engine_unavailable", "ami": False, "ari": False}}
    eng = Engine(nodes=[], record_history=False)
    await eng.start()
    try:
        assert (await _status_within(comm, 3))["state"] == "no_node"
    finally:
        await eng.stop()
    await comm.disconnect()
