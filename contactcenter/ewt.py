"""Honest estimated wait (EWT): a pure estimator, no database, no Asterisk.

The wait of the caller at place ``position`` is the time until the agents who can take the call (logged in, not
paused, with every skill the caller needs) have served everyone ahead of this caller. It is found by replaying the
near future ``RUNS`` times, seeded:

* each busy agent's remaining time is drawn among the recent calls that lasted longer than this one has so far
  (handling times are long-tailed); the recent handling times count the calls going on now too (Kaplan–Meier), or
  they are too short while calls pile up;
* after each call the agent goes away (a break, lunch, logging out) in the share of recent calls after which agents
  did, for a drawn recent pause length;
* each caller ahead hangs up after a drawn patience, at the rate observed recently.

What is said is the median replay, raised until the wait stays within 1.5 × the number in ``KEPT_PROMISE`` of the
replays. It is the remaining wait from now: nothing is subtracted for time the caller has not waited. It is said as
"omtrent N minutter" only when it is reliable; with few agents, too little history, nobody serving or agents who may
all be gone, it is either a lower bound ("mer enn N minutter") or nothing at all, never a number that is likely wrong.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MIN_HISTORY = 20  # handling times needed before a number is said
MIN_TAIL = 5  # samples longer than the elapsed time needed for a residual from data
MIN_AGENTS = 2  # with fewer serving agents only a lower bound is said
LOWER_QUANTILE = 0.2  # the lower bound ("mer enn") is exceeded in 4 of 5 replays
MEDIAN = 0.5  # the median replay: the number that is off by the least, on average
KEPT_PROMISE = 0.97  # ... raised until 97 of 100 replays end within 1.5 × what is said (calibrated on other
#                     simulated days than the ones measured: docs/ventetid.md)
PROMISE_SLACK = 1.5  # "underpromised": the caller waited more than 1.5 × what was said
RUNS = 101  # replays of the near future per estimate
SEED = 10  # replays are seeded: the same situation always gives the same answer


@dataclass(frozen=True)
class AgentLoad:
    """One agent who can take the call. ``busy_for``: seconds since the agent took the current call (talk and
    wrap-up so far); None when free now. ``free_in``: when the agent is known to be free (in wrap-up, which has a
    fixed length), seconds from now; it wins over ``busy_for``."""

    busy_for: float | None = None
    free_in: float | None = None
    skills: frozenset[str] | None = None  # the agent's skills; None: not known (counts for every caller)


@dataclass(frozen=True)
class WaitInput:
    position: int  # 1: next in line (among callers needing the same skill)
    agents: Sequence[AgentLoad]  # logged in, not paused, with the skill
    handle_times: Sequence[float]  # recent handling times (answer to free, with wrap-up), seconds
    abandon_rate: float = 0.0  # recent callers who hung up in the queue per second waited (all callers' waits)
    away_share: float = 0.0  # recent calls after which the agent paused or logged out instead of taking the next
    away_times: Sequence[float] = ()  # how long those recent pauses lasted, seconds (math.inf: logged out)
    required: frozenset[str] = frozenset()  # skills the caller needs: only agents with all of them count
    logins: Sequence[tuple[float, float]] = ()  # agents expected to log in: (seconds from now, expected number),
    #                                             the usual logins at this time of day (``expected_logins``)


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


@dataclass(frozen=True)
class Handling:
    """The handling times to draw from: the recent calls, each weighted so that the calls going on now count too
    (Kaplan–Meier, by redistributing to the right: a call that has lasted 6 minutes so far will last longer than
    the recent calls shorter than that, so its share goes to the longer ones). Without it the recent history is
    too short while calls pile up (the long calls of the last half hour have not ended yet)."""

    values: tuple[float, ...]  # sorted
    cum_weights: tuple[float, ...]
    mean: float

    @classmethod
    def of(cls, samples: Sequence[float], running: Sequence[float] = ()) -> Handling:
        items = sorted([(t, 0) for t in samples] + [(t, 1) for t in running])  # at a tie the ended call first
        mass = [1.0] * len(items)
        for i, (_t, going_on) in enumerate(items):  # a running call's share goes to the longer ones, in proportion
            right = sum(mass[i + 1:])
            if going_on and right:
                grow = 1 + mass[i] / right
                mass[i + 1:] = [m * grow for m in mass[i + 1:]]
                mass[i] = 0.0
        kept = [(t, m) for (t, _g), m in zip(items, mass, strict=True) if m]  # what no longer call took stays put
        values, weights = [t for t, _m in kept], [m for _t, m in kept]
        total = sum(weights)
        cum = tuple(itertools.accumulate(w / total for w in weights))
        mean = sum(v * w for v, w in zip(values, weights, strict=True)) / total
        return cls(tuple(values), cum, mean)

    def draw(self, rng: random.Random) -> float:
        return rng.choices(self.values, cum_weights=self.cum_weights)[0]

    def remaining(self, rng: random.Random, elapsed: float) -> float:
        """What is left of a call that has lasted ``elapsed`` seconds: a recent call that lasted longer, minus
        ``elapsed``. A call longer than nearly all recent ones could end any moment, or not: then a spread up to
        half the mean."""
        first = bisect.bisect_right(self.values, elapsed)
        if len(self.values) - first < MIN_TAIL:
            return self.mean * rng.randint(1, 5) / 10
        below = self.cum_weights[first - 1] if first else 0.0
        pick = below + rng.random() * (self.cum_weights[-1] - below)
        i = min(bisect.bisect_left(self.cum_weights, pick, lo=first), len(self.values) - 1)
        return self.values[i] - elapsed


@dataclass
class Draws:
    """The seeded random draws of one estimate: a coming call's handling time, a caller's patience, and whether an
    agent who just finished a call goes away (a break, lunch, logging out) and for how long."""

    rng: random.Random
    handling_times: Handling
    abandon_rate: float = 0.0
    away_share: float = 0.0
    away_times: Sequence[float] = ()

    def handling(self) -> float:
        return self.handling_times.draw(self.rng)

    def patience(self) -> float:
        return self.rng.expovariate(self.abandon_rate) if self.abandon_rate > 0 else math.inf

    def away(self) -> float:
        """Seconds the agent is away after the call that just ended (0: takes the next call)."""
        if self.away_share <= 0 or not self.away_times or self.rng.random() >= self.away_share:
            return 0.0
        return self.rng.choice(self.away_times)


def arrivals(logins: Sequence[tuple[float, float]], rng: random.Random) -> list[float]:
    """When agents log in, in one replay: at each expected time its whole number of agents, and one more with the
    chance of what is left (1.4 expected agents: one, and a second in 4 of 10 replays)."""
    out = []
    for at, expected in logins:
        if at < 0 or expected <= 0:
            continue
        whole = int(expected)
        out += [float(at)] * (whole + (rng.random() < expected - whole))
    return out


def replay(first_free: list[float], ahead: int, draws: Draws) -> float:
    """One replay: agents free at ``first_free``, every call then taking a drawn handling time, after which the
    agent may go away for a drawn time; each of the ``ahead`` callers before ours hangs up after a drawn patience
    unless their turn came first. Returns when our caller's turn comes (math.inf: no agent is left)."""
    heap = [t for t in first_free if t < math.inf]
    heapq.heapify(heap)
    ahead_of_us = [draws.patience() for _c in range(ahead)]  # in queue order: when each would hang up
    while heap:
        t = heapq.heappop(heap)
        ahead_of_us = [p for p in ahead_of_us if p >= t]  # those who gave up by now are gone
        if not ahead_of_us:
            return t
        ahead_of_us.pop(0)  # the head is served
        heapq.heappush(heap, t + draws.handling() + draws.away())
    return math.inf


