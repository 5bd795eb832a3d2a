"""Replay AMI traffic recorded from a real Asterisk (tests/fixtures/ami) through the engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from engine.amiparse import parse_ami_stream
from engine.history import record
from engine.state import LiveState, agency_of_event

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ami"


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


def _replay(name: str, *, skip: set[str] = frozenset()) -> list[dict[str, str]]:  # type: ignore[assignment]
    evs = [e for e in events(name) if agency_of_event(e) == "fhi" and e["Event"] not in skip]
    for ev in evs:
        record("fhi", ev)
    return evs


def test_agent_complete_without_channel_fields_is_a_real_shape():
    # Recorded under load (tests/engine/test_history_load.py): the caller hung up, both channels were gone
    # when app_queue reported, and Asterisk 22.10.1 sent AgentComplete with no channel fields at all.
    bare = [e for e in events("agent_complete_no_channels.ami") if e["Event"] == "AgentComplete" and "Uniqueid" not in e]
    assert len(bare) == 1
    assert not {"Channel", "Linkedid", "DestChannel", "DestUniqueid", "DestLinkedid"} & set(bare[0])
    assert bare[0]["MemberName"] == "fhi-a2" and bare[0]["TalkTime"] == "2"


@pytest.mark.django_db
def test_completion_without_channel_fields_gets_its_talk_time_by_member():
    from contactcenter.models import Call, QueueVisit
    from engine import history as engine_history

    before = engine_history.STATS["matched_by_member"]
    for _ in range(2):  # a replay must neither duplicate nor move a talk time to another visit
        _replay("agent_complete_no_channels.ami")
    with schema_context("fhi"):
        first = QueueVisit.objects.get(uniqueid="1795329860.23")
        second = QueueVisit.objects.get(uniqueid="1795329863.36")
        assert (first.outcome, first.talk_seconds, first.answered_by_id) == ("answered", 2, 2)
        assert (second.outcome, second.talk_seconds, second.answered_by_id) == ("answered", 3, 2)
        assert first.ended_at is not None and second.ended_at is not None
        for visit in (first, second):
            call = Call.objects.get(pk=visit.call_id)
            assert call.answered_at is not None and call.ended_at is not None and call.talk_seconds is not None
    assert engine_history.STATS["matched_by_member"] == before + 1


@pytest.mark.django_db
def test_completion_with_only_the_agents_fields_is_matched_by_linked_id():
    # Recorded in bench/history_load.py: the caller hung up and its channel was gone, the agent's was not,
    # so Asterisk 22.10.1 sent only the Dest* block.
    from contactcenter.models import Call, QueueVisit
    from engine import history as engine_history

    complete = next(e for e in events("agent_complete_agent_only.ami") if e["Event"] == "AgentComplete")
    assert "Uniqueid" not in complete and "Linkedid" not in complete and complete["DestLinkedid"] == "1795330402.15"
    before = engine_history.STATS["matched_by_linkedid"]
    _replay("agent_complete_agent_only.ami")
    with schema_context("fhi"):
        visit = QueueVisit.objects.get(uniqueid="1795330402.15")
        assert (visit.outcome, visit.talk_seconds, visit.waited_seconds, visit.answered_by_id) == ("answered", 2, 4, 4)
        call = Call.objects.get(linkedid="1795330402.15")
        assert call.ended_at is not None and call.talk_seconds == 2
    assert engine_history.STATS["matched_by_linkedid"] == before + 1


@pytest.mark.django_db
def test_missing_completions_are_reconciled_from_queue_log(tmp_path):
    from contactcenter.models import Call, QueueVisit
    from engine import queue_log

    _replay("agent_complete_no_channels.ami", skip={"AgentComplete"})
    with schema_context("fhi"):
        assert QueueVisit.objects.get(uniqueid="1795329860.23").talk_seconds is None
    path = tmp_path / "queue_log"
    path.write_bytes((FIXTURES / "agent_complete_no_channels.queue_log").read_bytes())
    reader = queue_log.QueueLogReader(path, grace=3)
    last = max(queue_log.parse_line(line).at for line in path.read_text().splitlines())
    assert reader.read_ready(now=1795329867 + 2) == []  # too fresh: AMI may still deliver the event
    entries = reader.read_ready(now=last + 3)
    assert {e.event for e in entries} == {"COMPLETECALLER"}
    assert queue_log.reconcile(entries) == 2
    assert queue_log.reconcile(entries) == 0  # idempotent
    with schema_context("fhi"):
        first = QueueVisit.objects.get(uniqueid="1795329860.23")
        assert (first.outcome, first.talk_seconds, first.waited_seconds) == ("answered", 2, 4)
        assert QueueVisit.objects.get(uniqueid="1795329863.36").talk_seconds == 3
        assert Call.objects.get(linkedid="1795329860.23").talk_seconds is not None
    # Lines appended later are read from where the reader stopped.
    with path.open("a") as f:
        f.write("1795329880|1795329870.1|t-fhi-q1|fhi-a2|COMPLETE")  # half a line: not read yet
    assert reader.read_ready(now=last + 100) == []


@pytest.mark.django_db
def test_queue_log_never_overwrites_what_ami_recorded(tmp_path):
    from contactcenter.models import QueueVisit
    from engine import queue_log

    _replay("agent_complete_no_channels.ami")
    path = tmp_path / "queue_log"
    path.write_text("1795329871|1795329863.36|t-fhi-q1|fhi-a2|COMPLETECALLER|6|99|18\n")
    assert queue_log.reconcile(queue_log.QueueLogReader(path, grace=0).read_ready(now=2e9)) == 0
    with schema_context("fhi"):
        assert QueueVisit.objects.get(uniqueid="1795329863.36").talk_seconds == 3


@pytest.mark.django_db
def test_direct_calls_are_answered_and_get_talk_time():
    """Phone to phone by extension and by the callee's public number (tests/engine/test_engine_live.py, recorded)."""
    from contactcenter.models import Call

    evs = _replay("direct_calls.ami")
    answers = {e["Linkedid"]: e for e in evs if e["Event"] == "DialEnd" and e["DialStatus"] == "ANSWER"}
    with schema_context("fhi"):
        calls = {c.dialed: c for c in Call.objects.filter(linkedid__in=answers)}
        assert set(calls) == {"1004", "21077013"}
        for call in calls.values():
            assert call.caller_number == "1003"
            assert call.answered_at.timestamp() == pytest.approx(float(answers[call.linkedid]["Timestamp"]))
            assert call.ended_at is not None and call.talk_seconds == 2


