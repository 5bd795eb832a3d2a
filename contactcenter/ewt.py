"""Honest estimated wait (EWT): a pure estimator, no database, no Asterisk.

The wait of the caller at place ``position`` is the time until the ``position``-th agent becomes free, among the
agents that can take the call (logged in, not paused, with the required skill). Each busy agent's next free moment
is the mean *remaining* handling time of the recent calls that lasted longer than this one has so far (handling
times are long-tailed: a call already 8 minutes long is likely to go on for a while). After that every agent is
free again one mean handling time later. Callers ahead of this one who hang up before their turn shorten the wait,
in the share observed recently.

The estimate is the remaining wait from now: nothing is subtracted for time the caller has not waited. It is said
as "omtrent N minutter" only when it is reliable; with few agents, too little history or nobody serving, it is
either a lower bound ("mer enn N minutter") or nothing at all, never a number that is likely wrong.
"""

from __future__ import annotations

import heapq
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MIN_HISTORY = 20  # handling times needed before a number is said
MIN_TAIL = 5  # samples longer than the elapsed time needed for a residual from data
MIN_AGENTS = 2  # with fewer serving agents only a lower bound is said
LOWER_QUANTILE = 0.2  # the lower bound ("mer enn") is exceeded in 4 of 5 replays
SAID_QUANTILE = 0.6  # the median replay: the number that is off by the least, on average
RUNS = 101  # replays of the near future per estimate
SEED = 10  # replays are seeded: the same situation always gives the same answer


@dataclass(frozen=True)
class AgentLoad:
    """One agent who can take the call. ``busy_for``: seconds since the agent took the current call (talk and
    wrap-up so far); None when free now. ``free_in``: when the agent is known to be free (in wrap-up, which has a
    fixed length), seconds from now; it wins over ``busy_for``."""

    busy_for: float | None = None
    free_in: float | None = None


@dataclass(frozen=True)
class WaitInput:
    position: int  # 1: next in line (among callers needing the same skill)
    agents: Sequence[AgentLoad]  # logged in, not paused, with the skill
    handle_times: Sequence[float]  # recent handling times (answer to free, with wrap-up), seconds
    abandon_rate: float = 0.0  # recent callers who hung up in the queue per second waited (all callers' waits)


@dataclass(frozen=True)
class WaitEstimate:
    kind: Literal["about", "more_than", "unknown"]
    seconds: float | None  # the raw estimate (about) or the lower bound (more_than)
    minutes: int | None  # what is said

    def text(self) -> str:
        if self.kind == "unknown" or self.minutes is None:
            return ""
        n = self.minutes
        if self.kind == "about":
            return ngettext("omtrent %(n)s minutt", "omtrent %(n)s minutter", n) % {"n": n}
        return ngettext("mer enn %(n)s minutt", "mer enn %(n)s minutter", n) % {"n": n}


UNKNOWN = WaitEstimate("unknown", None, None)


def remaining_samples(samples: Sequence[float], elapsed: float, mean: float) -> list[float]:
    """What is left of a call that has lasted ``elapsed`` seconds: the recent calls that lasted longer, minus
    ``elapsed``. A call longer than nearly all recent ones could end any moment, or not: then a spread up to half
    the mean."""
    tail = [t - elapsed for t in samples if t > elapsed]
    if len(tail) >= MIN_TAIL:
        return tail
    return [mean * i / 10 for i in range(1, 6)]


def replay(first_free: list[float], ahead: int, draw: Callable[[], float], patience: Callable[[], float]) -> float:
    """One replay: agents free at ``first_free``, every call then taking ``draw()`` seconds; each of the ``ahead``
    callers before ours hangs up after ``patience()`` more seconds unless their turn came first. Returns when our
    caller's turn comes."""
    heap = list(first_free)
    heapq.heapify(heap)
    ahead_of_us = [patience() for _c in range(ahead)]  # in queue order: when each would hang up
    while True:
        t = heapq.heappop(heap)
        ahead_of_us = [p for p in ahead_of_us if p >= t]  # those who gave up by now are gone
        if not ahead_of_us:
            return t
        ahead_of_us.pop(0)  # the head is served
        heapq.heappush(heap, t + draw())


def simulated_waits(inp: WaitInput, samples: Sequence[float], runs: int = RUNS) -> list[float]:
    """The caller's wait in ``runs`` replays of the near future, each drawing the busy agents' remaining times
    and the coming calls' handling times from recent history, and which callers ahead hang up. Seeded: the same
    input gives the same answer."""
    rng = random.Random(SEED)
    mean = statistics.fmean(samples)
    tails = [[a.free_in] if a.free_in is not None else None if a.busy_for is None
             else remaining_samples(samples, a.busy_for, mean) for a in inp.agents]
    rate = inp.abandon_rate

    def patience() -> float:
        return rng.expovariate(rate) if rate > 0 else float("inf")

    waits = []
    for _run in range(runs):
        first = [0.0 if tail is None else rng.choice(tail) for tail in tails]
        waits.append(replay(first, inp.position - 1, lambda: rng.choice(samples), patience))
    return sorted(waits)


def quantile(values: Sequence[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


def said_minutes(seconds: float) -> int:
    """Honest rounding: whole minutes up to 10, then in fives; never 0 (a wait under a minute is "1 minutt")."""
    minutes = seconds / 60
    if minutes < 1.5:
        return 1
    if minutes <= 10:
        return round(minutes)
    return int(5 * round(minutes / 5))


def lower_bound(waits: Sequence[float]) -> WaitEstimate:
    """A wait we are confident is exceeded (the low quantile of the replays), in whole minutes; nothing under one."""
    bound = quantile(waits, LOWER_QUANTILE)
    minutes = int(bound // 60)
    if minutes < 1:
        return UNKNOWN
    return WaitEstimate("more_than", bound, minutes)


def estimate_wait(inp: WaitInput) -> WaitEstimate:
    """The wait to announce to the caller at ``inp.position``, from now."""
    samples = [float(t) for t in inp.handle_times if t and t > 0]
    if inp.position < 1 or not inp.agents or not samples:
        return UNKNOWN  # nobody serving, or nothing known: any number would be a guess
    waits = simulated_waits(inp, samples)
    if len(samples) < MIN_HISTORY or len(inp.agents) < MIN_AGENTS:
        return lower_bound(waits)
    seconds = quantile(waits, SAID_QUANTILE)
    return WaitEstimate("about", seconds, said_minutes(seconds))


def said_text(estimate: WaitEstimate) -> str:
    """The sentence for a caller, or "" when nothing should be said."""
    text = estimate.text()
    return _("Forventet ventetid er %(t)s.") % {"t": text} if text else ""
