"""What the attendant console keeps per node: the switchboard calls of every agency, rebuilt from Asterisk's bridges
and channels after a restart (``handlers.pick_up``). Asterisk is the truth: a call's state follows the bridge its
caller is in (``sb-<slug>-queue`` waiting, ``sb-<slug>-hold-<id>`` held, ``sb-<slug>-call-<id>`` with someone)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

# waiting: in the queue bridge; ringing: an operator's phone rings for it (claimed); talking: with the operator;
# held: on hold; transferring: held while the transfer target rings (blind); consult_ringing / consulting: the
# operator calls the target first (announced); connected: put through (no longer the operators' business).
OPERATOR_STATES = ("waiting", "ringing", "talking", "held", "transferring", "consult_ringing", "consulting")


@dataclass
class SwitchboardCall:
    call_id: str
    slug: str
    channel: str  # the caller's ARI channel ID
    number: str = ""
    name: str = ""
    arrived: float = field(default_factory=time.time)
    state: str = "waiting"
    operator: str = ""  # the operator's phone interface (PJSIP/fhi-p3) while claimed
    operator_channel: str = ""
    target: str = ""
    target_channel: str = ""
    returned: bool = False  # a transfer was not answered in time and came back
    returned_from: str = ""
    legs: int = 0  # how many legs were originated for the call (numbers the next leg's ID)
    bridge: str = ""  # the bridge the caller is in now

    def next_leg(self) -> int:
        self.legs += 1
        return self.legs

    def as_change(self) -> dict:
        data = asdict(self)
        data.pop("operator_channel")
        data.pop("target_channel")
        data.pop("channel")
        data.pop("bridge")
        data.pop("legs")
        return {"kind": "sb_call", "uniqueid": f"sb:{self.call_id}", **data}


def gone(call: SwitchboardCall) -> dict:
    return {"kind": "sb_call", "uniqueid": f"sb:{call.call_id}", "call_id": call.call_id, "slug": call.slug,
            "gone": True}


@dataclass
class Switchboard:
    """The node's switchboard calls, per agency (the service the feature's handlers and commands share)."""

    calls: dict[str, dict[str, SwitchboardCall]] = field(default_factory=dict)

    def agency(self, slug: str) -> dict[str, SwitchboardCall]:
        return self.calls.setdefault(slug, {})

    def find(self, slug: str, call_id: str) -> SwitchboardCall | None:
        return self.calls.get(slug, {}).get(call_id)

    def by_channel(self, channel_id: str) -> tuple[SwitchboardCall, str] | None:
        """The call a channel belongs to and its part in it (caller, operator, target)."""
        for calls in self.calls.values():
            for call in calls.values():
                if call.channel == channel_id:
                    return call, "caller"
                if channel_id and call.operator_channel == channel_id:
                    return call, "operator"
                if channel_id and call.target_channel == channel_id:
                    return call, "target"
        return None

    def snapshot(self, slug: str) -> dict:
        return {f"sb:{c.call_id}": c.as_change() for c in self.calls.get(slug, {}).values() if c.state != "connected"}
