"""Replay AMI traffic recorded from a real Asterisk (tests/fixtures/ami) through the engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from engine.amiparse import parse_ami_stream
from engine.history import record
from engine.state import LiveState, agency_of_event

FIXTURES = Path(__file__).parent / "fixtures" / "ami"


def events(name: str) -> list[dict[str, str]]:
    return list(parse_ami_stream((FIXTURES / name).read_bytes()))


def test_fixtures_are_real_recordings():
    evs = events("queue_answered.ami")
    assert {"QueueCallerJoin", "AgentConnect", "AgentComplete", "MixMonitorStart"} <= {e["Event"] for e in evs}
    assert all("Timestamp" in e for e in evs if e["Event"] == "QueueCallerJoin")


def test_state_follows_an_answered_queue_call():
    state = LiveState({"t-fhi-q1": 30})
    seen: list[tuple[str, str]] = []
    for ev in events("queue_answered.ami"):
        slug, changes = state.apply(ev)
        for ch in changes:
            if ch["kind"] == "agent":
                seen.append((ev["Event"], ch["state"]))
            if ch["kind"] == "queue" and ev["Event"] == "QueueCallerJoin":
                assert ch["callers"][0]["position"] == 1 and ch["callers"][0]["caller_number"] == "1005"
        assert slug in (None, "fhi")
    states = [s for _e, s in seen]
    # logged in idle, paused for lunch, back, rung, talking, wrap-up, logged out
    assert states[0] == "idle"
    assert "paused" in states and "ringing" in states and "in_call" in states
    assert states.index("paused") < states.index("ringing") < states.index("in_call")
    assert "wrapup" in states and states[-1] == "logged_out"
    paused = next(ch for ev in events("queue_answered.ami") if ev["Event"] == "QueueMemberPause"
                  for ch in [ev] if ev.get("Paused") == "1")
    assert paused["PausedReason"] == "lunsj"
    assert state.snapshot("fhi")["queues"]["t-fhi-q1"]["callers"] == []
    assert state.snapshot("fhi")["calls"] == {}


def test_every_event_maps_to_the_generated_names_agency_only():
    for name in ("queue_answered.ami", "queue_abandoned.ami"):
        for ev in events(name):
            assert agency_of_event(ev) in (None, "fhi")
    # Caller-controlled values never decide the agency.
    forged = {"Event": "QueueCallerJoin", "Queue": "t-fhi-q1", "CallerIDNum": "t-nkh-q1", "Channel": "PJSIP/nkh-p1-0000"
              "0001", "Uniqueid": "1.1", "Position": "1"}
    assert agency_of_event(forged) == "fhi"
    assert agency_of_event({**forged, "MemberName": "nkh-a1"}) is None  # member of another agency's queue
    assert agency_of_event({"Event": "Newchannel", "Channel": "PJSIP/trunk-00000001", "CallerIDNum": "fhi-p1"}) is None


@pytest.mark.django_db
def test_history_from_an_answered_call():
    from contactcenter.models import Call, QueueVisit

    for ev in events("queue_answered.ami"):
        if agency_of_event(ev) == "fhi":
            record("fhi", ev)
    join = next(e for e in events("queue_answered.ami") if e["Event"] == "QueueCallerJoin")
    connect = next(e for e in events("queue_answered.ami") if e["Event"] == "AgentConnect")
    complete = next(e for e in events("queue_answered.ami") if e["Event"] == "AgentComplete")
    with schema_context("fhi"):
        visit = QueueVisit.objects.get(uniqueid=join["Uniqueid"])
        assert visit.outcome == "answered" and visit.queue_id == 1
        assert visit.answered_by_id == 1 and visit.position_on_entry == 1
        assert visit.waited_seconds == int(connect["HoldTime"])
        assert visit.talk_seconds == int(complete["TalkTime"]) and visit.talk_seconds >= 1
        call = Call.objects.get(linkedid=join["Linkedid"])
        assert call.direction == "internal" and call.caller_number == "1005" and call.ended_at is not None
        assert call.answered_at is not None and call.talk_seconds is not None
    with schema_context("nkh"):
        assert not Call.objects.filter(linkedid=join["Linkedid"]).exists()


@pytest.mark.django_db
def test_history_from_an_abandoned_call_and_replay_is_idempotent():
    from contactcenter.models import Call, QueueVisit

    evs = [e for e in events("queue_abandoned.ami") if agency_of_event(e) == "fhi"]
    for _ in range(2):  # a replay after a reconnect must not duplicate anything
        for ev in evs:
            record("fhi", ev)
    abandon = next(e for e in evs if e["Event"] == "QueueCallerAbandon")
    with schema_context("fhi"):
        visit = QueueVisit.objects.get(uniqueid=abandon["Uniqueid"])
        assert visit.outcome == "abandoned" and visit.waited_seconds == int(abandon["HoldTime"])
        assert Call.objects.filter(linkedid=abandon["Linkedid"]).count() == 1


async def test_engine_publishes_changes_only_to_the_events_agency():
    from channels.layers import InMemoryChannelLayer

    from engine.core import Engine, NodeRuntime, live_group

    layer = InMemoryChannelLayer()
    engine = Engine(nodes=[], layer=layer, record_history=False)
    import asyncio
    fhi = await layer.new_channel()
    nkh = await layer.new_channel()
    await layer.group_add(live_group("fhi"), fhi)
    await layer.group_add(live_group("nkh"), nkh)
    publisher = asyncio.create_task(engine._publisher())
    rt = NodeRuntime(config=None, state=LiveState())  # type: ignore[arg-type]
    for ev in events("queue_answered.ami"):
        engine.on_ami_event(rt, ev)
    await asyncio.sleep(0.1)
    got = await asyncio.wait_for(layer.receive(fhi), 1)
    assert got["type"] == "live.update" and got["agency"] == "fhi"
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(nkh), 0.3)
    publisher.cancel()
