# ruff: noqa: F811  (pytest fixtures imported from test_engine_live are parameters here)
"""The engine's dialer with real calls: a real Asterisk, the engine, one baresip agent in the campaign's queue, and
the called parties as SIPp UAS phones reached through the agency's outbound route (their public numbers). SIPp
answers, is busy or rings until the caller gives up; it counts the INVITEs it gets."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from engine.core import NodeConfig
from tests.engine.test_engine_live import _agent_id, _phone, _public_number, pytestmark, redis_layer  # noqa: F401
from tests.harness.ami_client import AmiRecorder
from tests.harness.asterisk_harness import free_port, prepare
from tests.harness.baresip_harness import Baresip
from tests.harness.engine_harness import EngineThread, node_for
from tests.harness.sipp_callee import SippCallee
from tests.harness.sipp_harness import find_sipp

pytestmark = [*pytestmark, pytest.mark.sipp,  # noqa: PLW0127
              pytest.mark.skipif(find_sipp() is None, reason="SIPp er ikke installert (apt install sip-tester).")]
RINGS = {"CALL_INCOMING", "CALL_ESTABLISHED"}
MODES = ("progressive", "predictive", "preview")


def _own(fn):  # type: ignore[no-untyped-def]
    """Run ``fn`` in fhi on a connection of its own (committed; the engine sees it)."""
    from django.db import connection

    out: list = []

    def run() -> None:
        try:
            with schema_context("fhi"):
                out.append(fn())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return out[0] if out else None


def _node(p) -> NodeConfig:  # type: ignore[no-untyped-def]
    return node_for(p)


@pytest.fixture(scope="module")
def live(django_db_setup, django_db_blocker, redis_layer):  # type: ignore[no-untyped-def]
    """One campaign per mode in fhi's Sentralbord queue (in the dialplan: rendered before Asterisk starts), Asterisk,
    the engine. RECORD_AMI=<dir> keeps the raw AMI stream (how tests/fixtures/ami/dialer_*.ami were made)."""
    from contactcenter.models import Queue
    from outbound.models import Campaign

    base = Path(tempfile.mkdtemp(prefix="cp-dialer-"))
    with django_db_blocker.unblock():
        with schema_context("fhi"):
            ids = {mode: Campaign.objects.create(
                name=f"Testkampanje {mode}", mode=mode, queue=Queue.objects.get(pk=1), weekdays="1234567",
                skip_holidays=False, window_start=dt.time(0, 0), window_end=dt.time(23, 59, 59), ring_seconds=8,
                max_attempts=3).pk for mode in MODES}
        ast = prepare(base)
        ast.start()
        recorder = AmiRecorder("127.0.0.1", ast.profile.ami_port, ast.profile.ami_username, ast.profile.ami_secret,
                               None)
        et = EngineThread([_node(ast.profile)])
        et.wait_for(lambda: et.engine.runtimes["test"].resynced_at, timeout=15)
        world = {"ast": ast, "et": et, "campaigns": ids, "recorder": recorder}
        try:
            yield world
        finally:
            world["et"].stop()
            data = recorder.stop()
            if os.environ.get("RECORD_AMI"):
                Path(os.environ["RECORD_AMI"]).mkdir(parents=True, exist_ok=True)
                (Path(os.environ["RECORD_AMI"]) / "dialer.ami").write_bytes(data)
            ast.stop()
            with schema_context("fhi"):
                Campaign.objects.filter(pk__in=ids.values()).delete()
    if not os.environ.get("KEEP_TEST_ASTERISK"):
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def campaign(live):  # type: ignore[no-untyped-def]
    """Start one of the campaigns with a list of numbers; after the test it is a draft again, with no list."""
    from outbound.models import CallAttempt, Campaign, CampaignContact

    used: list[int] = []

    def start(mode: str, numbers: list[str], **fields) -> int:  # type: ignore[no-untyped-def]
        pk = live["campaigns"][mode]
        used.append(pk)

        def run() -> None:
            Campaign.objects.filter(pk=pk).update(status="running", **fields)
            CampaignContact.objects.bulk_create([CampaignContact(campaign_id=pk, number=n) for n in numbers])
        _own(run)
        return pk

    yield start

    def clean() -> None:
        Campaign.objects.filter(pk__in=used).update(status="draft")
        CallAttempt.objects.filter(campaign_id__in=used).delete()
        CampaignContact.objects.filter(campaign_id__in=used).delete()
    _own(clean)


def _attempts(campaign_id: int) -> list:
    from outbound.models import CallAttempt

    return _own(lambda: list(CallAttempt.objects.filter(campaign_id=campaign_id).select_related("contact")
                             .order_by("id")))


def _contact(campaign_id: int, number: str):  # type: ignore[no-untyped-def]
    from outbound.models import CampaignContact

    return _own(lambda: CampaignContact.objects.get(campaign_id=campaign_id, number=number))


def _ended(et, campaign_id: int, n: int = 1, timeout: float = 60) -> list:  # type: ignore[no-untyped-def]
    return et.wait_for(lambda: (rows := _attempts(campaign_id)) and len(rows) >= n
                       and all(r.state == "ended" for r in rows) and rows, timeout=timeout, interval=0.5)


def _callee(ast, tmp_path: Path, ext: str, mode: str, answer_ms: int = 1000) -> SippCallee:  # type: ignore[no-untyped-def]
    user, password = _phone("fhi", ext)
    callee = SippCallee(tmp_path / f"callee{ext}", username=user, password=password, sip_port=ast.profile.sip_port,
                        mode=mode, answer_ms=answer_ms).start()
    deadline = time.monotonic() + 10
    while f"{user}/sip:" not in ast.cli("pjsip show contacts"):
        assert time.monotonic() < deadline, f"{user} (SIPp) registrerte seg ikke"
        time.sleep(0.2)
    return callee


def _gone(ast, ext: str) -> None:  # type: ignore[no-untyped-def]
    """Wait until the extension's phone has no call left in Asterisk (its SIPp has had its BYE or CANCEL)."""
    prefix = f"PJSIP/{_phone('fhi', ext)[0]}-"
    deadline = time.monotonic() + 40
    while prefix in ast.cli("core show channels concise"):
        assert time.monotonic() < deadline, f"{prefix} har fortsatt en samtale"
        time.sleep(0.3)


