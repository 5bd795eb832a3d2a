"""History under load: SIPp callers (real SIP, 127.0.0.1 only) into one queue served by several agents
(baresip phones answering automatically), against the managed Asterisk and the engine. Every answered
queue visit must get its talk time, and no call or visit may be lost or left open."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from asterisk_conf import naming
from asterisk_conf.runtime import find_asterisk
from engine import history as engine_history
from engine.core import NodeConfig
from tests.harness.ami_client import AmiRecorder
from tests.harness.asterisk_harness import prepare
from tests.harness.baresip_harness import find_baresip
from tests.harness.engine_harness import EngineThread
from tests.harness.sipp_harness import Phone, find_sipp, queue_load_run

pytestmark = [
    pytest.mark.asterisk, pytest.mark.baresip, pytest.mark.sipp,
    pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README)."),
    pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)."),
    pytest.mark.skipif(find_sipp() is None, reason="SIPp er ikke installert (apt install sip-tester)."),
]

AGENT_EXTENSIONS = ("1001", "1002", "1003", "1004", "1005", "1006", "1007")
CALLER_EXTENSION = "1008"
# Short wrap-up and no announcements, so agents take many calls in a short run.
LOAD_QUEUE = {"wrapup_seconds": 1, "announce_position": False, "announce_holdtime": False,
              "periodic_announce_seconds": 0}


def _phone(slug: str, ext: str) -> Phone:
    from switchboard.models import Phone as PhoneModel

    with schema_context(slug):
        phone = PhoneModel.objects.filter(extension__number=ext, is_active=True).order_by("id").first()
        return Phone(endpoint=naming.endpoint_name(slug, phone.pk), password=phone.sip_password)


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The Sentralbord queue set up for a short load run (LOAD_QUEUE)."""
    from contactcenter.models import Queue

    base = Path(tempfile.mkdtemp(prefix="cp-load-"))
    with django_db_blocker.unblock():
        with schema_context("fhi"):
            queue = Queue.objects.get(number="7000")
            old = {f: getattr(queue, f) for f in LOAD_QUEUE}
            Queue.objects.filter(pk=queue.pk).update(**LOAD_QUEUE)
        try:
            ast = prepare(base)
            assert ast is not None
            ast.start()
            p = ast.profile
            node = NodeConfig(name="load", host="127.0.0.1", ami_port=p.ami_port, ari_port=p.http_port,
                              ami_username=p.ami_username, ami_secret=p.ami_secret, ari_username=p.ari_username,
                              ari_secret=p.ari_secret, recordings_dir=p.spool_dir, queue_log=p.queue_log)
            # RECORD_AMI=<dir>: keep the raw AMI stream of the run (tests/fixtures/ami/agent_complete_*.ami).
            recorder = (AmiRecorder("127.0.0.1", p.ami_port, p.ami_username, p.ami_secret, None)
                        if os.environ.get("RECORD_AMI") else None)
            et = EngineThread([node], queue_log_interval=1.0)
            et.wait_for(lambda: et.engine.runtimes["load"].resynced_at, timeout=15)
            yield ast, et, queue.pk
            et.stop()
            if recorder is not None:
                Path(os.environ["RECORD_AMI"]).mkdir(parents=True, exist_ok=True)
                (Path(os.environ["RECORD_AMI"]) / "load.ami").write_bytes(recorder.stop())
                shutil.copy(p.queue_log, Path(os.environ["RECORD_AMI"]) / "queue_log")
            ast.stop()
        finally:
            with schema_context("fhi"):
                Queue.objects.filter(pk=queue.pk).update(**old)
    if not os.environ.get("KEEP_TEST_ASTERISK"):
        shutil.rmtree(base, ignore_errors=True)


