# ruff: noqa: F811  (pytest fixtures imported from test_engine_live are parameters here)
"""Answering-machine detection in a dialer campaign, with real calls: Asterisk's AMD() listens to what the called
phone says after it answers. Two baresip phones answer the campaign's calls: one "speaks" without a pause for 15
seconds (a machine's greeting), one says a short "hallo" and waits (a person). The machine's call ends as
«telefonsvarer» with its own retry time and never reaches the agent; the person's goes to the agent."""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import tempfile
import time
import wave
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from tests.engine.test_dialer_live import _agent, _attempts, _contact, _ended, _logout, _own
from tests.engine.test_engine_live import _phone, _public_number, pytestmark, redis_layer  # noqa: F401
from tests.harness.baresip_harness import Baresip
from tests.harness.engine_harness import asterisk_with_engine

pytestmark = pytestmark  # noqa: PLW0127  (Asterisk, baresip, Redis)
RTP = int(os.environ.get("TEST_RTP_START", "26000")) + 900


@pytest.fixture(scope="module")
def live(django_db_setup, django_db_blocker, redis_layer):  # type: ignore[no-untyped-def]
    """A progressive campaign with AMD in fhi's Sentralbord queue (rendered before Asterisk starts), the engine."""
    from contactcenter.models import Queue
    from outbound.models import Campaign

    base = Path(tempfile.mkdtemp(prefix="cp-amd-"))
    with django_db_blocker.unblock():
        with schema_context("fhi"):
            pk = Campaign.objects.create(
                name="Testkampanje med telefonsvarerdeteksjon", mode="progressive", amd=True,
                queue=Queue.objects.get(pk=1), weekdays="1234567", skip_holidays=False, window_start=dt.time(0, 0),
                window_end=dt.time(23, 59, 59), ring_seconds=15, max_attempts=3).pk
        try:
            with asterisk_with_engine(base) as (ast, et):
                yield {"ast": ast, "et": et, "campaign": pk}
        finally:
            with schema_context("fhi"):
                Campaign.objects.filter(pk=pk).delete()
    shutil.rmtree(base, ignore_errors=True)


def _voice(path: Path, *, speaking_s: float, total_s: int) -> None:
    """What the phone says when it answers: ``speaking_s`` of a 300 Hz voice-band tone, then silence."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = bytearray()
    for i in range(8000 * total_s):
        sample = int(6000 * math.sin(2 * math.pi * 300 * i / 8000)) if i < 8000 * speaking_s else 0
        frames += sample.to_bytes(2, "little", signed=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(frames))


def _callee(ast, tmp_path: Path, ext: str, rtp: int, *, speaking_s: float) -> Baresip:  # type: ignore[no-untyped-def]
    user, password = _phone("fhi", ext)
    _voice(tmp_path / f"callee{ext}" / "tone.wav", speaking_s=speaking_s, total_s=20)  # the harness plays tone.wav
    ua = Baresip(tmp_path / f"callee{ext}", username=user, password=password, sip_port=ast.profile.sip_port,
                 rtp_base=rtp, answermode="auto")
    live_contacts = ""
    for _ in range(50):
        live_contacts = ast.cli("pjsip show contacts")
        if f"{user}/sip:" in live_contacts:
            return ua
        time.sleep(0.1)
    raise AssertionError(f"{user} registrerte seg ikke: {live_contacts}")


def test_a_machine_is_detected_and_a_person_reaches_the_agent(live, tmp_path):
    from outbound.models import Campaign, CampaignContact

    ast, et, pk = live["ast"], live["et"], live["campaign"]
    machine, person = _public_number("fhi", "1005"), _public_number("fhi", "1006")
    machine_ua = _callee(ast, tmp_path, "1005", RTP, speaking_s=15)
    person_ua = _callee(ast, tmp_path, "1006", RTP + 40, speaking_s=0.6)
    agent, ingrid = _agent(live, tmp_path, RTP + 80)
    try:
        def start() -> None:
            CampaignContact.objects.bulk_create([CampaignContact(campaign_id=pk, number=n) for n in (machine, person)])
            Campaign.objects.filter(pk=pk).update(status="running")
        _own(start)
        rows = _ended(et, pk, n=2, timeout=90)
        outcome = {r.contact.number: r for r in rows}
        assert outcome[machine].outcome == "machine", [(r.contact.number, r.outcome) for r in rows]
        assert outcome[person].outcome == "connected" and outcome[person].agent.startswith("Ingrid Bakke")
        retry = _contact(pk, machine)
        assert retry.state == "pending" and retry.last_outcome == "machine"
        assert retry.next_attempt_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=239)  # the machine retry time
        assert _contact(pk, person).state == "done"
        assert len(_attempts(pk)) == 2  # each number dialled once
    finally:
        _own(lambda: Campaign.objects.filter(pk=pk).update(status="draft"))
        _logout(ingrid)
        for ua in (machine_ua, person_ua, agent):
            ua.stop()
