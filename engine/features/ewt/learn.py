"""What the estimated wait learns from the live agents: how often an agent pauses or logs out after a call instead
of taking the next one, and how long pauses last. Seen on every tick from the agents' states (the queues feature
keeps them from app_queue's member events); kept per agency in memory, the last ``WINDOW`` of each. After a start or
a resync (the agency's live state is new) it begins from the recorded pauses and calls (``seed``)."""

from __future__ import annotations

from collections import deque

from engine.state import AgencyLive

WINDOW = 100
BUSY = {"in_call", "wrapup"}
AWAY = {"paused", "logged_out"}


def observe(data: dict, live: AgencyLive) -> None:
    """Note each agent's change of state since the last tick: a call that ended (then away or not) and a pause
    that ended (its length)."""
    seen: dict = data.setdefault("agent_states", {})
    after: deque = data.setdefault("after_calls", deque(maxlen=WINDOW))
    lengths: deque = data.setdefault("away_times", deque(maxlen=WINDOW))
    for agent in live.agents.values():
        before = seen.get(agent.agent_id)
        seen[agent.agent_id] = (agent.state, agent.since)
        if before is None or before[0] == agent.state:
            continue
        if before[0] in BUSY and agent.state not in BUSY:
            after.append(agent.state in AWAY)
        if before[0] == "paused" and agent.state != "logged_out":
            lengths.append(max(agent.since - before[1], 0.0))


def away_inputs(data: dict) -> dict:
    """The estimator's ``away_share`` and ``away_times`` from what was observed."""
    after = data.get("after_calls") or ()
    return {"away_share": sum(after) / len(after) if after else 0.0, "away_times": list(data.get("away_times") or ())}


def seed(data: dict, recorded: dict) -> None:
    """Put what the history recorded (``contactcenter.selectors.agent_away_history``, oldest first) before what
    was seen live since the start; the newest ``WINDOW`` of each are kept."""
    for key, name in (("after_calls", "after_calls"), ("away_times", "away_times")):
        live = list(data.get(key) or ())
        data[key] = deque([*recorded.get(name, []), *live], maxlen=WINDOW)
