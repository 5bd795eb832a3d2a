"""Queues and agents in the live state: callers waiting per queue, agents (queue members) and their state."""

from __future__ import annotations

import time
from dataclasses import asdict

from asterisk_conf import naming
from engine.state import AgencyLive, AgentState, Caller, LiveState, event_time

# Device states from AMI (QueueMemberStatus "Status").
_DEVICE_BUSY = {"2", "3", "8"}  # in use, busy, on hold
_DEVICE_RINGING = {"6", "7"}  # ringing, ring in use
_DEVICE_UNAVAILABLE = {"4", "5"}  # invalid, unavailable


def queue_payload(live: AgencyLive, name: str) -> dict:
    callers = sorted(live.queues.get(name, {}).values(), key=lambda c: c.position)
    parsed = naming.parse_queue_name(name)
    return {"queue": name, "queue_id": parsed[1] if parsed else None, "callers": [asdict(c) for c in callers]}


def queues_snapshot(live: AgencyLive) -> dict:
    return {name: queue_payload(live, name) for name in sorted(live.queues)}


def agents_snapshot(live: AgencyLive) -> dict:
    return {str(aid): asdict(a) for aid, a in sorted(live.agents.items())}


def _queue_change(live: AgencyLive, name: str) -> list[dict]:
    return [{"kind": "queue", **queue_payload(live, name)}]


# queue callers
def on_caller_join(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    q = ev["Queue"]
    live.queues.setdefault(q, {})[ev["Uniqueid"]] = Caller(
        uniqueid=ev["Uniqueid"], channel=ev.get("Channel", ""), caller_number=ev.get("CallerIDNum", ""),
        position=int(ev.get("Position", "0") or 0), joined_at=event_time(ev))
    return _queue_change(live, q)


def on_caller_leave(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    q = ev["Queue"]
    callers = live.queues.setdefault(q, {})
    callers.pop(ev.get("Uniqueid", ""), None)
    # Asterisk moves everyone behind up one place; mirror it so positions stay right without a resync.
    for pos, caller in enumerate(sorted(callers.values(), key=lambda c: c.position), start=1):
        caller.position = pos
    return _queue_change(live, q)


def on_queue_entry(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    """Resync (QueueStatus): a caller waiting."""
    q = ev["Queue"]
    wait = int(ev.get("Wait", "0") or 0)
    live.queues.setdefault(q, {})[ev["Uniqueid"]] = Caller(
        uniqueid=ev["Uniqueid"], channel=ev.get("Channel", ""), caller_number=ev.get("CallerIDNum", ""),
        position=int(ev.get("Position", "0") or 0), joined_at=time.time() - wait)
    return _queue_change(live, q)


def on_queue_params(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    """Resync (QueueStatus): a queue, even an empty one."""
    live.queues.setdefault(ev["Queue"], {})
    return _queue_change(live, ev["Queue"])


# agents (queue members)
def _member(live: AgencyLive, ev: dict) -> AgentState | None:
    parsed = naming.parse_member_name(ev.get("MemberName", ""))
    if parsed is None:
        return None
    agent = live.agents.get(parsed[1])
    if agent is None:
        agent = live.agents[parsed[1]] = AgentState(agent_id=parsed[1], interface=ev.get("Interface", ""))
    return agent


def set_state(agent: AgentState, state: str, ts: float, reason: str = "") -> None:
    if agent.state != state or agent.paused_reason != reason:
        agent.since = ts
    agent.state = state
    agent.paused_reason = reason


def _derive(agent: AgentState, ev: dict) -> None:
    ts = event_time(ev)
    device = ev.get("Status", agent.device)
    agent.device = device
    paused = ev.get("Paused") == "1"
    if not agent.queues:
        set_state(agent, "logged_out", ts)
    elif paused:
        set_state(agent, "paused", ts, ev.get("PausedReason", ""))
    elif device in _DEVICE_RINGING:
        set_state(agent, "ringing", ts)
    elif device in _DEVICE_BUSY or ev.get("InCall") == "1":
        set_state(agent, "in_call", ts)
    elif device in _DEVICE_UNAVAILABLE:
        set_state(agent, "unavailable", ts)
    elif agent.wrapup_until > ts:
        set_state(agent, "wrapup", ts)
    else:
        set_state(agent, "idle", ts)


def agent_change(agent: AgentState) -> list[dict]:
    return [{"kind": "agent", **asdict(agent)}]


def on_member_added(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    """QueueMemberAdded, and QueueMember at resync (QueueStatus)."""
    agent = _member(live, ev)
    if agent is None:
        return []
    if ev["Queue"] not in agent.queues:
        agent.queues = sorted([*agent.queues, ev["Queue"]])
    agent.interface = ev.get("Interface", agent.interface)
    _derive(agent, ev)
    return agent_change(agent)


def on_member_removed(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    agent = _member(live, ev)
    if agent is None:
        return []
    agent.queues = [q for q in agent.queues if q != ev["Queue"]]
    _derive(agent, ev)
    return agent_change(agent)


def on_member_status(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    """QueueMemberStatus and QueueMemberPause."""
    agent = _member(live, ev)
    if agent is None:
        return []
    if ev["Queue"] not in agent.queues:
        agent.queues = sorted([*agent.queues, ev["Queue"]])
    _derive(agent, ev)
    return agent_change(agent)


def on_agent_complete(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    agent = _member(live, ev)
    if agent is None:
        return []
    wrapup = state.wrapup_seconds.get(ev.get("Queue", ""), 0)
    ts = event_time(ev)
    agent.wrapup_until = ts + wrapup
    if agent.state not in ("paused", "logged_out"):
        set_state(agent, "wrapup" if wrapup else "idle", ts)
    return agent_change(agent)


def on_agent_called(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    agent = _member(live, ev)
    if agent is None or agent.state == "paused":
        return []
    set_state(agent, "ringing", event_time(ev))
    return agent_change(agent)


def on_agent_connect(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    agent = _member(live, ev)
    if agent is None:
        return []
    set_state(agent, "in_call", event_time(ev))
    return agent_change(agent)


def expire_wrapups(state: LiveState, now: float) -> list[tuple[str, dict]]:
    """Agents whose wrap-up ended: back to idle."""
    out = []
    for slug, live in state.agencies.items():
        for agent in live.agents.values():
            if agent.state == "wrapup" and agent.wrapup_until <= now:
                set_state(agent, "idle", now)
                out.append((slug, agent_change(agent)[0]))
    return out
