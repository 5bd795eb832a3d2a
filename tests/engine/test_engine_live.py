"""The engine against a real Asterisk on 127.0.0.1, with real SIP calls from baresip.

Commands go the way the console will send them: service function -> channel layer (real Redis) ->
engine -> AMI. History is read back from the agency's schema.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from asterisk_conf import naming
from asterisk_conf.runtime import find_asterisk
from engine.client import EngineRefused
from tests.harness.ami_client import AmiRecorder
from tests.harness.asterisk_harness import prepare
from tests.harness.baresip_harness import Baresip, find_baresip
from tests.harness.engine_harness import EngineThread, node_for


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return None
    return url


pytestmark = [
    pytest.mark.asterisk, pytest.mark.baresip, pytest.mark.redis,
    pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README)."),
    pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)."),
    pytest.mark.skipif(_redis_url() is None, reason="Redis svarer ikke på 127.0.0.1:6379."),
]


@pytest.fixture(scope="module")
def redis_layer():  # type: ignore[no-untyped-def]
    from channels.layers import channel_layers
    from django.conf import settings

    old = settings.CHANNEL_LAYERS
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                           "CONFIG": {"hosts": [_redis_url()],
                                                      "prefix": f"test-{uuid.uuid4().hex[:12]}"}}}
    channel_layers.backends.clear()
    yield
    settings.CHANNEL_LAYERS = old
    channel_layers.backends.clear()


@pytest.fixture(scope="module")
def live(django_db_setup, django_db_blocker, redis_layer):  # type: ignore[no-untyped-def]
    base = Path(tempfile.mkdtemp(prefix="cp-live-"))
    with django_db_blocker.unblock():
        ast = prepare(base)
        assert ast is not None
        ast.start()
        p = ast.profile
        node = node_for(p)
        # RECORD_AMI=<dir>: keep the raw AMI stream of the run (how tests/fixtures/ami are recorded).
        recorder = (AmiRecorder("127.0.0.1", p.ami_port, p.ami_username, p.ami_secret, None)
                    if os.environ.get("RECORD_AMI") else None)
        et = EngineThread([node])
        et.wait_for(lambda: et.engine.runtimes["test"].resynced_at, timeout=15)
        yield ast, et
        et.stop()
        if recorder is not None:
            Path(os.environ["RECORD_AMI"]).mkdir(parents=True, exist_ok=True)
            (Path(os.environ["RECORD_AMI"]) / "live.ami").write_bytes(recorder.stop())
        ast.stop()
    if not os.environ.get("KEEP_TEST_ASTERISK"):  # keep logs for debugging
        shutil.rmtree(base, ignore_errors=True)


def _phone(slug: str, ext: str) -> tuple[str, str]:
    from switchboard.models import Phone

    with schema_context(slug):
        phone = Phone.objects.filter(extension__number=ext, is_active=True).order_by("id").first()
        return naming.endpoint_name(slug, phone.pk), phone.sip_password


def _agent_id(slug: str, ext: str) -> int:
    from contactcenter.models import Agent

    with schema_context(slug):
        return Agent.objects.get(extension__number=ext).pk


def _ua(ast, tmp_path: Path, slug: str, ext: str, rtp: int) -> Baresip:  # type: ignore[no-untyped-def]
    user, password = _phone(slug, ext)
    ua = Baresip(tmp_path / f"{slug}{ext}", username=user, password=password, sip_port=ast.profile.sip_port,
                 rtp_base=rtp)
    for _ in range(50):
        if f"{user}/sip:" in ast.cli("pjsip show contacts"):
            return ua
        time.sleep(0.1)
    raise AssertionError(f"{user} registrerte seg ikke")


def test_engine_is_connected_and_healthy(live, db):
    _ast, et = live
    health = et.run(_async(et.engine.health))
    node = health["nodes"]["test"]
    assert node["ami"]["connected"] and node["ari"]["connected"]
    assert node["resynced_at"] > 0


def _pause_recorded(et, agent_id: int, *, since) -> None:  # type: ignore[no-untyped-def]
    """The pause the agent just ended is in the history with the console's reason (the agent report's source)."""
    from contactcenter.models import AgentPause

    et.flush_history()
    with schema_context("fhi"):
        pause = AgentPause.objects.filter(agent_id=agent_id, started_at__gte=since).get()
    assert pause.reason == "lunsj" and pause.ended_at is not None and not pause.ended_by_logout


def test_queue_call_answered_paused_recorded_and_persisted(live, db, tmp_path):
    from contactcenter import live_services as services
    from contactcenter.models import Call, QueueVisit, Recording

    ast, et = live
    agent_id = _agent_id("fhi", "1001")  # Sentralbord: serves queue 7000
    agent = _ua(ast, tmp_path, "fhi", "1001", 36000)
    caller = _ua(ast, tmp_path, "fhi", "1005", 36040)
    try:
        login_at = timezone.now()
        queues = services.agent_login(agency="fhi", agent_id=agent_id)
        assert queues == [1]
        et.wait_for(lambda: et.engine.snapshot("fhi")["agents"].get(str(agent_id), {}).get("state") == "idle")
        services.agent_pause(agency="fhi", agent_id=agent_id, reason_code="lunsj")
        snap = et.wait_for(lambda: (a := et.engine.snapshot("fhi")["agents"][str(agent_id)])["state"] == "paused"
                           and a)
        assert snap["paused_reason"] == "lunsj"
        services.agent_unpause(agency="fhi", agent_id=agent_id)
        et.wait_for(lambda: et.engine.snapshot("fhi")["agents"][str(agent_id)]["state"] == "idle")
        _pause_recorded(et, agent_id, since=login_at)

        caller.command("dial", "7000")
        waiting = et.wait_for(lambda: et.engine.snapshot("fhi")["queues"]["t-fhi-q1"]["callers"])
        assert waiting[0]["position"] == 1 and waiting[0]["caller_number"] == "1005"
        incoming = agent.wait_event({"CALL_INCOMING"}, timeout=15)
        assert incoming is not None
        agent.command("accept")
        et.wait_for(lambda: et.engine.snapshot("fhi")["agents"][str(agent_id)]["state"] == "in_call")
        assert et.engine.snapshot("fhi")["queues"]["t-fhi-q1"]["callers"] == []
        # Start recording mid-call on the agent's channel.
        prefix = f"PJSIP/{_phone('fhi', '1001')[0]}-"
        agent_channel = et.wait_for(lambda: next((c["channel"] for c in et.engine.snapshot("fhi")["calls"].values()
                                                  if c["channel"].startswith(prefix) and c["bridge"]), None))
        path = services.recording_start(agency="fhi", agent_id=agent_id, channel=agent_channel)
        time.sleep(2.5)
        caller.command("hangup")
        et.wait_for(lambda: not et.engine.snapshot("fhi")["calls"], timeout=10)
        et.wait_for(lambda: et.engine.snapshot("fhi")["agents"][str(agent_id)]["state"] in ("wrapup", "idle"))
        et.flush_history()
        rec = Path(path)
        assert rec.parent == ast.profile.spool_dir / "fhi" / "recordings"
        et.wait_for(lambda: rec.exists() and rec.stat().st_size > 1000, timeout=10)
        with schema_context("fhi"):
            visit = QueueVisit.objects.filter(queue_id=1).order_by("-entered_at").first()
            assert visit.outcome == "answered" and visit.answered_by_id == agent_id
            assert visit.position_on_entry == 1 and visit.waited_seconds is not None
            assert visit.talk_seconds is not None and visit.talk_seconds >= 2
            call = Call.objects.get(linkedid=visit.call.linkedid)
            assert call.ended_at is not None and call.caller_number == "1005"
            assert Recording.objects.filter(call=call, path=path).exists()
    finally:
        services.agent_logout(agency="fhi", agent_id=agent_id)
        agent.stop()
        caller.stop()


def test_caller_who_hangs_up_while_waiting_is_abandoned(live, db, tmp_path):
    from contactcenter.models import QueueVisit

    ast, et = live
    caller = _ua(ast, tmp_path, "fhi", "1006", 36080)
    try:
        caller.command("dial", "7002")  # Vaksinetelefonen: nobody logged in
        et.wait_for(lambda: et.engine.snapshot("fhi")["queues"].get("t-fhi-q3", {}).get("callers"))
        time.sleep(2.2)
        caller.command("hangup")
        et.wait_for(lambda: not et.engine.snapshot("fhi")["queues"]["t-fhi-q3"]["callers"])
        et.flush_history()
        with schema_context("fhi"):
            visit = QueueVisit.objects.filter(queue_id=3).order_by("-entered_at").first()
            assert visit.outcome == "abandoned" and visit.waited_seconds >= 2
    finally:
        caller.stop()


def _public_number(slug: str, ext: str) -> str:
    from switchboard.models import Did, Extension

    with schema_context(slug):
        return Did.objects.get(dest_kind="extension", dest_ref=Extension.objects.get(number=ext).pk).number


@pytest.mark.parametrize(("how", "rtp"), [("extension", 36400), ("public_number", 36480)])
def test_direct_call_is_answered_and_gets_talk_time(live, db, tmp_path, how, rtp):
    """Phone to phone, not through a queue: by extension, and by the callee's public number (DID)."""
    from contactcenter.models import Call

    ast, et = live
    caller = _ua(ast, tmp_path, "fhi", "1003", rtp)
    callee = _ua(ast, tmp_path, "fhi", "1004", rtp + 40)
    try:
        started = time.time()
        dialled = "1004" if how == "extension" else _public_number("fhi", "1004").removeprefix("+47")
        caller.command("dial", dialled)
        assert callee.wait_event({"CALL_INCOMING"}, timeout=10) is not None
        callee.command("accept")
        assert caller.wait_event({"CALL_ESTABLISHED"}, timeout=10) is not None
        time.sleep(2.5)
        caller.command("hangup")
        et.wait_for(lambda: not et.engine.snapshot("fhi")["calls"], timeout=10)
        et.flush_history()
        with schema_context("fhi"):
            call = Call.objects.filter(dialed=dialled).order_by("-started_at").first()
            assert call is not None and call.started_at.timestamp() >= started - 1
            assert call.caller_number == "1003"
            assert call.answered_at is not None and call.ended_at is not None
            assert call.answered_at >= call.started_at and call.ended_at > call.answered_at
            assert call.talk_seconds is not None and call.talk_seconds >= 2
            assert not call.queue_visits.exists()
    finally:
        caller.stop()
        callee.stop()