@pytest.mark.django_db
def test_agent_session_recorded_from_a_real_login_and_logout():
    """The agent logged in (QueueMemberAdded) and out (QueueMemberRemoved) on a real Asterisk: the history writer
    (the events it takes, then record) keeps the session the estimated wait learns the usual logins from."""
    import datetime as dt

    from contactcenter.models import AgentSession
    from engine.history import HISTORY_EVENTS

    evs = events("queue_answered.ami")
    for ev in evs:
        if ev["Event"] in HISTORY_EVENTS and agency_of_event(ev) == "fhi":
            record("fhi", ev)
    added = next(e for e in evs if e["Event"] == "QueueMemberAdded")
    removed = next(e for e in evs if e["Event"] == "QueueMemberRemoved")
    started = dt.datetime.fromtimestamp(float(added["Timestamp"]), tz=dt.UTC)
    with schema_context("fhi"):  # the recording's session (live tests before this one commit sessions of today)
        session = AgentSession.objects.get(started_at=started)
    assert (session.agent_id, session.queue_id) == (1, 1)
    assert session.ended_at == dt.datetime.fromtimestamp(float(removed["Timestamp"]), tz=dt.UTC)


def _record_all(name: str) -> list[dict[str, str]]:
    from engine.history import HISTORY_EVENTS

    evs = events(name)
    for ev in evs:
        if ev["Event"] in HISTORY_EVENTS and agency_of_event(ev) == "fhi":
            record("fhi", ev)
    return evs


def _at(ev: dict[str, str]):  # type: ignore[no-untyped-def]
    import datetime as dt

    return dt.datetime.fromtimestamp(float(ev["Timestamp"]), tz=dt.UTC)


@pytest.mark.django_db
def test_a_real_pause_is_recorded_with_its_reason_start_and_end():
    """The agent paused for lunch and came back on a real Asterisk (QueueMemberPause 1, then 0): one pause with
    the reason the console gave, from the first event to the second; recording the traffic again adds nothing."""
    from contactcenter.models import AgentPause

    evs = _record_all("queue_answered.ami")
    paused, back = [e for e in evs if e["Event"] == "QueueMemberPause"]
    _record_all("queue_answered.ami")
    with schema_context("fhi"):
        [pause] = AgentPause.objects.filter(started_at=_at(paused))
    assert (pause.agent_id, pause.reason) == (1, "lunsj")
    assert pause.ended_at == _at(back) and not pause.ended_by_logout


@pytest.mark.django_db
def test_a_pause_ends_when_the_agent_logs_out_paused():
    """Paused, then logged out without coming back (real traffic): the pause ends at the logout, marked as such
    (the estimated wait does not count it as a pause length)."""
    from contactcenter.models import AgentPause

    evs = _record_all("resync_pairing.ami")
    paused = next(e for e in evs if e["Event"] == "QueueMemberPause")
    removed = next(e for e in evs if e["Event"] == "QueueMemberRemoved")
    with schema_context("fhi"):
        pause = AgentPause.objects.get(started_at=_at(paused))
    assert pause.ended_at == _at(removed) and pause.ended_by_logout
