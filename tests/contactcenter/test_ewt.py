"""The estimated wait (contactcenter.ewt): what a caller is told, and when nothing is said."""

from __future__ import annotations

import random

from django.utils import translation

from contactcenter.ewt import AgentLoad, WaitInput, estimate_wait, said_minutes, said_text

HISTORY = [random.Random(1).lognormvariate(5.4, 0.6) for _ in range(100)]  # about 4–5 minutes per call


def busy(n: int, for_s: float = 60.0) -> list[AgentLoad]:
    return [AgentLoad(busy_for=for_s)] * n


def test_nobody_serving_says_nothing() -> None:
    est = estimate_wait(WaitInput(position=1, agents=[], handle_times=HISTORY))
    assert est.kind == "unknown" and said_text(est) == ""


def test_too_little_history_never_gives_a_number() -> None:
    for n in (0, 3, 19):
        est = estimate_wait(WaitInput(position=8, agents=busy(4), handle_times=HISTORY[:n]))
        assert est.kind in ("unknown", "more_than")


def test_one_agent_gives_a_lower_bound_at_most() -> None:
    est = estimate_wait(WaitInput(position=6, agents=busy(1), handle_times=HISTORY))
    assert est.kind == "more_than"
    with translation.override("nb"):
        assert est.text() == f"mer enn {est.minutes} minutter"


def test_free_agent_and_first_in_line_is_short() -> None:
    est = estimate_wait(WaitInput(position=1, agents=[AgentLoad(), *busy(3)], handle_times=HISTORY))
    assert est.kind == "about" and est.minutes == 1


def test_further_back_waits_longer() -> None:
    minutes = [estimate_wait(WaitInput(position=p, agents=busy(4), handle_times=HISTORY)).seconds for p in (1, 5, 10, 20)]
    assert minutes == sorted(minutes) and minutes[-1] > 3 * minutes[0]


def test_more_agents_shorter_wait() -> None:
    few = estimate_wait(WaitInput(position=10, agents=busy(3), handle_times=HISTORY))
    many = estimate_wait(WaitInput(position=10, agents=busy(9), handle_times=HISTORY))
    assert many.seconds < few.seconds


def test_callers_who_hang_up_shorten_the_wait() -> None:
    stay = estimate_wait(WaitInput(position=10, agents=busy(3), handle_times=HISTORY))
    leave = estimate_wait(WaitInput(position=10, agents=busy(3), handle_times=HISTORY, abandon_rate=1 / 200))
    assert leave.seconds < stay.seconds


def test_agent_in_wrapup_is_known_free_soon() -> None:
    long_call = estimate_wait(WaitInput(position=1, agents=busy(2, 30), handle_times=HISTORY))
    wrapup = estimate_wait(WaitInput(position=1, agents=[AgentLoad(busy_for=30, free_in=5), *busy(1, 30)],
                                     handle_times=HISTORY))
    assert wrapup.seconds < long_call.seconds


def test_same_situation_same_answer() -> None:
    inp = WaitInput(position=7, agents=busy(5, 100), handle_times=HISTORY, abandon_rate=0.001)
    assert estimate_wait(inp) == estimate_wait(inp)


def test_said_honestly_in_norwegian() -> None:
    assert [said_minutes(s) for s in (10, 80, 100, 240, 610, 800)] == [1, 1, 2, 4, 10, 15]
    est = estimate_wait(WaitInput(position=12, agents=busy(4), handle_times=HISTORY))
    with translation.override("nb"):
        assert said_text(est) == f"Forventet ventetid er omtrent {est.minutes} minutter."