def test_agency_cannot_command_another_agencys_queue_channel_or_agent(live, db, tmp_path):
    from contactcenter import live_services as services
    from engine.client import engine_call_sync

    ast, et = live
    # NKH's agent cannot be logged into FHI's queue, even by a raw engine command.
    nkh_agent = _agent_id("nkh", "1001")
    with pytest.raises(EngineRefused):
        engine_call_sync("queue_add", "nkh", {"queue": "t-fhi-q1", "interface": services.agent_interface(
            agency="nkh", agent_id=nkh_agent), "member": f"nkh-a{nkh_agent}"})
    # FHI's agent ID does not exist in NKH's schema (or is another person): services check in NKH's schema.
    fhi_only_agent = _agent_id("fhi", "1008")
    with schema_context("nkh"):
        from contactcenter.models import Agent
        assert not Agent.objects.filter(pk=fhi_only_agent).exists()
    with pytest.raises(EngineRefused):
        services.agent_login(agency="nkh", agent_id=fhi_only_agent)
    # A live FHI channel cannot be hung up, recorded or spied on by NKH.
    caller = _ua(ast, tmp_path, "fhi", "1007", 36120)
    try:
        caller.command("dial", "7002")
        channel = et.wait_for(lambda: next((c["channel"] for c in et.engine.snapshot("fhi")["calls"].values()), None))
        for op, args in (("hangup", {"channel": channel}), ("record_start", {"channel": channel}),
                         ("supervise", {"channel": channel, "interface": "PJSIP/nkh-p1", "mode": "listen"})):
            with pytest.raises(EngineRefused):
                engine_call_sync(op, "nkh", args)
        assert et.engine.snapshot("fhi")["calls"], "FHI's call must still be up"
        services.call_hangup(agency="fhi", channel=channel)
        et.wait_for(lambda: not et.engine.snapshot("fhi")["calls"])
    finally:
        caller.stop()


