"""Faults with a real Asterisk the platform manages itself (EngineRunner + supervisor), real SIP calls from
baresip: Asterisk killed with calls up, and Asterisk hanging (SIGSTOP).

What a user notices: Asterisk comes back without anyone acting, agents are in their queues again (paused with
the same reason), the calls that were cut are closed in the history with a reason, and both links say
"disconnected" while Asterisk hangs, then recover without a traceback in the log.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from asterisk_conf.runtime import find_asterisk
from engine.runner import EngineRunner
from tests.engine.test_engine_live import _agent_id, _redis_url, _ua, redis_layer  # noqa: F401  (fixture)
from tests.harness.asterisk_harness import prepare
from tests.harness.baresip_harness import find_baresip
from tests.harness.engine_harness import EngineThread
from tests.helpers import OPS_HEADERS

pytestmark = [
    pytest.mark.asterisk,
    pytest.mark.baresip,
    pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README)."),
    pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)."),
    pytest.mark.skipif(_redis_url() is None, reason="Redis svarer ikke på 127.0.0.1:6379."),
]

RTP = int(os.environ.get("TEST_RTP_START", "35000")) + 500  # Asterisk takes the start of the range


@pytest.fixture(scope="module")
def platform(django_db_setup, django_db_blocker, redis_layer):  # type: ignore[no-untyped-def]  # noqa: F811
    """The platform's own runner with a managed Asterisk on free ports (supervised, restarted when it dies)."""
    base = Path(tempfile.mkdtemp(prefix="cp-faults-"))
    with django_db_blocker.unblock():
        ast = prepare(base)
        assert ast is not None
        et = EngineThread(runner=EngineRunner(managed=ast, nodes=[]))
        et.wait_for(lambda: _rt(et).resynced_at, timeout=20)
        yield ast, et
        et.stop()
    if not os.environ.get("KEEP_TEST_ASTERISK"):
        shutil.rmtree(base, ignore_errors=True)


def _rt(et):  # type: ignore[no-untyped-def]
    return next(iter(et.engine.runtimes.values()))


def _agent(et, agent_id: int) -> dict:  # type: ignore[no-untyped-def]
    return et.engine.snapshot("fhi")["agents"].get(str(agent_id), {})


def test_killed_asterisk_is_restarted_agents_are_back_and_cut_calls_are_closed(platform, db, tmp_path):
    from contactcenter import live_services as services

    ast, et = platform
    ingrid, kari = _agent_id("fhi", "1001"), _agent_id("fhi", "1003")  # Sentralbord (7000), Smittevern (7001)
    agent_ua = _ua(ast, tmp_path, "fhi", "1001", RTP)
    talker = _ua(ast, tmp_path, "fhi", "1005", RTP + 40)
    waiter = _ua(ast, tmp_path, "fhi", "1006", RTP + 80)
    try:
        services.agent_login(agency="fhi", agent_id=kari)
        services.agent_pause(agency="fhi", agent_id=kari, reason_code="lunsj")
        services.agent_login(agency="fhi", agent_id=ingrid)
        et.wait_for(lambda: _agent(et, kari).get("state") == "paused")
        # An agent talking on one call...
        talker.command("dial", "7000")
        assert agent_ua.wait_event({"CALL_INCOMING"}, timeout=15)
        agent_ua.command("accept")
        et.wait_for(lambda: _agent(et, ingrid).get("state") == "in_call")
        # ... and a caller waiting in another queue (its only agent is paused).
        waiter.command("dial", "7001")
        et.wait_for(lambda: et.engine.snapshot("fhi")["queues"].get("t-fhi-q2", {}).get("callers"))
        calls = {c["linkedid"] for c in et.engine.snapshot("fhi")["calls"].values()}
        et.flush_history()
        time.sleep(1.5)  # Asterisk commits its astdb (persistent queue members) once a second

        killed = _kill_and_see_it_restarted(ast, et)

        # Agents are back in their queues, the paused one with the same reason.
        back = et.wait_for(lambda: (a := _agent(et, kari)).get("state") == "paused" and a, timeout=5)
        assert back["paused_reason"] == "lunsj" and back["queues"] == ["t-fhi-q2"]
        assert _agent(et, ingrid).get("queues") == ["t-fhi-q1"]
        assert _rt(et).members_lost == []

        _cut_rows_are_closed_with_a_reason(calls, killed)
    finally:
        for agent_id in (ingrid, kari):
            services.agent_logout(agency="fhi", agent_id=agent_id)
        for ua in (agent_ua, talker, waiter):
            ua.stop()


def _kill_and_see_it_restarted(ast, et) -> float:  # type: ignore[no-untyped-def]
    """kill -9 the managed Asterisk; the platform notices, restarts it and says so in health. Returns the kill time."""
    old_pid = ast.process.pid
    killed = time.time()
    os.kill(old_pid, signal.SIGKILL)
    et.wait_for(lambda: not _rt(et).ami.health.connected, timeout=5)
    et.wait_for(lambda: _rt(et).resynced_at > killed, timeout=30)
    health = et.run(_call(et.engine.health))["managed_asterisk"]
    assert health["restarts"] == 1 and health["running"] and health["last_exit"] == "signal SIGKILL"
    assert ast.process.pid != old_pid
    et.wait_for(lambda: _rt(et).ari.health.connected, timeout=5)
    body = _engine_health()
    assert body["engine"] == "ok" and body["managed_asterisk"]["restarts"] == 1
    assert body["managed_asterisk"]["last_exit"] == "signal SIGKILL" and body["managed_asterisk"]["started_at"] > killed
    return killed


