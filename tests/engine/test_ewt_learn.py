"""What the estimated wait learns from the live agents: pauses and logouts after a call, and how long pauses last."""

from __future__ import annotations

from engine.features.ewt import learn
from engine.state import AgencyLive, AgentState


def _tick(data: dict, live: AgencyLive, agent_id: int, state: str, since: float) -> None:
    agent = live.agents.setdefault(agent_id, AgentState(agent_id=agent_id, interface=f"PJSIP/a{agent_id}"))
    agent.state, agent.since = state, since
    learn.observe(data, live)


def test_pauses_after_calls_and_their_lengths_are_learned() -> None:
    data: dict = {}
    live = AgencyLive()
    for t, state in [(0, "in_call"), (200, "wrapup"), (230, "idle"), (300, "in_call"), (500, "wrapup"),
                     (530, "paused"), (1130, "idle"), (1200, "in_call"), (1400, "logged_out")]:
        _tick(data, live, 7, state, float(t))
    _tick(data, live, 8, "in_call", 0.0)
    _tick(data, live, 8, "in_call", 0.0)  # no change, nothing learned
    got = learn.away_inputs(data)
    assert got["away_share"] == 2 / 3  # three calls ended: then idle, paused, logged out
    assert got["away_times"] == [600.0]  # the pause that ended; the logout has no known length


def test_nothing_seen_nothing_learned() -> None:
    assert learn.away_inputs({}) == {"away_share": 0.0, "away_times": []}


def test_agent_loads_carry_the_skills_the_queue_requires() -> None:
    from engine.features.ewt.announce import agent_loads

    live = AgencyLive()
    for agent_id, state in [(1, "idle"), (2, "in_call"), (3, "paused")]:
        live.agents[agent_id] = AgentState(agent_id=agent_id, interface=f"PJSIP/a{agent_id}", queues=["q"],
                                           state=state, since=100.0)
    assert agent_loads(live, "q", 160.0) == [(None, None, None), (60.0, None, None)]  # no requirement: all count
    assert agent_loads(live, "q", 160.0, {2: ["samisk"]}) == [(None, None, []), (60.0, None, ["samisk"])]


def test_usual_logins_read_with_the_history_count_from_the_moment_of_the_estimate() -> None:
    from engine.features.ewt.announce import logins_ahead

    read = [(1000.0, 1.5), (1300.0, 1.0)]  # epoch seconds of each 5 minutes' middle, expected agents
    assert logins_ahead(read, 940.0) == [(60.0, 1.5), (360.0, 1.0)]
    assert logins_ahead(read, 1010.0) == [(290.0, 1.0)]  # the first is past: those agents are live now, or late
    assert logins_ahead([], 1010.0) == []
