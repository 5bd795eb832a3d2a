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
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from engine.core import NodeConfig
from tests.engine.test_engine_live import _agent_id, _phone, _public_number, pytestmark, redis_layer  # noqa: F401
from tests.harness.ami_client import AmiRecorder
from tests.harness.asterisk_harness import prepare
from tests.harness.baresip_harness import Baresip
from tests.harness.engine_harness import EngineThread
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
    return NodeConfig(name="test", host="127.0.0.1", ami_port=p.ami_port, ari_port=p.http_port,
                      ami_username=p.ami_username, ami_secret=p.ami_secret, ari_username=p.ari_username,
                      ari_secret=p.ari_secret, recordings_dir=p.spool_dir, queue_log=p.queue_log)


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
        world = {"ast": ast, "et": et, "campaigns": ids}
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


def _callee(ast, tmp_path: Path, ext: str, mode: str) -> SippCallee:  # type: ignore[no-untyped-def]
    user, password = _phone("fhi", ext)
    callee = SippCallee(tmp_path / f"callee{ext}", username=user, password=password, sip_port=ast.profile.sip_port,
                        mode=mode).start()
    deadline = time.monotonic() + 10
    while f"{user}/sip:" not in ast.cli("pjsip show contacts"):
        assert time.monotonic() < deadline, f"{user} (SIPp) registrerte seg ikke"
        time.sleep(0.2)
    return callee


def _agent(live, tmp_path: Path, rtp: int, login: bool = True):  # type: ignore[no-untyped-def]
    from contactcenter import live_services as services

    ast, et = live["ast"], live["et"]
    user, password = _phone("fhi", "1001")
    ua = Baresip(tmp_path / "agent1001", username=user, password=password, sip_port=ast.profile.sip_port,
                 rtp_base=rtp, answermode="auto", tone_seconds=60)
    deadline = time.monotonic() + 10
    while f"{user}/sip:" not in ast.cli("pjsip show contacts"):
        assert time.monotonic() < deadline, "agentens telefon registrerte seg ikke"
        time.sleep(0.1)
    ingrid = _agent_id("fhi", "1001")
    if login:
        services.agent_login(agency="fhi", agent_id=ingrid, queue_ids=[1])
        et.wait_for(lambda: et.engine.snapshot("fhi")["agents"].get(str(ingrid), {}).get("state") == "idle",
                    timeout=15)
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
        assert b.invites() == 1 and s.invites() == 1
    finally:
        _logout(ingrid)
        ua.stop()
        b.stop()
        s.stop()
