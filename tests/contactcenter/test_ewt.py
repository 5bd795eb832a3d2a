"""The estimated wait (contactcenter.ewt): what a caller is told, and when nothing is said."""

from __future__ import annotations

import math
import random

from django.utils import translation

from contactcenter.ewt import (
    AgentLoad,
    Handling,
    WaitInput,
    estimate_wait,
    expected_logins,
    hang_up_rate,
    said_minutes,
    said_text,
    simulated_waits,
)

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


# --- what the estimate learns: agents going away, calls going on, skills, hang-ups ---------------------------------

BREAKS = [600.0, 900.0, 1800.0]  # recent pauses: two short breaks and a lunch


def test_agents_who_go_on_a_break_after_the_call_make_the_wait_longer() -> None:
    stay = estimate_wait(WaitInput(position=6, agents=busy(4), handle_times=HISTORY))
    away = estimate_wait(WaitInput(position=6, agents=busy(4), handle_times=HISTORY, away_share=0.3, away_times=BREAKS))
    assert away.kind == "about" and away.seconds > stay.seconds


def test_pauses_count_only_as_often_as_they_happen() -> None:
    rare = estimate_wait(WaitInput(position=6, agents=busy(4), handle_times=HISTORY, away_share=0.02, away_times=BREAKS))
    often = estimate_wait(WaitInput(position=6, agents=busy(4), handle_times=HISTORY, away_share=0.5, away_times=BREAKS))
    assert rare.seconds < often.seconds


def test_agents_all_logging_out_after_the_call_gives_no_number() -> None:
    est = estimate_wait(WaitInput(position=3, agents=busy(3), handle_times=HISTORY, away_share=1.0,
                                  away_times=[math.inf]))
    assert est.kind in ("more_than", "unknown")


def test_long_calls_going_on_now_count_in_the_handling_times() -> None:
    short = [120.0] * 30 + [600.0] * 5  # the long calls of the last half hour have mostly not ended yet
    long_calls = [AgentLoad(busy_for=400.0) for _ in range(6)]
    assert Handling.of(short, [400.0] * 6).mean > Handling.of(short).mean
    est = estimate_wait(WaitInput(position=8, agents=[AgentLoad(), *long_calls], handle_times=short))
    naive = sum(short) / len(short)
    assert est.kind == "about" and est.seconds > naive  # 7 callers ahead, 7 agents: at least one call each


def test_kaplan_meier_weights_add_up_and_move_to_the_right() -> None:
    h = Handling.of([100.0, 200.0, 300.0, 400.0], [250.0])
    weights = [round(b - a, 9) for a, b in zip((0.0, *h.cum_weights), h.cum_weights, strict=False)]
    assert weights == [0.2, 0.2, 0.3, 0.3]  # the running 250 s call's fifth goes to the 300 s and 400 s calls


def test_only_agents_with_the_required_skill_count() -> None:
    nynorsk = frozenset({"nynorsk"})
    agents = [AgentLoad(skills=frozenset({"bokmål"})), AgentLoad(skills=frozenset({"bokmål"})),
              *[AgentLoad(busy_for=60.0, skills=nynorsk | {"bokmål"}) for _ in range(2)]]
    anyone = estimate_wait(WaitInput(position=2, agents=agents, handle_times=HISTORY))
    skilled = estimate_wait(WaitInput(position=2, agents=agents, handle_times=HISTORY, required=nynorsk))
    assert anyone.minutes == 1 and skilled.seconds > anyone.seconds + 60
    nobody = estimate_wait(WaitInput(position=1, agents=agents[:2], handle_times=HISTORY, required=nynorsk))
    assert nobody.kind == "unknown"


def test_one_skilled_agent_gives_a_lower_bound_at_most() -> None:
    agents = [*busy(5), AgentLoad(busy_for=60.0, skills=frozenset({"samisk"}))]
    agents[:5] = [AgentLoad(busy_for=60.0, skills=frozenset()) for _ in range(5)]
    est = estimate_wait(WaitInput(position=4, agents=agents, handle_times=HISTORY, required=frozenset({"samisk"})))
    assert est.kind == "more_than"


