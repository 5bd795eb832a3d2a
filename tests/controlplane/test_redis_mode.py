"""The README's second mode: `./dev run` with REDIS_URL starts the web server and `run_engine` as two processes
that talk through Redis, with the managed Asterisk on free ports and the platform's data in a temp folder.

Also here: engine calls leave no Redis subscription behind, two deployments on one Redis server each hear only
their own engine (CHANNEL_PREFIX), and a failing engine health probe logs once per change, not per probe.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from asterisk_conf.runtime import find_asterisk
from controlplane.asgi import application  # sets Django's logging up now, not under caplog
from tests.harness.platform_harness import ROOT, PlatformProcess, database_url_of
from tests.helpers import OPS_HEADERS


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return None
    return url


def live(fn):  # type: ignore[no-untyped-def]
    """Needs Redis on 127.0.0.1:6379 and an Asterisk for the platform to manage."""
    for mark in (pytest.mark.redis, pytest.mark.asterisk,
                 pytest.mark.skipif(_redis_url() is None, reason="Redis svarer ikke på 127.0.0.1:6379."),
                 pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README).")):
        fn = mark(fn)
    return fn


def _redis():  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(_redis_url())


def _subscriptions(prefix: str) -> list[str]:
    return sorted(c.decode() for c in _redis().pubsub_channels(f"{prefix}*"))


@pytest.fixture(scope="module")
def redis_platform(django_db_setup, django_db_blocker, tmp_path_factory):  # type: ignore[no-untyped-def]
    """`./dev run` with REDIS_URL, on the test database, with a channel prefix of its own."""
    from django.db import connection

    with django_db_blocker.unblock():
        db_url = database_url_of(connection.settings_dict)
    prefix = f"test-redismode-{uuid.uuid4().hex[:8]}"
    platform = PlatformProcess(tmp_path_factory.mktemp("redis-platform"), DATABASE_URL=db_url,
                               REDIS_URL=_redis_url() or "", CHANNEL_PREFIX=prefix)
    platform.start()
    try:
        platform.wait_engine_ok()
        yield platform, prefix
    finally:
        platform.kill_leftovers()


def _login(platform: PlatformProcess, host: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=platform.url(""), headers={"Host": f"{host}:{platform.port}"}, timeout=10)
    page = client.get("/login/")
    assert page.status_code == 200
    token = client.cookies["csrftoken"]
    answer = client.post("/login/", data={"username": username, "password": "demo-passord-2026",
                                          "csrfmiddlewaretoken": token},
                         headers={"Referer": f"http://{host}:{platform.port}/login/"})
    assert answer.status_code == 302, answer.text[:500]
    return client


def _live_snapshot(platform: PlatformProcess, host: str, session: str) -> dict:
    from websockets.sync.client import connect

    sock = socket.create_connection(("127.0.0.1", platform.port), timeout=10)
    with connect(f"ws://{host}:{platform.port}/ws/live/", sock=sock, open_timeout=10,
                 additional_headers={"Origin": f"http://{host}:{platform.port}", "Cookie": f"sessionid={session}"}) as ws:
        return json.loads(ws.recv(timeout=15))


@live
def test_dev_run_with_redis_serves_console_and_engine_through_redis(redis_platform):
    platform, prefix = redis_platform
    # Two processes: the web server, and the engine (run_engine) it started.
    cmdlines = [" ".join(p.cmdline()) for p in platform.seen.values() if p.is_running()]
    assert any("run_platform" in c for c in cmdlines) and any("run_engine" in c for c in cmdlines), cmdlines
    # They talk through Redis, under this deployment's prefix, and say so in the log.
    assert f"{prefix}engine.commands" in _subscriptions(prefix)
    assert f"prefiks «{prefix}»" in platform.log()
    health = platform.get("/health/engine")
    assert health.status_code == 200 and health.json()["engine"] == "ok"
    assert "No application configured for scope type 'lifespan'" not in platform.log()
    # An operator logs in and opens the console; its live data comes from the engine process through Redis.
    client = _login(platform, "fhi.localhost", "kari")
    page = client.get("/console/")
    assert page.status_code == 200 and "Logg inn i køer" in page.text
    frame = _live_snapshot(platform, "fhi.localhost", client.cookies["sessionid"])
    assert frame["type"] == "snapshot", frame
    assert frame["data"]["connected"] is True


@live
def test_engine_calls_leave_no_redis_subscriptions_behind(redis_platform):
    platform, prefix = redis_platform
    platform.get("/health/engine")
    before = _subscriptions(prefix)
    with httpx.Client(base_url=platform.url(""), headers={"Host": f"localhost:{platform.port}", **OPS_HEADERS}, timeout=10) as c:
        statuses = {c.get("/health/engine").status_code for _ in range(1000)}
    after = _subscriptions(prefix)
    assert statuses == {200}
    assert len(after) <= len(before) + 1, (len(before), len(after), after[:5])


def _engine_process(prefix: str, db_url: str, data_dir: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(DATABASE_URL=db_url, REDIS_URL=_redis_url() or "", CHANNEL_PREFIX=prefix, PLATFORM_DATA_DIR=str(data_dir))
    log = (data_dir / "engine.log").open("ab")
    return subprocess.Popen([sys.executable, "manage.py", "run_engine", "--no-managed-asterisk"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


async def _all_answers(prefix: str, wait_after_first: float = 1.5) -> list[dict]:
    """Send one health command the engine's way under ``prefix``; every answer that comes back."""
    from channels_redis.pubsub import RedisPubSubChannelLayer

    layer = RedisPubSubChannelLayer(hosts=[_redis_url()], prefix=prefix)
    reply = await layer.new_channel("engine.reply.")
    answers: list[dict] = []

    async def collect() -> None:
        while True:
            answers.append(await layer.receive(reply))

    task = asyncio.create_task(collect())
    await layer.send(f"{prefix}engine.commands", {"type": "engine.command", "id": uuid.uuid4().hex, "op": "health",
                                                   "agency": "platform", "args": {}, "reply": reply})
    for _ in range(100):
        if answers:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(wait_after_first)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await layer.flush()
    return answers


