"""Live state per agency, built only from AMI events.

Every event is mapped to an agency from object names that asterisk_conf generated (endpoint,
queue, member and context names), never from values a caller or tenant controls (caller ID, dialled
digits). Which events change what is registered by the features (``engine.registry``); this module holds
the state model and the dispatch. ``apply`` returns the changed objects per agency, ready to publish;
``snapshot`` returns the full state of one agency, so a client that missed a message can always start over.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from asterisk_conf import naming
from engine.registry import Registry, default_registry


@dataclass
class Caller:
    uniqueid: str
    channel: str
    caller_number: str
    position: int
    joined_at: float


@dataclass
class AgentState:
    agent_id: int
    interface: str
    queues: list[str] = field(default_factory=list)
    state: str = "logged_out"  # logged_out, idle, ringing, in_call, paused, wrapup, unavailable
    paused_reason: str = ""
    since: float = 0.0
    device: str = ""
    wrapup_until: float = 0.0


@dataclass
class ChannelState:
    uniqueid: str
    linkedid: str
    channel: str
    state: str
    caller_number: str
    connected_number: str
    context: str
    exten: str
    bridge: str = ""
    started: float = 0.0


@dataclass
class AgencyLive:
    queues: dict[str, dict[str, Caller]] = field(default_factory=dict)
    agents: dict[int, AgentState] = field(default_factory=dict)
    channels: dict[str, ChannelState] = field(default_factory=dict)
    extra: dict[str, dict] = field(default_factory=dict)  # a feature's own per-agency state, keyed by feature


def event_time(event: dict[str, str]) -> float:
    try:
        return float(event.get("Timestamp", ""))
    except ValueError:
        return time.time()


def agency_of_event(event: dict[str, str]) -> str | None:
    """The agency an event belongs to, from generated names only.

    Queue and member events belong to the queue's agency (a caller from another agency who dialled
    its public number waits in that queue); a member of another agency's queue is refused. Channel
    events belong to the channel's agency.
    """
    queue = event.get("Queue")
    if queue:
        parsed = naming.parse_queue_name(queue)
        if parsed is None:
            return None
        member = event.get("MemberName")
        if member:
            owner = naming.parse_member_name(member)
            if owner is None or owner[0] != parsed[0]:
                return None
        return parsed[0]
    for key in ("Channel", "Context"):
        value = event.get(key)
        if value:
            slug = naming.agency_of(value)
            if slug:
                return slug
    return None


class LiveState:
    def __init__(self, wrapup_seconds: dict[str, int] | None = None, registry: Registry | None = None) -> None:
        self.agencies: dict[str, AgencyLive] = {}
        # queue name -> wrap-up seconds (from config), for the 'wrapup' agent state
        self.wrapup_seconds = wrapup_seconds or {}
        self.registry = registry or default_registry()

    def agency(self, slug: str) -> AgencyLive:
        return self.agencies.setdefault(slug, AgencyLive())

    def reset(self) -> None:
        """Forget everything (before a full resync)."""
        self.agencies.clear()

    def snapshot(self, slug: str) -> dict:
        live = self.agencies.get(slug, AgencyLive())
        return {key: part(live) for key, part in self.registry.snapshot_parts.items()}

    def apply(self, event: dict[str, str]) -> tuple[str | None, list[dict]]:
        """Apply one AMI event. Returns (agency slug, changes) — changes are full objects to replace."""
        spec = self.registry.events.get(event.get("Event", ""))
        if spec is not None and spec.aliases:
            event = {**event, **{key: event.get(source, "") for key, source in spec.aliases.items()}}
        slug = agency_of_event(event)
        if slug is None:
            return None, []
        if spec is None:
            return slug, []
        return slug, spec.handler(self, self.agency(slug), event) or []

    def tick(self, now: float) -> list[tuple[str, dict]]:
        """Changes due to time alone (an agent's wrap-up ended), from every feature's tick handler."""
        return [change for handler in self.registry.tick_handlers for change in handler(self, now)]
