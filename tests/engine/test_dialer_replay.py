"""The dialer's outcome mapping (engine/features/dialer/outcomes.py) on AMI frames recorded from the real Asterisk
(tests/fixtures/ami/dialer_*.ami, cut from ``RECORD_AMI=dir pytest tests/engine/test_dialer_live.py``)."""

from __future__ import annotations

from pathlib import Path

from engine.amiparse import parse_ami_stream
from engine.features.dialer.outcomes import Flight, decide
from engine.state import agency_of_event

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ami"


def _replay(name: str) -> tuple[dict[int, Flight], list[tuple[str, object]]]:
    """Every call the engine originated in the recording is a flight (by the uniqueid the engine gave it, as the
    OriginateResponse shows); the frames are fed in Asterisk's order."""
    events = list(parse_ami_stream((FIXTURES / name).read_bytes()))
    ids = [e["Uniqueid"] for e in events if e["Event"] == "OriginateResponse"]
    flights = {i: Flight(attempt_id=i, campaign_id=1, number="+4721077013", channel_id=uid, dialled_at=0.0)
               for i, uid in enumerate(ids, start=1)}
    decisions = []
    for ev in events:
        decision = decide(flights, ev, float(ev.get("Timestamp", "0") or 0))
        if decision is not None:
            decisions.append((ev["Event"], decision))
    return flights, decisions


def test_answered_call_connected_to_an_agent_ends_connected_with_that_agent():
    flights, decisions = _replay("dialer_connected.ami")
    assert [(event, d.kind, d.outcome, d.agent_id) for event, d in decisions] == [
        ("OriginateResponse", "answered", "", None), ("AgentConnect", "connected", "", 1),
        ("Hangup", "end", "connected", 1)]
    assert flights[1].decided and flights[1].connected_at >= flights[1].answered_at > 0


def test_busy_through_the_local_channel_and_no_answer_after_the_ring_time():
    """Busy arrives as OriginateResponse reason 0 (the Local channel), with the ;1 half's Hangup cause 17 before it;
    no answer is reason 3."""
    _flights, decisions = _replay("dialer_busy_noanswer.ami")
    assert [(event, d.attempt_id, d.outcome) for event, d in decisions] == [
        ("OriginateResponse", 1, "busy"), ("OriginateResponse", 2, "noanswer")]


def _one(name: str, flight: Flight) -> list[tuple[str, str, str]]:
    flights = {flight.attempt_id: flight}
    out = []
    for ev in parse_ami_stream((FIXTURES / name).read_bytes()):
        decision = decide(flights, ev, float(ev.get("Timestamp", "0") or 0))
        if decision is not None:
            out.append((ev["Event"], decision.kind, decision.outcome))
    return out


def test_answered_with_no_ready_agent_is_abandoned_by_the_dialplans_user_event():
    flight = Flight(attempt_id=4, campaign_id=2, number="+4721077012", channel_id="1796539514.1859369712",
                    dialled_at=0.0)
    assert _one("dialer_abandoned.ami", flight) == [("OriginateResponse", "answered", ""),
                                                    ("UserEvent", "end", "abandoned")]


def test_preview_agent_answers_then_the_contact_answers_then_the_call_ends_connected():
    flight = Flight(attempt_id=5, campaign_id=3, number="+4721077014", channel_id="1796539527.6204506741",
                    dialled_at=0.0, preview=True, agent_id=1)
    assert _one("dialer_preview.ami", flight) == [("DialEnd", "connected", ""), ("Hangup", "end", "connected")]
    assert flight.agent_id == 1


def test_a_call_found_again_after_a_restart_ends_by_what_asterisk_reports():
    """The new engine follows the ringing call it found (resumed) and gets its end from the broadcast events."""
    flight = Flight(attempt_id=7, campaign_id=1, number="+4721077016", channel_id="1796539552.7843445988",
                    dialled_at=0.0, resumed=True)
    assert _one("dialer_restart.ami", flight) == [("OriginateResponse", "end", "noanswer")]


