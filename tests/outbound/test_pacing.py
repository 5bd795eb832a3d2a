"""The dialer's pacing (outbound.pacing): the same code the simulation bench runs."""

from __future__ import annotations

from outbound.pacing import AgentState, Pacer


def test_progressive_dials_one_call_per_free_agent_and_preview_none() -> None:
    agents = AgentState(free=3, wrapping=2, talking=5)
    assert Pacer(mode="progressive").calls_to_place(agents=agents, ringing=1) == 2
    assert Pacer(mode="progressive").calls_to_place(agents=agents, ringing=5) == 0
    assert Pacer(mode="preview").calls_to_place(agents=agents, ringing=0) == 0


def test_predictive_dials_ahead_from_answer_rate_until_the_abandon_cap() -> None:
    pacer = Pacer(mode="predictive", abandon_cap=0.03)
    for i in range(100):
        pacer.record_attempt(answered=i % 4 == 0)  # 25 % answer
    agents = AgentState(free=2, wrapping=1, talking=7)
    assert pacer.calls_to_place(agents=agents, ringing=0) > Pacer(mode="progressive").calls_to_place(agents=agents, ringing=0)
    for _ in range(10):  # ten answered calls with no agent free: 10 % of the window, over the cap
        pacer.record_attempt(answered=True, abandoned=True)
    assert pacer.abandon_rate() >= 0.03
    assert pacer.calls_to_place(agents=agents, ringing=0) == 2  # back to one call per free agent
    assert pacer.calls_to_place(agents=AgentState(free=0, wrapping=0, talking=10), ringing=0) == 0