def _cut_rows_are_closed_with_a_reason(calls: set[str], killed: float) -> None:
    from contactcenter.models import Call, HistoryGap, QueueVisit

    # Every cut call and visit is closed with a reason (waiting up to 5 s after the reconnect).
    def closed() -> bool:
        with schema_context("fhi"):
            return not Call.objects.filter(linkedid__in=calls, ended_at__isnull=True).exists()
    _wait(closed, timeout=5)
    with schema_context("fhi"):
        for call in Call.objects.filter(linkedid__in=calls):
            assert call.end_reason == "avbrutt: Asterisk startet på nytt"
            assert call.ended_at.timestamp() <= time.time()
        waiting = QueueVisit.objects.get(queue_id=2, call__linkedid__in=calls)
        assert waiting.outcome == "cut" and waiting.ended_at and waiting.waited_seconds is not None
        answered = QueueVisit.objects.get(queue_id=1, call__linkedid__in=calls)
        assert answered.outcome == "answered" and answered.talk_seconds is not None and answered.ended_at
        gap = HistoryGap.objects.order_by("-started_at").first()
        assert gap is not None and gap.asterisk_restarted and gap.started_at.timestamp() >= killed - 1


def test_call_made_while_ami_was_down_is_recovered_from_the_cdr(platform, db, tmp_path):
    from contactcenter.models import Call, HistoryGap

    ast, et = platform
    rt = _rt(et)
    et.wait_for(lambda: rt.ami.health.connected and rt.resynced_at, timeout=10)
    from contactcenter import live_services as services

    caller = _ua(ast, tmp_path, "fhi", "1007", RTP + 120)
    ola = _agent_id("fhi", "1002")
    services.agent_login(agency="fhi", agent_id=ola)
    et.wait_for(lambda: _agent(et, ola).get("queues") == ["t-fhi-q1"])
    try:
        et.run(rt.ami.stop())  # AMI down, Asterisk up: calls go on without the engine seeing them
        gap_start = time.time()
        with schema_context("fhi"):
            before = set(Call.objects.values_list("linkedid", flat=True))
        caller.command("dial", "7002")
        assert caller.wait_event({"CALL_ESTABLISHED", "CALL_PROGRESS", "CALL_RINGING"}, timeout=10)
        time.sleep(2)
        caller.command("hangup")
        # A membership Asterisk loses while the engine is away is reported (the agent must log in again).
        ast.cli(f"queue remove member {services.agent_interface(agency='fhi', agent_id=ola)} from t-fhi-q1")
        time.sleep(1)
        rt.ami._stopped = False
        et.run(_start(rt.ami))
        et.wait_for(lambda: rt.resynced_at > gap_start and rt.last_closing.get("at", 0) > gap_start, timeout=15)
        with schema_context("fhi"):
            new = Call.objects.exclude(linkedid__in=before).filter(caller_number="1007")
            assert new.count() == 1, list(new.values())
            call = new.get()
            assert call.end_reason == "hentet fra Asterisks CDR etter brudd" and call.ended_at
            assert call.direction == "internal" and call.answered_at is None  # nobody answered queue 7002
            assert gap_start - 1 <= call.started_at.timestamp() <= call.ended_at.timestamp() <= time.time()
            gap = HistoryGap.objects.order_by("-started_at").first()
            assert gap.recovered_calls == 1 and not gap.asterisk_restarted and gap.node == "lokal"
        assert rt.members_lost == [{"agency": "fhi", "agent_id": ola, "queue": "t-fhi-q1"}]
        assert et.run(_call(et.engine.health))["nodes"]["lokal"]["members_lost"] == rt.members_lost
    finally:
        services.agent_logout(agency="fhi", agent_id=ola)
        caller.stop()


async def _start(link) -> None:  # type: ignore[no-untyped-def]
    link.start()


def test_hung_asterisk_both_links_notice_within_3_s_and_recover_without_tracebacks(platform, db, caplog):
    from contactcenter import live_services as services
    from engine.client import EngineRefused, engine_call_sync

    ast, et = platform
    rt = _rt(et)
    et.wait_for(lambda: rt.ami.health.connected and rt.ari.health.connected, timeout=10)
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    pid = ast.process.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        et.wait_for(lambda: not rt.ami.health.connected and not rt.ari.health.connected, timeout=3, interval=0.05)
        # A command while Asterisk hangs is refused plainly (no traceback in the engine's log).
        interface = services.agent_interface(agency="fhi", agent_id=_agent_id("fhi", "1003"))
        with pytest.raises(EngineRefused, match="Asterisk er ikke tilgjengelig"):
            engine_call_sync("queue_pause", "fhi", {"interface": interface, "paused": True})
        time.sleep(30)
    finally:
        os.kill(pid, signal.SIGCONT)
    resumed = time.time()
    et.wait_for(lambda: rt.ami.health.connected and rt.ari.health.connected and rt.resynced_at > resumed,
                timeout=15)
    assert ast.process.pid == pid, "a hung Asterisk is not restarted"
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not bad, [r.getMessage() for r in bad]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "frakoblet" in r.getMessage()]
    assert len(warnings) == 2, warnings  # one line per link, not one per reconnect attempt


def _engine_health() -> dict:
    """GET /health/engine as the platform serves it (the view asks the engine over the channel layer)."""
    import json

    from asgiref.sync import async_to_sync
    from django.test import RequestFactory

    from controlplane.views import engine_health

    return json.loads(async_to_sync(engine_health)(RequestFactory().get("/health/engine", headers=OPS_HEADERS)).content)


def _wait(predicate, timeout: float) -> None:  # type: ignore[no-untyped-def]
    """Wait in the test's thread (for predicates that read the database)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"ikke oppfylt innen {timeout} s")
        time.sleep(0.1)


async def _call_async(fn):  # type: ignore[no-untyped-def]
    return fn()


def _call(fn):  # type: ignore[no-untyped-def]
    return _call_async(fn)