def _agent(live, tmp_path: Path, rtp: int, login: bool = True, answer: str = "auto"):  # type: ignore[no-untyped-def]
    from contactcenter import live_services as services

    ast, et = live["ast"], live["et"]
    user, password = _phone("fhi", "1001")
    ua = Baresip(tmp_path / "agent1001", username=user, password=password, sip_port=ast.profile.sip_port,
                 rtp_base=rtp, answermode=answer, tone_seconds=60)
    deadline = time.monotonic() + 10
    while f"{user}/sip:" not in ast.cli("pjsip show contacts"):
        assert time.monotonic() < deadline, "agentens telefon registrerte seg ikke"
        time.sleep(0.1)
    ingrid = _agent_id("fhi", "1001")
    if login:
        services.agent_login(agency="fhi", agent_id=ingrid, queue_ids=[1])
        et.wait_for(lambda: et.engine.snapshot("fhi")["agents"].get(str(ingrid), {}).get("state") == "idle",
                    timeout=60)  # after a queue call: when the wrap-up has ended
    return ua, ingrid


def _logout(ingrid: int) -> None:
    from contactcenter import live_services as services

    try:
        services.agent_logout(agency="fhi", agent_id=ingrid)
    except Exception:
        pass


def test_progressive_call_is_connected_to_the_agent_and_linked_to_the_history(live, campaign, tmp_path):
    from contactcenter.models import Call

    ast, et = live["ast"], live["et"]
    number = _public_number("fhi", "1004")
    callee = _callee(ast, tmp_path, "1004", "answer")
    ua, ingrid = _agent(live, tmp_path, 32400)
    try:
        pk = campaign("progressive", [number])
        assert ua.wait_event(RINGS, timeout=30), "the contact answered and the call went to the agent"
        flight = et.wait_for(lambda: [f for f in et.engine.snapshot("fhi")["dialer"]["campaigns"].get(str(pk), [])
                                      if f["state"] == "connected" and f["agent"]], timeout=20)
        assert flight[0]["agent"].startswith("Ingrid Bakke") and "•" in flight[0]["number"]
        time.sleep(1)
        ua.command("hangup")
        [attempt] = _ended(et, pk)
        assert attempt.outcome == "connected" and attempt.agent.startswith("Ingrid Bakke")
        assert attempt.answered_at is not None and attempt.channel_id
        assert _contact(pk, number).state == "done"
        et.flush_history()
        call = et.wait_for(lambda: _own(lambda: Call.objects.filter(linkedid=attempt.channel_id).first()),
                           timeout=15)
        assert call.answered_at is not None, "the history's call row carries the attempt's channel id"
        _gone(ast, "1004")
        assert callee.invites() == 1
    finally:
        _logout(ingrid)
        ua.stop()
        callee.stop()