@pytest.mark.parametrize("bad", ["lunsj\r\nAction: Originate\r\nChannel: PJSIP/nkh-p1", "lunsj\nx", "a;b"])
def test_crlf_in_values_cannot_inject_an_ami_action(live, db, bad):
    from contactcenter import live_services as services
    from engine.client import engine_call_sync

    _ast, et = live
    agent_id = _agent_id("fhi", "1002")
    before = et.engine.runtimes["test"].ami.health.events
    with pytest.raises((EngineRefused, ValueError)):
        services.agent_pause(agency="fhi", agent_id=agent_id, reason_code=bad)
    interface = services.agent_interface(agency="fhi", agent_id=agent_id)
    with pytest.raises(EngineRefused):  # straight to the engine, skipping the service's check
        engine_call_sync("queue_pause", "fhi", {"interface": interface, "paused": True, "reason": bad})
    with pytest.raises(EngineRefused):
        engine_call_sync("originate", "fhi", {"interface": interface, "number": "1001", "caller_id": bad})
    time.sleep(0.5)
    snap = et.engine.snapshot("fhi")
    assert not snap["calls"], "no call may have been originated"
    assert et.engine.runtimes["test"].ami.health.events - before < 50


def test_engine_reconnects_and_resyncs_after_asterisk_restart(live, db, tmp_path):
    from contactcenter.models import QueueVisit

    ast, et = live
    # A completed call before the crash.
    caller = _ua(ast, tmp_path, "fhi", "1004", 36160)
    caller.command("dial", "7002")
    et.wait_for(lambda: et.engine.snapshot("fhi")["queues"]["t-fhi-q3"]["callers"])
    uniqueid = et.engine.snapshot("fhi")["queues"]["t-fhi-q3"]["callers"][0]["uniqueid"]
    time.sleep(1)
    caller.command("hangup")
    et.wait_for(lambda: not et.engine.snapshot("fhi")["queues"]["t-fhi-q3"]["callers"])
    caller.stop()
    et.flush_history()
    # Crash and restart Asterisk.
    ast.process.kill()
    ast.process.wait(timeout=10)
    et.wait_for(lambda: not et.engine.runtimes["test"].ami.health.connected, timeout=5)
    restarted = time.time()
    ast.start()
    et.wait_for(lambda: et.engine.runtimes["test"].resynced_at > restarted, timeout=5)
    assert time.time() - restarted < 5 + 3  # start-up of Asterisk itself included
    assert et.engine.runtimes["test"].ami.health.connected
    et.wait_for(lambda: et.engine.runtimes["test"].ari.health.connected, timeout=5)
    with schema_context("fhi"):
        assert QueueVisit.objects.filter(uniqueid=uniqueid, outcome="abandoned").exists()