def can_serve(agent: AgentLoad, required: frozenset[str]) -> bool:
    return not required or agent.skills is None or required <= agent.skills


def simulated_waits(inp: WaitInput, samples: Sequence[float], runs: int = RUNS) -> list[float]:
    """The caller's wait in ``runs`` replays of the near future, each drawing the busy agents' remaining times
    (and whether they go away after the current call), the coming calls' handling times from recent history, and
    which callers ahead hang up. Seeded: the same input gives the same answer."""
    rng = random.Random(SEED)
    handling = Handling.of(samples, [a.busy_for for a in inp.agents if a.busy_for is not None and a.free_in is None])
    agents = [a for a in inp.agents if can_serve(a, inp.required)]
    draws = Draws(rng, handling, inp.abandon_rate, inp.away_share, [t for t in inp.away_times if t >= 0])
    waits = []
    for _run in range(runs):
        first = [0.0 if a.busy_for is None and a.free_in is None
                 else (a.free_in if a.free_in is not None else handling.remaining(rng, a.busy_for or 0.0)) + draws.away()
                 for a in agents]
        waits.append(replay(first + arrivals(inp.logins, rng), inp.position - 1, draws))
    return sorted(waits)


def expected_logins(history: Sequence[Sequence[float]], today: Sequence[float], now: float, *,
                    horizon: float = 3600.0, step: float = 300.0) -> list[tuple[float, float]]:
    """The agents usually still to log in over the next ``horizon`` seconds, per ``step``: (seconds from now to the
    middle of the step, expected number). ``history``: per earlier day (the same weekday of the last weeks), the
    times of day (seconds since midnight) its agents logged in; ``today``: today's logins so far; ``now``: the time
    of day. What is expected by a time is the days' mean number of logins up to it, less what has happened today,
    and never less than the usual number by now: agents who came early today are not counted twice, agents who are
    late or away today are not promised."""
    if not history:
        return []

    def usual(t: float) -> float:
        return sum(sum(1 for x in day if x < t) for day in history) / len(history)

    done = max(float(sum(1 for x in today if x < now)), usual(now))
    out, before, at = [], 0.0, 0.0
    while at < horizon:
        nxt = min(at + step, horizon)
        due = max(usual(now + nxt) - done, 0.0)
        if due > before:
            out.append(((at + nxt) / 2, round(due - before, 3)))
            before = due
        at = nxt
    return out