def test_busy_and_no_answer_are_logged_and_retried_later(live, campaign, tmp_path):
    ast, et = live["ast"], live["et"]
    busy, silent = _public_number("fhi", "1006"), _public_number("fhi", "1008")
    b, s = _callee(ast, tmp_path, "1006", "busy"), _callee(ast, tmp_path, "1008", "ring")
    ua, ingrid = _agent(live, tmp_path, 32420)
    try:
        pk = campaign("progressive", [busy, silent])
        rows = _ended(et, pk, n=2, timeout=60)
        outcome = {r.contact.number: r for r in rows}
        assert outcome[busy].outcome == "busy" and outcome[silent].outcome == "noanswer"
        rang = (outcome[silent].ended_at - outcome[silent].dialled_at).total_seconds()
        assert rang >= 7, "no answer only after the campaign's ring time (8 s)"
        for number, minutes in ((busy, 10), (silent, 60)):
            contact = _contact(pk, number)
            assert contact.state == "pending" and contact.attempts == 1 and contact.last_outcome
            assert contact.next_attempt_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes - 1)
        _gone(ast, "1006")
        _gone(ast, "1008")
        assert b.invites() == 1 and s.invites() == 1
    finally:
        _logout(ingrid)
        ua.stop()
        b.stop()
        s.stop()


def _flights(et, pk: int) -> list[dict]:  # type: ignore[no-untyped-def]
    return et.engine.snapshot("fhi")["dialer"]["campaigns"].get(str(pk), [])


def test_answered_with_no_ready_agent_hears_the_message_and_is_abandoned(live, campaign, tmp_path):
    """Predictive: the agent was free when the pacer placed the call but is paused when the contact answers: the
    contact hears the Norwegian message (Playback on the contact's channel), the attempt is abandoned and retried
    later."""
    from contactcenter import live_services as services
    from engine.amiparse import parse_ami_stream

    ast, et, recorder = live["ast"], live["et"], live["recorder"]
    number = _public_number("fhi", "1003")
    callee = _callee(ast, tmp_path, "1003", "answer", answer_ms=4000)
    ua, ingrid = _agent(live, tmp_path, 32440)
    try:
        pk = campaign("predictive", [number])
        et.wait_for(lambda: _flights(et, pk), timeout=20)
        services.agent_pause(agency="fhi", agent_id=ingrid, reason_code="lunsj")
        [attempt] = _ended(et, pk)
        assert attempt.outcome == "abandoned" and attempt.answered_at is not None
        assert ua.wait_event(RINGS, timeout=1) is None, "the agent was never offered the call"
        played = et.wait_for(lambda: [e for e in parse_ami_stream(bytes(recorder.data))
                                      if e.get("Event") == "Newexten" and e.get("Uniqueid") == attempt.channel_id
                                      and e.get("Application") == "Playback"], timeout=10)
        assert played[0]["AppData"] == "dialer-abandoned"
        contact = _contact(pk, number)
        assert contact.state == "pending" and contact.last_outcome == "abandoned"
        _gone(ast, "1003")  # the message played to its end, then Asterisk hung up
        assert callee.invites() == 1
    finally:
        _logout(ingrid)
        ua.stop()
        callee.stop()


def _claim_for(pk: int, agent_id: int) -> int:
    """A preview contact claimed for one agent, as the console does."""
    from outbound.models import CallAttempt
    from outbound.services import attempt_claim

    def claim() -> int:
        attempt = attempt_claim(campaign_id=pk)
        CallAttempt.objects.filter(pk=attempt.pk).update(preview_agent_id=agent_id)
        return attempt.pk
    return _own(claim)


def _nkh_attempt(not_this: int) -> int:
    """An attempt of another agency's preview campaign (never the same id as ``not_this``)."""
    from contactcenter.models import Queue
    from outbound.models import Campaign, CampaignContact
    from outbound.services import attempt_claim

    def make() -> int:
        with schema_context("nkh"):
            other = Campaign.objects.create(name="Annen etat", mode="preview", status="running",
                                            queue=Queue.objects.order_by("id").first(), weekdays="1234567",
                                            skip_holidays=False, window_start=dt.time(0), window_end=dt.time(23, 59))
            for n in ("+4755549810", "+4755549811"):
                CampaignContact.objects.create(campaign=other, number=n)
            ids = [attempt_claim(campaign_id=other.pk).pk for _ in range(2)]
            return next(i for i in ids if i != not_this)
    return _own(make)


