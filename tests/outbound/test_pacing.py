"""The dialer's pacing (outbound.pacing): the same code the simulation bench runs."""

from __future__ import annotations

from outbound.pacing import AgentState, Pacer


def _learned(pacer: Pacer, *, answer_every: int = 4) -> Pacer:
    for i in range(200):
        pacer.record_attempt(answered=i % answer_every == 0, delay=6.0 + i % 5)
    for i in range(50):
        pacer.record_handled(talk_seconds=60.0 + i * 2, wrapup_seconds=10.0)
    return pacer


def test_progressive_dials_one_call_per_free_agent_and_preview_none() -> None:
    agents = AgentState(free=3, wrapping=(2.0, 5.0), talking=(10.0,) * 5)
    assert Pacer(mode="progressive").calls_to_place(agents=agents, ringing=[1.0]) == 2
    assert Pacer(mode="progressive").calls_to_place(agents=agents, ringing=[1.0] * 5) == 0
    assert Pacer(mode="preview").calls_to_place(agents=agents, ringing=[]) == 0


def test_predictive_dials_ahead_for_agents_about_to_be_free_until_the_abandon_cap() -> None:
    pacer = _learned(Pacer(mode="predictive", abandon_cap=0.03))  # 25 % answer
    agents = AgentState(free=2, wrapping=(3.0,), talking=(400.0,) * 7)
    progressive = Pacer(mode="progressive").calls_to_place(agents=agents, ringing=[])
    assert pacer.calls_to_place(agents=agents, ringing=[]) > progressive
    # Agents just starting their calls will not be free within a ring time: fewer calls than for agents near the end.
    fresh = AgentState(free=2, wrapping=(), talking=(5.0,) * 8)
    assert pacer.calls_to_place(agents=fresh, ringing=[]) < pacer.calls_to_place(agents=agents, ringing=[])
    for _ in range(10):  # ten answered calls with no agent free: over the cap
        pacer.record_attempt(answered=True, abandoned=True)
    assert pacer.abandon_rate() >= 0.03
    assert pacer.calls_to_place(agents=agents, ringing=[]) == 2  # back to one call per free agent
    assert pacer.calls_to_place(agents=AgentState(free=0, talking=(30.0,) * 10), ringing=[]) == 0


def test_answered_callees_waiting_for_an_agent_hold_back_new_calls() -> None:
    pacer = _learned(Pacer(mode="predictive"))
    agents = AgentState(free=1, wrapping=(3.0,), talking=(300.0,) * 4)
    assert pacer.calls_to_place(agents=agents, ringing=[]) > pacer.calls_to_place(
        agents=AgentState(free=1, waiting=3, wrapping=(3.0,), talking=(300.0,) * 4), ringing=[])
