"""What the estimated wait learns from the live agents: pauses and logouts after a call, and how long pauses last."""

from __future__ import annotations

import pytest

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


def test_after_a_restart_learning_starts_from_the_recorded_pauses_and_calls(db) -> None:  # type: ignore[no-untyped-def]
    """Real traffic (tests/fixtures/ami/queue_answered.ami: login, a lunch pause, a queue call answered, logout)
    recorded into the history; a new live state begins from it, and what is seen live comes after it."""
    from django_tenants.utils import schema_context

    from contactcenter.models import AgentPause, AgentSession, QueueVisit
    from contactcenter.selectors import agent_away_history
    from engine.history import HISTORY_EVENTS, record
    from engine.state import agency_of_event
    from tests.engine.test_engine_replay import events

    with schema_context("fhi"):  # only the recording's history (the test's transaction is rolled back)
        for model in (AgentPause, AgentSession, QueueVisit):
            model.objects.all().delete()
    evs = [e for e in events("queue_answered.ami") if e["Event"] in HISTORY_EVENTS and agency_of_event(e) == "fhi"]
    for ev in evs:
        record("fhi", ev)
    paused, back = [float(e["Timestamp"]) for e in evs if e["Event"] == "QueueMemberPause"]
    with schema_context("fhi"):
        recorded = agent_away_history()
        talk = QueueVisit.objects.get().talk_seconds
    assert recorded["away_times"] == [pytest.approx(back - paused, abs=1e-3)]
    assert recorded["after_calls"] == [True]  # the agent logged out after the call
    data: dict = {}
    live = AgencyLive()
    _tick(data, live, 7, "in_call", 0.0)
    _tick(data, live, 7, "idle", float(talk))  # seen live before the history was read: kept, after it
    learn.seed(data, recorded)
    assert learn.away_inputs(data)["away_share"] == 1 / 2
    assert learn.away_inputs(data)["away_times"] == recorded["away_times"]