def _drop_nkh_campaign() -> None:
    from outbound.models import Campaign

    def drop() -> None:
        with schema_context("nkh"):
            Campaign.objects.filter(name="Annen etat").delete()
    _own(drop)


def _agent_answered_first(recorder, channel_id: str, contact_ext: str) -> bool:  # type: ignore[no-untyped-def]
    """From the AMI stream: the agent's channel (the attempt's channel id) was up before the contact's was made."""
    from engine.amiparse import parse_ami_stream

    frames = list(parse_ami_stream(bytes(recorder.data)))
    agent_up = next(float(e["Timestamp"]) for e in frames if e.get("Event") == "Newstate"
                    and e.get("Uniqueid") == channel_id and e.get("ChannelStateDesc") == "Up")
    contact_dialled = next(float(e["Timestamp"]) for e in frames if e.get("Event") == "Newchannel"
                           and e.get("Linkedid") == channel_id
                           and e.get("Channel", "").startswith(f"PJSIP/{_phone('fhi', contact_ext)[0]}-"))
    return agent_up < contact_dialled


def test_preview_rings_the_agent_first_then_the_contact_and_refuses_others(live, campaign, tmp_path):
    from engine.commands import CommandRefused

    ast, et = live["ast"], live["et"]
    number = _public_number("fhi", "1005")
    callee = _callee(ast, tmp_path, "1005", "answer")
    ua, ingrid = _agent(live, tmp_path, 32460, login=False)
    ola = _agent_id("fhi", "1002")
    pk = campaign("preview", [number])
    attempt_id = _claim_for(pk, ingrid)
    nkh_attempt = _nkh_attempt(attempt_id)
    try:
        for args in ({"attempt_id": attempt_id, "agent_id": ola}, {"attempt_id": nkh_attempt, "agent_id": ingrid}):
            with pytest.raises(CommandRefused):
                et.run(et.engine.execute("dialer_preview_dial", "fhi", args))
        result = et.run(et.engine.execute("dialer_preview_dial", "fhi", {"attempt_id": attempt_id,
                                                                           "agent_id": ingrid}))
        assert result["status"] == "ringer"
        assert ua.wait_event(RINGS, timeout=20), "the agent's phone rings"
        et.wait_for(lambda: [f for f in _flights(et, pk) if f["state"] == "connected"], timeout=20)
        time.sleep(1)
        ua.command("hangup")
        [attempt] = _ended(et, pk)
        assert attempt.outcome == "connected" and attempt.agent.startswith("Ingrid Bakke")
        assert attempt.channel_id == result["channel_id"]
        assert _agent_answered_first(live["recorder"], attempt.channel_id, "1005")
        _gone(ast, "1005")
        with pytest.raises(CommandRefused):  # dialled once: never again
            et.run(et.engine.execute("dialer_preview_dial", "fhi", {"attempt_id": attempt_id, "agent_id": ingrid}))
        assert callee.invites() == 1
    finally:
        ua.stop()
        callee.stop()
        _drop_nkh_campaign()


def test_pause_lets_the_ringing_call_finish_and_places_no_new_call(live, campaign, tmp_path):
    from outbound.services import campaign_status_change

    ast, et = live["ast"], live["et"]
    first, second = _public_number("fhi", "1002"), _public_number("fhi", "1008")
    ringing = _callee(ast, tmp_path, "1002", "ring")
    ua, ingrid = _agent(live, tmp_path, 32480)
    try:
        pk = campaign("progressive", [first, second])
        et.wait_for(lambda: _flights(et, pk), timeout=20)
        _own(lambda: campaign_status_change(campaign_id=pk, action="pause"))
        [attempt] = _ended(et, pk, timeout=30)
        assert attempt.outcome == "noanswer", "the call in flight finished normally"
        _gone(ast, "1002")
        time.sleep(5)  # the agent is free: a running campaign would call the second number now
        assert len(_attempts(pk)) == 1 and ringing.invites() == 1
        assert _contact(pk, second).state == "pending" and _contact(pk, second).attempts == 0
    finally:
        _logout(ingrid)
        ua.stop()
        ringing.stop()