def test_watchdog_detects_a_hung_asterisk(live, db):
    ast, et = live
    link = et.engine.runtimes["test"].ami
    assert link.health.connected
    os.kill(ast.process.pid, signal.SIGSTOP)
    try:
        et.wait_for(lambda: not link.health.connected, timeout=6)
        assert "ping" in link.health.last_error
    finally:
        os.kill(ast.process.pid, signal.SIGCONT)
    resumed = time.time()
    et.wait_for(lambda: link.health.connected and et.engine.runtimes["test"].resynced_at > resumed, timeout=8)


async def _noop() -> None:
    return None


def _async(fn):  # type: ignore[no-untyped-def]
    async def wrapper():  # type: ignore[no-untyped-def]
        return fn()
    return wrapper()


def _bridged(et, *channels: str) -> bool:  # type: ignore[no-untyped-def]
    calls = {c["channel"]: c for c in et.engine.snapshot("fhi")["calls"].values()}
    bridges = {calls[ch]["bridge"] for ch in channels if ch in calls}
    return len(bridges) == 1 and "" not in bridges and all(ch in calls for ch in channels)


@contextlib.contextmanager
def _answered_queue_call(ast, et, tmp_path: Path, rtp: int):  # type: ignore[no-untyped-def]
    """Ingrid (1001) logged in to Sentralbord answers a real call from 1005; 1008 (Jonas, supervisor) is
    registered too. Yields the phones and a lookup of live channels by phone."""
    from contactcenter import live_services as services

    ingrid = _agent_id("fhi", "1001")
    phones = {"agent": ("1001", 0), "caller": ("1005", 40), "boss": ("1008", 80)}
    uas = {name: _ua(ast, tmp_path, "fhi", ext, rtp + off) for name, (ext, off) in phones.items()}
    prefixes = {name: f"PJSIP/{_phone('fhi', ext)[0]}-" for name, (ext, _off) in phones.items()}

    def chan(name: str) -> str | None:
        return next((c["channel"] for c in et.engine.snapshot("fhi")["calls"].values()
                     if c["channel"].startswith(prefixes[name])), None)

    try:
        services.agent_login(agency="fhi", agent_id=ingrid)
        uas["caller"].command("dial", "7000")
        assert uas["agent"].wait_event({"CALL_INCOMING"}, timeout=15)
        uas["agent"].command("accept")
        mine = et.wait_for(lambda: chan("agent"))
        theirs = et.wait_for(lambda: chan("caller"))
        et.wait_for(lambda: _bridged(et, mine, theirs))
        yield uas, chan, mine, theirs
    finally:
        services.agent_logout(agency="fhi", agent_id=ingrid)
        for ua in uas.values():
            ua.stop()


