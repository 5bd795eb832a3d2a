"""The dialer's pacing (outbound.pacing): the same code the simulation bench runs."""

from __future__ import annotations

from outbound.pacing import AgentState, Pacer


def _learned(pacer: Pacer, *, answer_every: int = 4) -> Pacer:
    """A campaign that has seen 200 attempts (1 in `answer_every` answered after 6-10 s) and 50 handled calls."""
    for i in range(200):
        pacer.record_attempt(answered=i % answer_every == 0, delay=6.0 + i % 5)
    for i in range(50):
        pacer.record_handled(talk_seconds=60.0 + i * 2, wrapup_seconds=10.0)
    return pacer


def _with_abandoned(pacer: Pacer, abandoned: int, *, connected: int = 0) -> Pacer:
    for _ in range(connected):
        pacer.record_attempt(answered=True)
    for _ in range(abandoned):
        pacer.record_attempt(answered=True, abandoned=True)
    return pacer


def test_progressive_dials_free_agents_minus_calls_in_flight_and_preview_none() -> None:
    agents = AgentState(free=3, wrapping=(2.0, 5.0), talking=(10.0,) * 5)
    assert Pacer(mode="progressive").calls_to_place(agents=agents, ringing=[1.0]) == 2
    assert Pacer(mode="progressive").calls_to_place(agents=agents, ringing=[1.0] * 5) == 0
    assert Pacer(mode="progressive").calls_to_place(agents=AgentState(free=4), ringing=[]) == 4
    assert Pacer(mode="preview").calls_to_place(agents=agents, ringing=[]) == 0


def test_predictive_dials_more_than_the_free_agents_when_many_are_about_to_be_free() -> None:
    pacer = _learned(Pacer(mode="predictive", abandon_cap=0.03))  # 25 % answer
    about_to_free = AgentState(free=2, wrapping=(3.0, 4.0, 5.0), talking=(400.0,) * 5)
    assert pacer.calls_to_place(agents=about_to_free, ringing=[]) > 2
    # Agents just starting their calls will not be free within a ring time: fewer calls than for agents near the end.
    fresh = AgentState(free=2, talking=(5.0,) * 8)
    assert pacer.calls_to_place(agents=fresh, ringing=[]) < pacer.calls_to_place(agents=about_to_free, ringing=[])
    # Calls already ringing count against the agents about to be free.
    assert pacer.calls_to_place(agents=about_to_free, ringing=[2.0] * 6) < pacer.calls_to_place(
        agents=about_to_free, ringing=[])


def test_at_the_cap_it_dials_only_one_call_per_free_agent_less_those_ringing() -> None:
    agents = AgentState(free=2, wrapping=(3.0, 4.0, 5.0), talking=(400.0,) * 5)
    pacer = _with_abandoned(_learned(Pacer(mode="predictive", abandon_cap=0.03)), 9, connected=241)
    assert pacer.abandon_rate() == 0.03 and pacer.headroom() < 1  # 9 of the last 300 answered
    assert pacer.calls_to_place(agents=agents, ringing=[]) == 2
    assert pacer.calls_to_place(agents=agents, ringing=[3.0]) == 1
    assert pacer.calls_to_place(agents=AgentState(free=0, talking=(30.0,) * 10), ringing=[]) == 0
    # Once connected calls push the abandoned ones out of the window, it dials ahead again.
    _with_abandoned(pacer, 0, connected=300)
    assert pacer.abandon_rate() == 0.0
    assert pacer.calls_to_place(agents=agents, ringing=[]) > 2


def test_with_one_abandoned_call_of_headroom_left_it_dials_ahead_only_where_no_answer_can_be_abandoned() -> None:
    pacer = _with_abandoned(_learned(Pacer(mode="predictive", abandon_cap=0.03)), 8, connected=242)
    assert pacer.headroom() == 1.0
    # Wrap-up ending before the shortest answer (6 s here): a call for each of those agents cannot be abandoned.
    certain = AgentState(free=1, wrapping=(1.0, 2.0), talking=(5.0,) * 7)
    assert pacer.calls_to_place(agents=certain, ringing=[]) == 3
    # Wrap-up ending inside the answer window (6-10 s): an answer might come first, and no risk is left for that.
    uncertain = AgentState(free=1, wrapping=(8.0, 9.0), talking=(400.0,) * 7)
    assert pacer.calls_to_place(agents=uncertain, ringing=[]) == 1
    roomy = _learned(Pacer(mode="predictive", abandon_cap=0.03))
    assert roomy.calls_to_place(agents=uncertain, ringing=[]) > 1


def test_the_first_abandoned_calls_are_counted_over_at_least_100_answered() -> None:
    pacer = Pacer(mode="predictive", abandon_cap=0.03)
    _with_abandoned(pacer, 2, connected=10)
    assert pacer.abandon_rate() == 0.02 and pacer.headroom() == 1.0
    _with_abandoned(pacer, 1)
    assert pacer.headroom() < 1
    assert pacer.calls_to_place(agents=AgentState(free=1, wrapping=(1.0,) * 9), ringing=[]) == 1


def test_abandoned_calls_make_it_more_careful_connected_calls_bolder() -> None:
    agents = AgentState(free=1, wrapping=(7.0, 8.0, 9.0), talking=(150.0,) * 6)
    careful = _with_abandoned(_with_abandoned(_learned(Pacer(mode="predictive")), 0, connected=250), 5)
    bold = _with_abandoned(_learned(Pacer(mode="predictive")), 0, connected=2000)
    assert careful.headroom() >= careful.reserve + 1  # the cap's brake is not what holds it back
    assert careful.risk < bold.risk
    assert careful.calls_to_place(agents=agents, ringing=[]) < bold.calls_to_place(agents=agents, ringing=[])


def test_answered_callees_waiting_for_an_agent_hold_back_new_calls() -> None:
    pacer = _learned(Pacer(mode="predictive"))
    agents = AgentState(free=1, wrapping=(3.0,), talking=(300.0,) * 4)
    assert pacer.calls_to_place(agents=agents, ringing=[]) > pacer.calls_to_place(
        agents=AgentState(free=1, waiting=3, wrapping=(3.0,), talking=(300.0,) * 4), ringing=[])
