"""Live state per agency, built only from AMI events.

Every event is mapped to an agency from object names that asterisk_conf generated (endpoint,
queue, member and context names), never from values a caller or tenant controls (caller ID, dialled
digits). ``apply`` returns the changed objects per agency, ready to publish; ``snapshot`` returns the
full state of one agency, so a client that missed a message can always start over.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from asterisk_conf import naming

# Device states from AMI (QueueMemberStatus "Status").
_DEVICE_BUSY = {"2", "3", "8"}  # in use, busy, on hold
_DEVICE_RINGING = {"6", "7"}  # ringing, ring in use
_DEVICE_UNAVAILABLE = {"4", "5"}  # invalid, unavailable


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


def _ts(event: dict[str, str]) -> float:
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
    def __init__(self, wrapup_seconds: dict[str, int] | None = None) -> None:
        self.agencies: dict[str, AgencyLive] = {}
        # queue name -> wrap-up seconds (from config), for the 'wrapup' agent state
        self.wrapup_seconds = wrapup_seconds or {}

    def agency(self, slug: str) -> AgencyLive:
        return self.agencies.setdefault(slug, AgencyLive())

    def reset(self) -> None:
        """Forget everything (before a full resync)."""
        self.agencies.clear()

    # -- snapshots -----------------------------------------------------------------------------------------------
    def snapshot(self, slug: str) -> dict:
        live = self.agencies.get(slug, AgencyLive())
        return {
            "queues": {name: self._queue_payload(live, name) for name in sorted(live.queues)},
            "agents": {str(aid): self._agent_payload(a) for aid, a in sorted(live.agents.items())},
            "calls": {ch.uniqueid: asdict(ch) for ch in live.channels.values()},
        }

    @staticmethod
    def _queue_payload(live: AgencyLive, name: str) -> dict:
        callers = sorted(live.queues.get(name, {}).values(), key=lambda c: c.position)
        parsed = naming.parse_queue_name(name)
        return {"queue": name, "queue_id": parsed[1] if parsed else None, "callers": [asdict(c) for c in callers]}

    @staticmethod
    def _agent_payload(agent: AgentState) -> dict:
        return asdict(agent)

    # -- events ---------------------------------------------------------------------------------------------------
    def apply(self, event: dict[str, str]) -> tuple[str | None, list[dict]]:
        """Apply one AMI event. Returns (agency slug, changes) — changes are full objects to replace."""
        name = event.get("Event", "")
        if name == "QueueMember":  # QueueStatus names the member fields differently
            event = {**event, "MemberName": event.get("Name", ""), "Interface": event.get("Location", "")}
        elif name == "CoreShowChannel":
            event = {**event, "Exten": event.get("Extension", "")}
        slug = agency_of_event(event)
        if slug is None:
            return None, []
        handler = getattr(self, f"_on_{name}", None)
        if handler is None:
            return slug, []
        return slug, handler(self.agency(slug), event) or []

    # queue callers
    def _on_QueueCallerJoin(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802
        q = ev["Queue"]
        live.queues.setdefault(q, {})[ev["Uniqueid"]] = Caller(
            uniqueid=ev["Uniqueid"], channel=ev.get("Channel", ""), caller_number=ev.get("CallerIDNum", ""),
            position=int(ev.get("Position", "0") or 0), joined_at=_ts(ev))
        return [{"kind": "queue", **self._queue_payload(live, q)}]

    def _on_QueueCallerLeave(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802
        q = ev["Queue"]
        callers = live.queues.setdefault(q, {})
        callers.pop(ev.get("Uniqueid", ""), None)
        # Asterisk moves everyone behind up one place; mirror it so positions stay right without a resync.
        for pos, caller in enumerate(sorted(callers.values(), key=lambda c: c.position), start=1):
            caller.position = pos
        return [{"kind": "queue", **self._queue_payload(live, q)}]

    def _on_QueueEntry(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802  (resync)
        q = ev["Queue"]
        wait = int(ev.get("Wait", "0") or 0)
        live.queues.setdefault(q, {})[ev["Uniqueid"]] = Caller(
            uniqueid=ev["Uniqueid"], channel=ev.get("Channel", ""), caller_number=ev.get("CallerIDNum", ""),
            position=int(ev.get("Position", "0") or 0), joined_at=time.time() - wait)
        return [{"kind": "queue", **self._queue_payload(live, q)}]

    def _on_QueueParams(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802  (resync)
        live.queues.setdefault(ev["Queue"], {})
        return [{"kind": "queue", **self._queue_payload(live, ev["Queue"])}]

    # agents (queue members)
    def _member(self, live: AgencyLive, ev: dict) -> AgentState | None:
        parsed = naming.parse_member_name(ev.get("MemberName", ""))
        if parsed is None:
            return None
        agent = live.agents.get(parsed[1])
        if agent is None:
            agent = live.agents[parsed[1]] = AgentState(agent_id=parsed[1], interface=ev.get("Interface", ""))
        return agent

    def _set_state(self, agent: AgentState, state: str, ts: float, reason: str = "") -> None:
        if agent.state != state or agent.paused_reason != reason:
            agent.since = ts
        agent.state = state
        agent.paused_reason = reason

    def _derive(self, agent: AgentState, ev: dict) -> None:
        ts = _ts(ev)
        device = ev.get("Status", agent.device)
        agent.device = device
        paused = ev.get("Paused") == "1"
        if not agent.queues:
            self._set_state(agent, "logged_out", ts)
        elif paused:
            self._set_state(agent, "paused", ts, ev.get("PausedReason", ""))
        elif device in _DEVICE_RINGING:
            self._set_state(agent, "ringing", ts)
        elif device in _DEVICE_BUSY or ev.get("InCall") == "1":
            self._set_state(agent, "in_call", ts)
        elif device in _DEVICE_UNAVAILABLE:
            self._set_state(agent, "unavailable", ts)
        elif agent.wrapup_until > ts:
            self._set_state(agent, "wrapup", ts)
        else:
            self._set_state(agent, "idle", ts)

    def _agent_change(self, agent: AgentState) -> list[dict]:
        return [{"kind": "agent", **self._agent_payload(agent)}]

    def _on_QueueMemberAdded(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802
        agent = self._member(live, ev)
        if agent is None:
            return []
        if ev["Queue"] not in agent.queues:
            agent.queues = sorted([*agent.queues, ev["Queue"]])
        agent.interface = ev.get("Interface", agent.interface)
        self._derive(agent, ev)
        return self._agent_change(agent)

    _on_QueueMember = _on_QueueMemberAdded  # resync (QueueStatus)

    def _on_QueueMemberRemoved(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802
        agent = self._member(live, ev)
        if agent is None:
            return []
        agent.queues = [q for q in agent.queues if q != ev["Queue"]]
        self._derive(agent, ev)
        return self._agent_change(agent)

    def _on_QueueMemberStatus(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802
        agent = self._member(live, ev)
        if agent is None:
            return []
        if ev["Queue"] not in agent.queues:
            agent.queues = sorted([*agent.queues, ev["Queue"]])
        self._derive(agent, ev)
        return self._agent_change(agent)

    _on_QueueMemberPause = _on_QueueMemberStatus

    def _on_AgentComplete(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802
        agent = self._member(live, ev)
        if agent is None:
            return []
        wrapup = self.wrapup_seconds.get(ev.get("Queue", ""), 0)
        ts = _ts(ev)
        agent.wrapup_until = ts + wrapup
        if agent.state not in ("paused", "logged_out"):
            self._set_state(agent, "wrapup" if wrapup else "idle", ts)
        return self._agent_change(agent)

    def _on_AgentCalled(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802
        agent = self._member(live, ev)
        if agent is None or agent.state == "paused":
            return []
        self._set_state(agent, "ringing", _ts(ev))
        return self._agent_change(agent)

    def _on_AgentConnect(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802
        agent = self._member(live, ev)
        if agent is None:
            return []
        self._set_state(agent, "in_call", _ts(ev))
        return self._agent_change(agent)

    def expire_wrapups(self, now: float) -> list[tuple[str, dict]]:
        """Agents whose wrap-up ended: back to idle."""
        out = []
        for slug, live in self.agencies.items():
            for agent in live.agents.values():
                if agent.state == "wrapup" and agent.wrapup_until <= now:
                    self._set_state(agent, "idle", now)
                    out.append((slug, {"kind": "agent", **self._agent_payload(agent)}))
        return out

    # channels and calls
    def _chan_change(self, ch: ChannelState, removed: bool = False) -> list[dict]:
        if removed:  # the channel name stays in the message: consumers filter on it
            return [{"kind": "call", "uniqueid": ch.uniqueid, "channel": ch.channel, "removed": True}]
        return [{"kind": "call", "removed": False, **asdict(ch)}]

    def _on_Newchannel(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802
        ch = ChannelState(uniqueid=ev["Uniqueid"], linkedid=ev.get("Linkedid", ev["Uniqueid"]),
                          channel=ev.get("Channel", ""), state=ev.get("ChannelStateDesc", ""),
                          caller_number=ev.get("CallerIDNum", ""), connected_number=ev.get("ConnectedLineNum", ""),
                          context=ev.get("Context", ""), exten=ev.get("Exten", ""), started=_ts(ev))
        live.channels[ch.uniqueid] = ch
        return self._chan_change(ch)

    def _on_CoreShowChannel(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802  (resync)
        changes = self._on_Newchannel(live, ev)
        ch = live.channels[ev["Uniqueid"]]
        ch.bridge = ev.get("BridgeId", "")
        try:
            h, m, s = (int(x) for x in ev.get("Duration", "0:0:0").split(":"))
            ch.started = time.time() - (h * 3600 + m * 60 + s)
        except ValueError:
            pass
        return changes

    def _update_channel(self, live: AgencyLive, ev: dict, **fields: str) -> list[dict]:
        ch = live.channels.get(ev.get("Uniqueid", ""))
        if ch is None:
            return []
        for key, value in fields.items():
            setattr(ch, key, value)
        return self._chan_change(ch)

    def _on_Newstate(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802
        return self._update_channel(live, ev, state=ev.get("ChannelStateDesc", ""),
                                    connected_number=ev.get("ConnectedLineNum", ""))

    def _on_NewCallerid(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802
        """A Local half learns its caller's number after it was created (a call from another agency)."""
        return self._update_channel(live, ev, caller_number=ev.get("CallerIDNum", ""))

    def _on_NewConnectedLine(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802
        return self._update_channel(live, ev, connected_number=ev.get("ConnectedLineNum", ""))

    def _on_BridgeEnter(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802
        return self._update_channel(live, ev, bridge=ev.get("BridgeUniqueid", ""))

    def _on_BridgeLeave(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802
        return self._update_channel(live, ev, bridge="")

    def _on_Hangup(self, live: AgencyLive, ev: dict) -> list[dict]:  # noqa: N802
        ch = live.channels.pop(ev.get("Uniqueid", ""), None)
        return self._chan_change(ch, removed=True) if ch else []