def test_hold_resume_supervise_and_blind_transfer(live, db, tmp_path):
    from contactcenter import live_services as services

    ast, et = live
    ingrid, jonas = _agent_id("fhi", "1001"), _agent_id("fhi", "1008")
    with _answered_queue_call(ast, et, tmp_path, 36200) as (uas, chan, mine, theirs):
        # Hold: the caller hears music, the operator's channel waits; resume bridges them again.
        services.call_hold(agency="fhi", channel=mine)
        et.wait_for(lambda: "MusicOnHold" in next((ln for ln in ast.cli("core show channels concise").splitlines()
                                                   if ln.startswith(theirs)), ""), timeout=5)
        assert not _bridged(et, mine, theirs)
        services.call_resume(agency="fhi", channel=mine)
        et.wait_for(lambda: _bridged(et, mine, theirs), timeout=5)

        # Supervise: only a supervisor may listen; the supervisor's phone rings and spies on the call.
        with pytest.raises(EngineRefused):
            services.supervise(agency="fhi", supervisor_agent_id=ingrid, channel=mine, mode="listen")
        services.supervise(agency="fhi", supervisor_agent_id=jonas, channel=mine, mode="listen")
        assert uas["boss"].wait_event({"CALL_INCOMING"}, timeout=10)
        uas["boss"].command("accept")
        et.wait_for(lambda: any("ChanSpy" in ln for ln in ast.cli("core show channels concise").splitlines()),
                    timeout=5)
        uas["boss"].command("hangup")
        et.wait_for(lambda: chan("boss") is None, timeout=5)

        # Blind transfer to 1008: the caller ends up talking to the supervisor's phone.
        services.call_transfer(agency="fhi", channel=mine, number="1008")
        assert uas["boss"].wait_event({"CALL_INCOMING"}, timeout=10)
        uas["boss"].command("accept")
        et.wait_for(lambda: chan("agent") is None, timeout=5)
        boss_chan = et.wait_for(lambda: chan("boss"))
        et.wait_for(lambda: _bridged(et, theirs, boss_chan), timeout=5)
        uas["caller"].command("hangup")
        et.wait_for(lambda: not et.engine.snapshot("fhi")["calls"], timeout=10)


def test_render_then_reload_only_what_changed(live, db):
    from asterisk_conf.render import render_to_dir
    from contactcenter import services as cc
    from engine.client import engine_call_sync

    ast, et = live
    with schema_context("fhi"):
        queue = cc.queue_create(name="Ny kø for test", number="7099")
    result = render_to_dir(out_dir=ast.profile.etc_dir, only=["fhi"])
    assert {"queues", "extensions"} <= result.changed_kinds and "voicemail" not in result.changed_kinds
    answer = engine_call_sync("reload", "platform", {"kinds": sorted(result.changed_kinds)})
    assert answer and all(v == "ok" for v in answer.values()), answer
    assert "test:voicemail" not in answer
    assert f"{naming.queue_name('fhi', queue.pk)} has 0 calls" in ast.cli("queue show")
    assert "7099" in ast.cli(f"dialplan show 7099@{naming.context('fhi', 'phones')}")


def test_attended_transfer(live, db, tmp_path):
    from contactcenter import live_services as services

    ast, et = live
    with _answered_queue_call(ast, et, tmp_path, 36300) as (uas, chan, mine, theirs):
        services.call_transfer(agency="fhi", channel=mine, number="1008", attended=True)
        assert uas["boss"].wait_event({"CALL_INCOMING"}, timeout=10)  # the operator consults the target first
        uas["boss"].command("accept")
        boss_chan = et.wait_for(lambda: chan("boss"))
        uas["agent"].command("hangup")  # the operator hangs up: the caller is handed to the target
        et.wait_for(lambda: chan("agent") is None, timeout=5)
        et.wait_for(lambda: _bridged(et, theirs, boss_chan), timeout=5)
        uas["caller"].command("hangup")
        et.wait_for(lambda: not et.engine.snapshot("fhi")["calls"], timeout=10)