@live
def test_two_deployments_on_one_redis_hear_only_their_own_engine(redis_platform, tmp_path, django_db_blocker):
    from channels.layers import channel_layers
    from django.conf import settings
    from django.db import connection

    from engine.client import engine_call_sync

    platform, prefix_a = redis_platform
    prefix_b = f"test-redismode-{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        db_url = database_url_of(connection.settings_dict)
    engine_b = _engine_process(prefix_b, db_url, tmp_path)
    try:
        for _ in range(300):
            if _redis().pubsub_numsub(f"{prefix_b}engine.commands")[0][1] == 1:
                break
            assert engine_b.poll() is None, (tmp_path / "engine.log").read_text()
            time.sleep(0.1)
        assert f"prefiks «{prefix_b}»" in (tmp_path / "engine.log").read_text()
        # Deployment A's engine manages an Asterisk ("lokal"); deployment B's has no node. One answer each.
        answers_a = asyncio.run(_all_answers(prefix_a))
        answers_b = asyncio.run(_all_answers(prefix_b))
        assert [sorted(a["data"]["nodes"]) for a in answers_a] == [["lokal"]]
        assert [sorted(a["data"]["nodes"]) for a in answers_b] == [[]]
        # The web side of deployment B (its settings) asks its engine and never hears A's.
        old = (settings.CHANNEL_LAYERS, settings.CHANNEL_PREFIX)
        settings.CHANNEL_PREFIX = prefix_b
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                               "CONFIG": {"hosts": [_redis_url()], "prefix": prefix_b}}}
        channel_layers.backends.clear()
        try:
            nodes = [sorted(engine_call_sync("health", "platform", timeout=5)["nodes"]) for _ in range(10)]
        finally:
            settings.CHANNEL_LAYERS, settings.CHANNEL_PREFIX = old
            channel_layers.backends.clear()
        assert nodes == [[]] * 10
    finally:
        engine_b.terminate()
        engine_b.wait(timeout=30)
    # Once B's engine is gone, B's commands get no answer at all (A's engine does not step in).
    assert asyncio.run(_all_answers(prefix_b, wait_after_first=0)) == []


@live
def test_sigterm_stops_web_server_engine_and_asterisk(redis_platform):
    platform, _prefix = redis_platform
    platform.remember_processes()
    assert {"asterisk"} <= platform.names(), platform.names()
    left = platform.signal_and_wait(signal.SIGTERM, timeout=60)
    assert left == [], left
    assert "Motoren er stoppet." in platform.log()


@pytest.fixture
def engine_in_test_loop():  # type: ignore[no-untyped-def]
    """A real engine with no Asterisk node, in the test's event loop, on the in-memory channel layer."""
    from channels.layers import channel_layers
    from django.conf import settings

    old = settings.CHANNEL_LAYERS
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    settings.CHANNEL_LAYERS = old
    channel_layers.backends.clear()