def test_every_frame_the_dialer_acts_on_belongs_to_the_agency():
    for name in ("dialer_connected.ami", "dialer_busy_noanswer.ami", "dialer_abandoned.ami", "dialer_preview.ami",
                 "dialer_restart.ami"):
        for ev in parse_ami_stream((FIXTURES / name).read_bytes()):
            if ev["Event"] in ("OriginateResponse", "UserEvent", "AgentConnect", "Hangup"):
                assert agency_of_event(ev) == "fhi", ev


def test_a_decided_call_is_never_decided_again():
    flights, decisions = _replay("dialer_connected.ami")
    events = list(parse_ami_stream((FIXTURES / "dialer_connected.ami").read_bytes()))
    assert [decide(flights, ev, 0.0) for ev in events] == [None] * len(events)
    assert len(decisions) == 3


def _live(*states: str):  # type: ignore[no-untyped-def]
    from engine.state import AgencyLive, AgentState

    live = AgencyLive()
    for i, state in enumerate(states, start=1):
        live.agents[i] = AgentState(agent_id=i, interface=f"PJSIP/fhi-p{i}", queues=["t-fhi-q1"], state=state,
                                    since=0.0)
    live.agents[99] = AgentState(agent_id=99, interface="PJSIP/fhi-p99", queues=["t-fhi-q2"], state="idle")
    return live


def test_progressive_places_one_call_per_free_agent_of_the_queue_minus_calls_in_flight():
    from engine.features.dialer.dispatch import calls_to_place, data_of

    live = _live("idle", "idle", "paused", "in_call")
    data = data_of(live)
    data["slug"] = "fhi"
    campaign = {"id": 7, "mode": "progressive", "queue_id": 1, "abandon_cap": 0.03}
    assert calls_to_place(live, data, campaign, 100.0) == 2  # the other queue's free agent does not count
    data["flights"][1] = Flight(attempt_id=1, campaign_id=7, number="+4721077013", channel_id="1.1", dialled_at=95.0)
    assert calls_to_place(live, data, campaign, 100.0) == 1
    data["claiming"][7] = 1
    assert calls_to_place(live, data, campaign, 100.0) == 0
    assert calls_to_place(live, data, {**campaign, "mode": "preview"}, 100.0) == 0


def test_predictive_dials_ahead_of_a_talking_agent_and_never_without_staff():
    from engine.features.dialer.dispatch import calls_to_place, data_of

    campaign = {"id": 8, "mode": "predictive", "queue_id": 1, "abandon_cap": 0.03}
    nobody = _live("paused")
    data = data_of(nobody)
    data["slug"] = "fhi"
    assert calls_to_place(nobody, data, campaign, 1000.0) == 0
    free = _live("idle", "idle")
    data = data_of(free)
    data["slug"] = "fhi"
    assert calls_to_place(free, data, campaign, 1000.0) >= 2  # at least one per free agent


def test_a_connected_call_enters_the_pacers_abandon_window_when_the_agent_takes_it_once():
    """Recorded: answered, AgentConnect, Hangup. The predictive pacer counts the answered call at AgentConnect (as
    bench/dialer_sim.py does; not minutes later at the hang-up), its talk time at the end, and nothing twice."""
    from engine.features.dialer.dispatch import _learn, _learn_connected
    from outbound.pacing import Pacer

    events = list(parse_ami_stream((FIXTURES / "dialer_connected.ami").read_bytes()))
    uid = next(e["Uniqueid"] for e in events if e["Event"] == "OriginateResponse")
    flight = Flight(attempt_id=1, campaign_id=1, number="+4721077013", channel_id=uid, dialled_at=0.0)
    pacer = Pacer(mode="predictive")
    data = {"pacers": {1: pacer}}
    seen = []
    for ev in events:
        decision = decide({1: flight}, ev, float(ev.get("Timestamp", "0") or 0))
        if decision is not None and decision.kind == "connected":
            _learn_connected(data, flight)
        elif decision is not None and decision.kind == "end":
            _learn(data, flight, decision.outcome)
        if decision is not None:
            seen.append((decision.kind, list(pacer.answered), len(pacer.log_talk)))
    assert seen == [("answered", [], 0), ("connected", [False], 0), ("end", [False], 1)]