def test_engine_restart_mid_call_never_dials_a_number_twice(live, campaign, tmp_path):
    """The engine stops while a call rings and a new one starts: the new one finds the call, follows it to its end
    and places no second call to the number (INVITEs counted at the callee)."""
    ast, et = live["ast"], live["et"]
    number = _public_number("fhi", "1007")  # each test its own phones: a phone's first contact is the one dialled
    callee = _callee(ast, tmp_path, "1007", "ring")
    ua, ingrid = _agent(live, tmp_path, 32380)
    try:
        pk = campaign("progressive", [number], ring_seconds=12)
        prefix = f"PJSIP/{_phone('fhi', '1007')[0]}-"
        et.wait_for(lambda: prefix in ast.cli("core show channels concise"), timeout=20, interval=0.3)  # ringing
        et.stop()
        et = live["et"] = EngineThread([_node(ast.profile)])
        et.wait_for(lambda: et.engine.runtimes["test"].resynced_at, timeout=15)
        [attempt] = _ended(et, pk, timeout=40)
        assert attempt.outcome in ("noanswer", "failed")
        contact = _contact(pk, number)
        assert contact.state == "pending" and contact.attempts == 1 and contact.next_attempt_at is not None
        _gone(ast, "1007")
        time.sleep(4)
        assert callee.invites() == 1 and len(_attempts(pk)) == 1
    finally:
        _logout(ingrid)
        ua.stop()
        callee.stop()


def _restart(live) -> None:  # type: ignore[no-untyped-def]
    """The engine stops while the call is up and a new one starts (a deploy, a crash)."""
    live["et"].stop()
    et = live["et"] = EngineThread([_node(live["ast"].profile)])
    et.wait_for(lambda: et.engine.runtimes["test"].resynced_at, timeout=15)


async def _drop_ami(et) -> float:  # type: ignore[no-untyped-def]
    rt = et.engine.runtimes["test"]
    rt.ami._manager.protocol.transport.close()  # the TCP connection is lost, as on a network fault
    return rt.resynced_at


def _reconnect(live, meanwhile: Callable[[], None] = lambda: None) -> None:  # type: ignore[no-untyped-def]
    """The running engine loses its AMI connection (``meanwhile`` runs while it is down), connects again and
    resyncs (its live state is rebuilt)."""
    et = live["et"]
    ami = et.engine.runtimes["test"].ami
    port, ami.port = ami.port, free_port()  # nothing listens there: every reconnect fails until the port is back
    try:
        before = et.run(_drop_ami(et))
        et.wait_for(lambda: not ami.health.connected, timeout=5)
        meanwhile()
    finally:
        ami.port = port
    et.wait_for(lambda: et.engine.runtimes["test"].resynced_at > before, timeout=15)


def _still_connected(et, pk: int, ua) -> None:  # type: ignore[no-untyped-def]
    """After the restart or resync has settled its open attempts: the one call is followed as connected to the
    agent, nothing else is dialled and the agent, still talking, is offered no other call."""
    [flight] = et.wait_for(lambda: [f for f in _flights(et, pk) if f["state"] == "connected" and f["agent"]],
                           timeout=20)
    assert flight["agent"].startswith("Ingrid Bakke")
    assert ua.wait_event(RINGS, timeout=6) is None, "the talking agent was offered no other call"
    [attempt] = _attempts(pk)
    assert attempt.state == "answered" and attempt.outcome == "", "the attempt is still open, not failed"
    assert [f["id"] for f in _flights(et, pk)] == [attempt.id]


def _connected_survives(live, campaign, tmp_path, interrupt, rtp: int) -> None:  # type: ignore[no-untyped-def]
    """A progressive call connected to the agent lives through ``interrupt``; it ends as «connected» when the agent
    hangs up, and the campaign then calls the next number (each callee gets exactly one INVITE)."""
    ast = live["ast"]
    first, second = _public_number("fhi", "1004"), _public_number("fhi", "1007")  # one contact each (simple tier)
    callees = [_callee(ast, tmp_path, "1004", "answer"), _callee(ast, tmp_path, "1007", "answer")]
    ua, ingrid = _agent(live, tmp_path, rtp)
    try:
        pk = campaign("progressive", [first, second])
        assert ua.wait_event(RINGS, timeout=30), "the first contact answered and the call went to the agent"
        live["et"].wait_for(lambda: [f for f in _flights(live["et"], pk) if f["state"] == "connected"], timeout=20)
        while ua.wait_event(RINGS, timeout=0.5):
            pass  # the first call's events (auto answer: no CALL_INCOMING, only CALL_ESTABLISHED)
        interrupt(live)
        et = live["et"]
        _still_connected(et, pk, ua)
        ua.command("hangup")
        done = et.wait_for(lambda: [r for r in _attempts(pk) if r.state == "ended"], timeout=20)
        assert done[0].outcome == "connected" and done[0].agent.startswith("Ingrid Bakke")
        assert done[0].contact.number == first and _contact(pk, first).state == "done"
        assert ua.wait_event(RINGS, timeout=60), "after the wrap-up the agent gets the next contact"
        et.wait_for(lambda: [f for f in _flights(et, pk) if f["state"] == "connected"], timeout=20)
        time.sleep(1)
        ua.command("hangup")
        rows = _ended(et, pk, n=2)
        assert [(r.contact.number, r.outcome) for r in rows] == [(first, "connected"), (second, "connected")]
        _gone(ast, "1004")
        _gone(ast, "1007")
        assert [c.invites() for c in callees] == [1, 1], "each number was dialled once"
    finally:
        _logout(ingrid)
        ua.stop()
        for c in callees:
            c.stop()