async def test_failing_engine_health_logs_one_warning_per_change_not_per_probe(engine_in_test_loop, caplog,
                                                                               monkeypatch):
    from controlplane import health_log
    from engine.core import Engine

    monkeypatch.setitem(health_log._last_engine_state, "state", "ok")
    engine = Engine(nodes=[], record_history=False)
    await engine.start()
    caplog.set_level(logging.INFO)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://localhost",
                                 headers=OPS_HEADERS) as client:
        try:
            # No Asterisk node: degraded, 503 on every probe, one WARNING for the change.
            for _ in range(5):
                response = await client.get("/health/engine")
                assert response.status_code == 503 and response.json()["engine"] == "degraded"
        finally:
            await engine.stop()
        # Engine gone: unavailable, again one WARNING for this change.
        for _ in range(2):
            response = await client.get("/health/engine")
            assert response.status_code == 503 and response.json()["engine"] == "unavailable"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert errors == [], [r.getMessage() for r in errors]
    assert len(warnings) == 2, warnings
    assert "degraded" in warnings[0] and "ingen Asterisk-node" in warnings[0]
    assert "unavailable" in warnings[1] and "Motoren svarer ikke" in warnings[1]


async def test_engine_health_with_redis_unreachable_is_unavailable_not_an_error(caplog, monkeypatch, settings):
    from channels.layers import channel_layers

    from controlplane import health_log
    from tests.harness.asterisk_harness import free_port

    monkeypatch.setitem(health_log._last_engine_state, "state", "ok")
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                           "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"],
                                                      "prefix": "test-nobody-home"}}}
    channel_layers.backends.clear()
    caplog.set_level(logging.INFO)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=application),
                                     base_url="http://localhost", headers=OPS_HEADERS) as client:
            responses = [await client.get("/health/engine") for _ in range(3)]
    finally:
        channel_layers.backends.clear()
    assert [r.status_code for r in responses] == [503] * 3
    assert responses[0].json() == {"engine": "unavailable",
                                   "error": "Kanal-laget (Redis) svarer ikke, så motoren kan ikke nås."}
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert len([r for r in caplog.records if r.levelno == logging.WARNING and r.name == "engine.health"]) == 1


async def test_concurrent_engine_calls_each_get_their_own_answer_on_one_reply_channel(engine_in_test_loop):
    """Every call of a loop shares one reply channel: answers must still find their own call."""
    from engine.client import EngineRefused, engine_call
    from engine.core import Engine

    engine = Engine(nodes=[], record_history=False)
    await engine.start()
    try:
        calls = [engine_call("health", "platform") if i % 3 == 0 else
                 engine_call("snapshot", "fhi" if i % 3 == 1 else "nkh") for i in range(60)]
        calls.append(engine_call("snapshot", "ikke et kortnavn!"))
        answers = await asyncio.gather(*calls, return_exceptions=True)
    finally:
        await engine.stop()
    for i, answer in enumerate(answers[:-1]):
        assert isinstance(answer, dict), answer
        assert ("nodes" in answer) == (i % 3 == 0), (i, sorted(answer))
    assert isinstance(answers[-1], EngineRefused)


@pytest.mark.redis
@pytest.mark.skipif(_redis_url() is None, reason="Redis svarer ikke på 127.0.0.1:6379.")
def test_reload_after_an_admin_change_reaches_the_engine_through_redis(settings):
    """The reload request is sent from sync code (the admin's commit hook), outside any event loop."""
    from types import SimpleNamespace

    from channels.layers import channel_layers

    from engine.reload import reload_after_render

    prefix = f"test-reload-{uuid.uuid4().hex[:8]}"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                           "CONFIG": {"hosts": [_redis_url()], "prefix": prefix}}}
    channel_layers.backends.clear()
    listener = _redis().pubsub()
    listener.subscribe(f"{prefix}engine.commands")
    try:
        assert listener.get_message(timeout=5)["type"] == "subscribe"
        reload_after_render(SimpleNamespace(changed_kinds={"queues", "pjsip"}))
        message = listener.get_message(timeout=5)
    finally:
        listener.close()
        channel_layers.backends.clear()
    assert message is not None and message["channel"].decode() == f"{prefix}engine.commands"
    assert channel_layers["default"].deserialize(message["data"])["args"] == {"kinds": ["pjsip", "queues"]}
