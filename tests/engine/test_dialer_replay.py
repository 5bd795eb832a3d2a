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


def test_every_frame_the_dialer_acts_on_belongs_to_the_agency():
    for name in ("dialer_connected.ami", "dialer_busy_noanswer.ami"):
        for ev in parse_ami_stream((FIXTURES / name).read_bytes()):
            if ev["Event"] in ("OriginateResponse", "UserEvent", "AgentConnect", "Hangup"):
                assert agency_of_event(ev) == "fhi", ev


def test_a_decided_call_is_never_decided_again():
    flights, decisions = _replay("dialer_connected.ami")
    events = list(parse_ami_stream((FIXTURES / "dialer_connected.ami").read_bytes()))
    assert [decide(flights, ev, 0.0) for ev in events] == [None] * len(events)
    assert len(decisions) == 3