def test_engine_restart_while_connected_keeps_the_call_connected_and_dials_it_once(live, campaign, tmp_path):
    _connected_survives(live, campaign, tmp_path, _restart, 32500)


def test_ami_reconnect_while_connected_keeps_the_call_connected_and_dials_it_once(live, campaign, tmp_path):
    _connected_survives(live, campaign, tmp_path, _reconnect, 32520)


@pytest.mark.parametrize("while_down", [False, True], ids=["just_after", "while_down"])
def test_call_ending_around_an_ami_reconnect_is_recorded_as_connected(live, campaign, tmp_path, while_down):
    """The agent hangs up while the engine's AMI link is down (the engine never sees the Hangup), or right after it
    is back, before the dialer has looked at its open attempts again: the attempt still ends as «connected» and the
    contact is done (never called again)."""
    ast, et = live["ast"], live["et"]
    number = _public_number("fhi", "1004")
    callee = _callee(ast, tmp_path, "1004", "answer")
    ua, ingrid = _agent(live, tmp_path, 32540)
    try:
        pk = campaign("progressive", [number])
        assert ua.wait_event(RINGS, timeout=30), "the contact answered and the call went to the agent"
        et.wait_for(lambda: [f for f in _flights(et, pk) if f["state"] == "connected"], timeout=20)

        def hang_up() -> None:
            ua.command("hangup")
            _gone(ast, "1004")
        _reconnect(live, hang_up if while_down else lambda: None)
        if not while_down:
            ua.command("hangup")
        [attempt] = _ended(et, pk, timeout=20)
        assert (attempt.outcome, attempt.agent[:12]) == ("connected", "Ingrid Bakke")
        contact = _contact(pk, number)
        assert contact.state == "done" and contact.next_attempt_at is None
        _gone(ast, "1004")
        assert callee.invites() == 1
    finally:
        _logout(ingrid)
        ua.stop()
        callee.stop()


def test_call_ending_while_the_engine_is_stopped_is_recorded_as_connected(live, campaign, tmp_path):
    """The engine stops while the contact talks with the agent, and the agent hangs up before a new engine starts:
    the new one finds in the call history that the agent took the call and ends the attempt as «connected» (the
    contact is done, never called again; before, it ended as failed and was retried)."""
    ast = live["ast"]
    number = _public_number("fhi", "1004")
    callee = _callee(ast, tmp_path, "1004", "answer")
    ua, ingrid = _agent(live, tmp_path, 32560)
    try:
        pk = campaign("progressive", [number])
        assert ua.wait_event(RINGS, timeout=30), "the contact answered and the call went to the agent"
        live["et"].wait_for(lambda: [f for f in _flights(live["et"], pk) if f["state"] == "connected"], timeout=20)
        live["et"].stop()
        ua.command("hangup")
        _gone(ast, "1004")
        et = live["et"] = EngineThread([_node(ast.profile)])
        et.wait_for(lambda: et.engine.runtimes["test"].resynced_at, timeout=15)
        [attempt] = _ended(et, pk, timeout=20)
        assert (attempt.outcome, attempt.agent[:12]) == ("connected", "Ingrid Bakke")
        contact = _contact(pk, number)
        assert contact.state == "done" and contact.next_attempt_at is None
        time.sleep(3)
        assert callee.invites() == 1 and len(_attempts(pk)) == 1
    finally:
        _logout(ingrid)
        ua.stop()
        callee.stop()