def test_every_answered_visit_under_load_has_talk_time_and_nothing_is_lost(loaded, db, tmp_path):
    from contactcenter.models import Agent, Call, QueueVisit

    ast, et, queue_id = loaded
    with schema_context("fhi"):
        agents = {Agent.objects.get(extension__number=ext).pk: _phone("fhi", ext) for ext in AGENT_EXTENSIONS}
    caller = _phone("fhi", CALLER_EXTENSION)
    start = dt.datetime.now(tz=dt.UTC)
    rtp_base = int(os.environ.get("TEST_RTP_END", "31999")) - 20 * len(agents) - 20
    run = queue_load_run(ast, et, tmp_path, slug="fhi", queue=naming.queue_name("fhi", queue_id), number="7000",
                         agents=agents, caller=caller, calls=60, concurrent=25, rate=4, min_talk_ms=3000,
                         max_talk_ms=9000, timeout_s=60, rtp_base=rtp_base)
    sipp = run["sipp"]
    assert sipp.successful >= 50 and sipp.failed == 0, sipp.output[-3000:]
    # Completions that AMI left without a match are filled from Asterisk's queue_log within a few seconds.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with schema_context("fhi"):
            if not QueueVisit.objects.filter(queue_id=queue_id, entered_at__gte=start, outcome="answered",
                                             talk_seconds__isnull=True).exists():
                break
        time.sleep(0.5)
    with schema_context("fhi"):
        visits = list(QueueVisit.objects.filter(queue_id=queue_id, entered_at__gte=start))
        calls = Call.objects.filter(started_at__gte=start, caller_number=CALLER_EXTENSION)
        assert len(visits) == sipp.successful, "hver samtale SIPp ringte skal ha ett købesøk"
        assert calls.count() == sipp.successful, "hver samtale skal ha én rad i historikken"
        assert not calls.filter(ended_at__isnull=True).exists(), "ingen samtale skal stå åpen"
        answered = [v for v in visits if v.outcome in ("answered", "transferred")]
        assert len(answered) >= 20
        assert [v.uniqueid for v in answered if v.talk_seconds is None] == []
        assert all(v.answered_by_id in agents and v.ended_at is not None for v in answered)
        assert all(v.outcome != "waiting" for v in visits)
        # The call's own talk time follows the visit's.
        for v in answered:
            assert calls.get(pk=v.call_id).talk_seconds is not None
    assert "COMPLETECALLER" in ast.profile.queue_log.read_text()  # Asterisk writes its queue_log (logger.conf)
    print("treff:", dict(engine_history.STATS), "sipp:", sipp.successful, "ok,", sipp.failed, "feilet")


def test_completions_lost_on_the_way_are_filled_from_queue_log(loaded, db, tmp_path, monkeypatch):
    """Drop every AgentComplete before it reaches the history (as if AMI lost it): the engine's queue_log
    reconciler must still give every answered visit its talk time, the value app_queue logged."""
    from contactcenter.models import Agent, QueueVisit
    from engine import queue_log

    ast, et, queue_id = loaded
    dropped: list[str] = []
    monkeypatch.setattr(engine_history, "_completed", lambda ev, **kw: dropped.append(ev.get("Uniqueid", "?")))
    with schema_context("fhi"):
        agents = {Agent.objects.get(extension__number=ext).pk: _phone("fhi", ext) for ext in AGENT_EXTENSIONS[:3]}
    start = dt.datetime.now(tz=dt.UTC)
    before = engine_history.STATS["reconciled_from_queue_log"]
    run = queue_load_run(ast, et, tmp_path, slug="fhi", queue=naming.queue_name("fhi", queue_id), number="7000",
                         agents=agents, caller=_phone("fhi", CALLER_EXTENSION), calls=8, concurrent=3, rate=2,
                         min_talk_ms=2500, max_talk_ms=4000, timeout_s=40,
                         rtp_base=int(os.environ.get("TEST_RTP_END", "31999")) - 120)
    assert run["sipp"].successful == 8 and dropped
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with schema_context("fhi"):
            answered = list(QueueVisit.objects.filter(queue_id=queue_id, entered_at__gte=start, outcome="answered"))
        if answered and all(v.talk_seconds is not None for v in answered):
            break
        time.sleep(0.5)
    assert len(answered) == len(dropped)
    logged = {e.callid: e for e in queue_log.QueueLogReader(ast.profile.queue_log, grace=0).read_ready(now=2e9)}
    for visit in answered:
        assert visit.talk_seconds == int(logged[visit.uniqueid].data[1]), visit.uniqueid
        assert visit.ended_at is not None
    assert engine_history.STATS["reconciled_from_queue_log"] - before == len(answered)