def test_the_number_said_keeps_its_promise_in_most_replays() -> None:
    inp = WaitInput(position=9, agents=busy(4), handle_times=HISTORY, abandon_rate=1 / 600, away_share=0.1,
                    away_times=BREAKS)
    est = estimate_wait(inp)
    waits = simulated_waits(inp, HISTORY)
    broken = sum(1 for w in waits if w > 1.5 * est.seconds) / len(waits)
    assert broken <= 0.08 and est.seconds >= waits[len(waits) // 2]


def test_hang_up_rate_counts_the_time_callers_still_waiting_have_waited() -> None:
    exits = [(60.0, False), (120.0, True), (180.0, False), (240.0, True)]
    assert hang_up_rate(exits) == 2 / 600
    assert hang_up_rate(exits, [300.0, 600.0]) == 2 / 1500
    assert hang_up_rate([]) == 0.0


def test_seeded_with_pauses_and_skills_same_answer() -> None:
    inp = WaitInput(position=5, agents=[AgentLoad(busy_for=float(30 * i), skills=frozenset({"a"})) for i in range(5)],
                    handle_times=HISTORY, abandon_rate=0.001, away_share=0.2, away_times=BREAKS,
                    required=frozenset({"a"}))
    assert estimate_wait(inp) == estimate_wait(inp)


def test_agents_due_to_log_in_make_the_caller_hear_less() -> None:
    base = WaitInput(position=12, agents=busy(3), handle_times=HISTORY)
    without = estimate_wait(base)
    soon = estimate_wait(WaitInput(position=12, agents=busy(3), handle_times=HISTORY, logins=[(150.0, 3.0)]))
    later = estimate_wait(WaitInput(position=12, agents=busy(3), handle_times=HISTORY, logins=[(3450.0, 3.0)]))
    assert without.kind == soon.kind == "about"
    assert soon.minutes < without.minutes  # three agents in a few minutes: told a shorter wait
    assert later.minutes == without.minutes  # due long after this caller's turn: no difference


def test_expected_logins_none_by_default_and_a_share_counts_in_part() -> None:
    base = WaitInput(position=12, agents=busy(3), handle_times=HISTORY)
    assert estimate_wait(base) == estimate_wait(WaitInput(position=12, agents=busy(3), handle_times=HISTORY,
                                                          logins=[]))
    part = simulated_waits(WaitInput(position=12, agents=busy(3), handle_times=HISTORY, logins=[(150.0, 0.5)]),
                           HISTORY)
    whole = simulated_waits(WaitInput(position=12, agents=busy(3), handle_times=HISTORY, logins=[(150.0, 1.0)]),
                            HISTORY)
    none = simulated_waits(base, HISTORY)
    assert sum(whole) < sum(part) < sum(none)


def test_usual_logins_from_earlier_days_less_those_who_came_today() -> None:
    nine = 9 * 3600
    history = [[8 * 3600, nine + 60, nine + 200, nine + 400], [8 * 3600, nine + 100, nine + 300]]
    # at 08:55: usually 2.5 agents come between 09:00 and 09:10 (per 5 minutes: 1.5, then 1)
    assert expected_logins(history, [8 * 3600], nine - 300, horizon=1200) == [(450.0, 1.5), (750.0, 1.0)]
    # one of them came early today: one fewer expected
    early = expected_logins(history, [8 * 3600, nine - 400], nine - 300, horizon=1200)
    assert sum(n for _at, n in early) == 1.5
    # late today (nobody yet at 09:06): those usually in by now are not promised
    late = expected_logins(history, [8 * 3600], nine + 360, horizon=1200)
    assert sum(n for _at, n in late) == 0.5
    assert expected_logins([], [], nine) == []  # no history: nothing expected
