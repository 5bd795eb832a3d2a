"""State and resync paired (replay): the live state built from a recorded event stream equals the state a resync
builds from the resync answers recorded at the end of the same run (tests/fixtures/ami/resync_pairing.ami,
recorded from the real Asterisk by tests/test_resync_live.py)."""

from __future__ import annotations

# Fields that hold a time: from events they are the event's timestamp, from a resync "now minus the wait" (or the
# time of the resync). Everything else must be equal.
_TIMES = {"joined_at", "started", "since", "wrapup_until"}


def comparable(snapshot: dict) -> dict:
    def strip(value: object) -> object:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in _TIMES}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return {key: strip(snapshot[key]) for key in ("queues", "agents", "calls")}
