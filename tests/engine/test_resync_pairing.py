"""State and resync paired (replay): the live state built from a recorded event stream equals the state a resync
builds from the resync answers recorded at the end of the same run (tests/fixtures/ami/resync_pairing.ami,
recorded from the real Asterisk by tests/engine/test_resync_live.py)."""

from __future__ import annotations

from pathlib import Path

from engine.amiparse import parse_ami_stream
from engine.registry import default_registry
from engine.state import LiveState

# Fields that hold a time: from events they are the event's timestamp, from a resync "now minus the wait" (or the
# time of the resync). A call's context and extension are where the channel entered the dialplan when built from
# events (tests/engine/test_cross_agency_replay.py relies on it) and where it is now after a resync, which cannot know the
# entry. Everything else must be equal.
_NOT_PAIRED = {"joined_at", "started", "since", "wrapup_until", "context", "exten"}


def comparable(snapshot: dict) -> dict:
    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in _NOT_PAIRED}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return {key: strip(snapshot[key]) for key in ("queues", "agents", "calls")}


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ami"


def _recorded() -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    """The resync answers at the start (``start-*``: what the engine's first resync sees), the live events of the
    scenario, and the resync answers at the end (``resync-*``), in Asterisk's order."""
    frames = list(parse_ami_stream((FIXTURES / "resync_pairing.ami").read_bytes()))

    def tagged(tag: str) -> list[int]:
        return [i for i, f in enumerate(frames) if f.get("ActionID", "").startswith(tag)]

    start, end = tagged("start-"), tagged("resync-")
    live = [f for f in frames[start[-1] + 1:end[0]] if "ActionID" not in f]
    return [frames[i] for i in start], live, [frames[i] for i in end]


def test_the_recording_holds_a_live_scenario_and_both_resync_answers():
    start, live, answers = _recorded()
    assert {"QueueParams"} <= {e["Event"] for e in start}
    assert {"QueueMemberAdded", "QueueMemberPause", "QueueCallerJoin", "Newchannel", "BridgeEnter"} <= {
        e["Event"] for e in live}
    assert {"QueueParams", "QueueMember", "QueueEntry", "CoreShowChannel"} <= {e["Event"] for e in answers}


def test_state_built_from_events_equals_the_state_after_a_resync():
    start, live, answers = _recorded()
    from_events, resynced = LiveState(), LiveState()
    for ev in [*start, *live]:  # as the engine: its first resync, then events
        from_events.apply(ev)
    for ev in answers:
        resynced.apply(ev)
    assert set(from_events.agencies) == set(resynced.agencies) == {"fhi", "nkh"}
    snap = from_events.snapshot("fhi")
    assert snap["agents"]["1"]["state"] == "paused" and snap["agents"]["1"]["paused_reason"] == "lunsj"
    assert [c["caller_number"] for c in snap["queues"]["t-fhi-q1"]["callers"]] == ["1005"]
    assert sum(1 for c in snap["calls"].values() if c["bridge"]) == 2
    assert comparable(snap) == comparable(resynced.snapshot("fhi"))


def test_every_live_state_event_has_its_resync_source():
    """Zulip pairs fetch_initial_state_data with apply_event: here every event that builds live state names the
    resync event that rebuilds the same part, and that event is handled and asked for at every resync."""
    registry = default_registry()
    resync_events = {"QueueParams", "QueueEntry", "QueueMember", "CoreShowChannel"}
    live_events = set(registry.events) - resync_events
    assert live_events <= set(registry.resync_sources), sorted(live_events - set(registry.resync_sources))
    assert set(registry.resync_sources.values()) <= set(registry.events)
    assert [a["Action"] for a in registry.resync_actions] == ["QueueStatus", "CoreShowChannels", "DeviceStateList"]