def hang_up_rate(exits: Sequence[tuple[float, bool]], waiting_for: Sequence[float] = ()) -> float:
    """How often callers hang up in the queue, per second waited: recent callers who hung up, divided by all the
    time recent callers waited, including the time the callers still waiting have waited so far (leaving them out
    overstates the rate while a queue builds up, when the long waits are still going on).
    ``exits``: (seconds waited, hung up) of recent callers who left the queue."""
    gave_up = sum(1 for _w, hung_up in exits if hung_up)
    waited = sum(w for w, _h in exits) + sum(waiting_for)
    return gave_up / waited if waited > 0 else 0.0


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
    minutes = int(min(bound, 24 * 3600) // 60)
    if minutes < 1:
        return UNKNOWN
    return WaitEstimate("more_than", bound, minutes)


def said_seconds(waits: Sequence[float]) -> float:
    """The number to say: the median replay, raised so that in ``KEPT_PROMISE`` of the replays the wait stays
    within ``PROMISE_SLACK`` × that number (a wide spread is said higher rather than broken)."""
    return max(quantile(waits, MEDIAN), quantile(waits, KEPT_PROMISE) / PROMISE_SLACK)


def estimate_wait(inp: WaitInput) -> WaitEstimate:
    """The wait to announce to the caller at ``inp.position``, from now."""
    samples = [float(t) for t in inp.handle_times if t and t > 0]
    agents = [a for a in inp.agents if can_serve(a, inp.required)]
    if inp.position < 1 or not agents or not samples:
        return UNKNOWN  # nobody serving, or nothing known: any number would be a guess
    waits = simulated_waits(inp, samples)
    seconds = said_seconds(waits)
    if len(samples) < MIN_HISTORY or len(agents) < MIN_AGENTS or seconds == math.inf:
        return lower_bound(waits)
    return WaitEstimate("about", seconds, said_minutes(seconds))


def said_text(estimate: WaitEstimate) -> str:
    """The sentence for a caller, or "" when nothing should be said."""
    text = estimate.text()
    return _("Forventet ventetid er %(t)s.") % {"t": text} if text else ""
