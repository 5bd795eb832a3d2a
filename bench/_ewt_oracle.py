"""An information-relaxed (Bayes) lower bound on the MAE of any wait estimate in bench/ewt_accuracy.py's world.

At each announcement the oracle knows the exact state of the simulated day (every agent's shift, pause plan, the
time the current call was taken, wrap-up end, pause end; every caller ahead and how long each has waited) and the
simulation's true distributions, but not its future random draws (the remaining talk times, the coming talk times,
the patience of the callers ahead). It continues the day from that state by the simulation's own rules many times
and says the median of the caller's remaining wait, each continuation weighted by the chance that the caller is
still there then (only answered callers count; patience is memoryless). No estimate that does not know the future
draws can have a smaller expected absolute error than this one, up to Monte Carlo error.

The continuation is event-driven: while our caller waits the queue is never empty, so an agent takes the head of
the queue the second it is free, back from its pauses and logged in; only those seconds are visited, in the
simulation's order (hang-ups first, then agents by list index). ``check_row`` replays each announcement with the
day's real draws instead: it must give the caller's real wait exactly.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from statistics import NormalDist

NEVER = math.inf
NO_END = 10**9  # a shift end that never comes
STD = NormalDist()


@dataclass(frozen=True)
class AgentState:
    """One agent as the simulation holds it at the announcement."""

    start: int
    end: int
    pauses: tuple[tuple[int, int], ...]
    next_pause: int
    busy_until: int
    took_at: int
    paused_until: int


@dataclass(frozen=True)
class Snapshot:
    t: int
    agents: tuple[AgentState, ...]
    ahead: tuple[tuple[int, int], ...]  # (joined, patience) of the callers ahead; patience only for the check
    talks_before: int  # talk times drawn before the announcement (the check's index into the real draws)
    ours: object
    app: float
    learnt: tuple[float, tuple[float, ...]] | None = None  # what the estimate learns of pauses (share, lengths)


@dataclass(frozen=True)
class Laws:
    """The simulation's true distributions (from bench/ewt_accuracy.py's constants)."""

    talk_median: float
    talk_sigma: float
    wrapup: int
    patience_mean: float


def next_serve(agent: AgentState, free_at: int, nxt: int) -> tuple[float, int]:
    """When an agent whose own activity (call, wrap-up, pause) ends at ``free_at`` next takes a call, with the
    queue never empty: ``start_pauses`` starts a due pause at the first second at or after its time with the agent
    free, and the agent serves only logged in (``start <= s < end``) and back from its pauses. Returns (second or
    NEVER, the next pause's index)."""
    f = free_at
    while True:
        s = max(f, agent.start)
        if nxt < len(agent.pauses) and agent.pauses[nxt][0] <= s:
            f = max(agent.pauses[nxt][0], f) + agent.pauses[nxt][1]
            nxt += 1
            continue
        return (s if s < agent.end else NEVER), nxt


def continue_day(snap: Snapshot, busy: Sequence[int], abandon_at: Sequence[int], handle: Callable[[], int],
                 agents: Sequence[AgentState] | None = None) -> float:
    """One continuation from ``snap``: ``busy`` is each agent's end of call and wrap-up, ``abandon_at`` the second
    each caller ahead hangs up (in queue order), ``handle()`` the seconds from taking the next call to being free
    again (talk in whole seconds and wrap-up). ``agents``: the agents as known (default: the snapshot's). Returns
    our caller's remaining wait (NEVER: no agent left)."""
    agents = snap.agents if agents is None else agents
    heap, nxt = [], []
    for i, (agent, until) in enumerate(zip(agents, busy, strict=True)):
        at, k = next_serve(agent, max(until, agent.paused_until, snap.t + 1), agent.next_pause)  # idle till now
        nxt.append(k)
        if at < NEVER:
            heap.append((at, i))
    heapq.heapify(heap)
    head, n = 0, len(abandon_at)
    while heap:
        s, i = heapq.heappop(heap)
        while head < n and abandon_at[head] <= s:  # hang-ups come first in the second
            head += 1
        if head == n:
            return float(s - snap.t)
        head += 1
        at, nxt[i] = next_serve(agents[i], s + handle(), nxt[i])
        if at < NEVER:
            heapq.heappush(heap, (at, i))
    return NEVER


@dataclass
class Sampler:
    """Draws what the oracle does not know, from the true distributions, given what it knows."""

    laws: Laws
    rng: random.Random

    def handle(self) -> int:
        return int(self.rng.lognormvariate(math.log(self.laws.talk_median), self.laws.talk_sigma)) + self.laws.wrapup

    def away(self, learnt: tuple[float, tuple[float, ...]]) -> int:
        """A pause after a call as the estimator learns it: in the recent share of calls, a recent length."""
        share, times = learnt
        return int(self.rng.choice(times)) if times and self.rng.random() < share else 0

    def handle_learnt(self, learnt: tuple[float, tuple[float, ...]]) -> int:
        return self.handle() + self.away(learnt)

    def busy_learnt(self, snap: Snapshot, cdf: list[float | None]) -> list[int]:
        """``busy`` without the pause plans: a pause going on lasts a recent pause length longer than it has so far
        (the engine knows when it began), and after the current call the agent may pause as learnt."""
        out, learnt = [], snap.learnt or (0.0, ())
        for a, until in zip(snap.agents, self.busy(snap, cdf), strict=True):
            if a.paused_until > snap.t:
                began = a.paused_until - a.pauses[a.next_pause - 1][1]
                longer = [x for x in learnt[1] if x > snap.t - began]
                out.append(began + int(self.rng.choice(longer)) if longer else snap.t + 1)
            else:
                out.append(until + self.away(learnt) if until > snap.t else until)
        return out

    def busy_cdf(self, snap: Snapshot) -> list[float | None]:
        """Per agent: the lognormal CDF at the talk time its call is known to exceed (None: end known)."""
        out: list[float | None] = []
        for a in snap.agents:
            if a.busy_until - snap.t <= self.laws.wrapup:  # free, paused, or in wrap-up: its end is known
                out.append(None)
            else:  # in the call for e s: int(talk) > e, i.e. talk >= e + 1
                e = snap.t - a.took_at
                out.append(STD.cdf((math.log(e + 1) - math.log(self.laws.talk_median)) / self.laws.talk_sigma))
        return out

    def busy(self, snap: Snapshot, cdf: list[float | None]) -> list[int]:
        out = []
        for a, lo in zip(snap.agents, cdf, strict=True):
            if lo is None:
                out.append(a.busy_until)
                continue
            u = min(lo + self.rng.random() * (1 - lo), 1 - 1e-16)
            talk = math.exp(math.log(self.laws.talk_median) + self.laws.talk_sigma * STD.inv_cdf(u))
            out.append(a.took_at + max(int(talk), snap.t - a.took_at + 1) + self.laws.wrapup)
        return out

    def abandon_at(self, snap: Snapshot) -> list[int]:
        """Patience as make_callers draws it (``max(5, int(expovariate))``), given the caller is still there
        (patience > waited; beyond 5 s the whole seconds of an exponential are memoryless)."""
        out = []
        for joined, _patience in snap.ahead:
            waited, draw = snap.t - joined, int(self.rng.expovariate(1 / self.laws.patience_mean))
            out.append(joined + (max(5, draw) if waited < 5 else waited + 1 + draw))
        return out


def weighted_median(waits: Sequence[float], patience_mean: float, app: float) -> tuple[float, float, float]:
    """The median of the waits, each weighted by the chance the caller stays that long (exp(-W / mean)), the
    expected absolute error of that median under the same weights (the oracle's own) and that of ``app``."""
    pairs = sorted((w, math.exp(-w / patience_mean)) for w in waits if w < NEVER)
    total = sum(p for _w, p in pairs)
    if total <= 0:
        return NEVER, NEVER, NEVER
    acc, median = 0.0, pairs[-1][0]
    for w, p in pairs:
        acc += p
        if acc >= total / 2:
            median = w
            break
    return (median, sum(p * abs(w - median) for w, p in pairs) / total,
            sum(p * abs(w - app) for w, p in pairs) / total)


def mid_rank(waits: Sequence[float], actual: float, laws: Laws) -> float:
    """The weighted share of continuations shorter than the actual wait, half of those equal to it: 0.5 on average
    when the oracle's distributions are right (a calibration check of the sampling, not only of the replay)."""
    pairs = [(w, math.exp(-w / laws.patience_mean)) for w in waits if w < NEVER]
    total = sum(p for _w, p in pairs)
    below = sum(p for w, p in pairs if w < actual) + sum(p for w, p in pairs if w == actual) / 2
    return below / total if total > 0 else 0.5


@dataclass
class Oracle:
    """Hooks for bench/ewt_accuracy.py's World: ``seen`` at each announcement, ``answered`` at each answer. At an
    answer it runs the bound on each of the caller's announcements and the exact check with the day's real draws.
    ``rows``: (ours said a number, ours' seconds, app_queue's, actual, weighted median, plain median (of the
    continuations in which the caller is answered at all), expected |error|, app_queue's expected |error|, where
    the actual wait falls in the weighted continuations (``mid_rank``))."""

    laws: Laws
    samples: int
    seed: int
    learnt_pauses: bool = False  # the oracle without the pause plans (learns them as the estimate does)
    no_logouts: bool = False  # the oracle without today's logouts to come (as the estimate: agents stay)
    talks: list[int] = field(default_factory=list)
    pending: dict = field(default_factory=dict)  # id(caller) -> (caller, [Snapshot])
    rows: list[tuple] = field(default_factory=list)
    checked: int = 0
    agreed: int = 0

    def __post_init__(self) -> None:
        self.sampler = Sampler(self.laws, random.Random(self.seed))

    def seen(self, world: object, t: int, pos: int, caller: object) -> None:
        agents = tuple(AgentState(a.start, a.end, tuple(a.pauses), a.next_pause, a.busy_until, a.took_at,
                                  a.paused_until) for a in world.agents)  # type: ignore[attr-defined]
        ahead = tuple((c.joined, c.patience) for c in world.waiting[:pos - 1])  # type: ignore[attr-defined]
        _t, ours, app, _said = caller.announcements[-1]  # type: ignore[attr-defined]
        learnt = None
        if self.learnt_pauses:
            calls = world.after_calls  # type: ignore[attr-defined]
            learnt = (sum(calls) / len(calls) if calls else 0.0, tuple(world.away_times))  # type: ignore[attr-defined]
        snap = Snapshot(t, agents, ahead, len(self.talks), ours, app, learnt)
        self.pending.setdefault(id(caller), (caller, []))[1].append(snap)

    def answered(self, t: int, caller: object, talk: float) -> None:
        self.talks.append(int(talk))
        for snap in self.pending.pop(id(caller), (None, []))[1]:
            actual = float(t - snap.t)
            self.check(snap, actual)
            waits = self.waits(snap)
            median, expected_error, app_error = weighted_median(waits, self.laws.patience_mean, snap.app)
            served = sorted(w for w in waits if w < NEVER)  # the continuations in which our caller is answered
            plain = served[len(served) // 2] if served else NEVER
            about = snap.ours.kind == "about"  # type: ignore[attr-defined]
            self.rows.append((about, snap.ours.seconds if about else None, snap.app, actual,  # type: ignore[attr-defined]
                              median, plain, expected_error, app_error, mid_rank(waits, actual, self.laws)))

    def waits(self, snap: Snapshot) -> list[float]:
        sampler, cdf = self.sampler, self.sampler.busy_cdf(snap)
        agents = list(snap.agents)
        if self.no_logouts:  # logged in agents stay (those who have logged out are known to be gone)
            agents = [replace(a, end=NO_END) if a.end > snap.t else a for a in agents]
        if not self.learnt_pauses:
            return [continue_day(snap, sampler.busy(snap, cdf), sampler.abandon_at(snap), sampler.handle, agents)
                    for _i in range(self.samples)]
        agents = [replace(a, pauses=(), next_pause=0, paused_until=-1) for a in agents]
        learnt = snap.learnt or (0.0, ())
        return [continue_day(snap, sampler.busy_learnt(snap, cdf), sampler.abandon_at(snap),
                             lambda: sampler.handle_learnt(learnt), agents) for _i in range(self.samples)]

    def check(self, snap: Snapshot, actual: float) -> None:
        """The continuation with the day's real draws must give the caller's real wait."""
        real = iter(self.talks[snap.talks_before:])
        wait = continue_day(snap, [a.busy_until for a in snap.agents], [j + p for j, p in snap.ahead],
                            lambda: next(real) + self.laws.wrapup)
        self.checked += 1
        self.agreed += wait == actual


def mae(pairs: Sequence[tuple[float, float]]) -> float:
    return sum(abs(e - a) for e, a in pairs) / len(pairs)


def gamed(rows: Sequence[tuple], k: int) -> list[tuple]:
    """The ``k`` announcements that minimise the oracle's expected MAE over app_queue's expected MAE (Dinkelbach:
    sort by expected error minus ratio × app_queue's expected error until the ratio settles)."""
    ratio, chosen = 0.0, list(rows)
    for _round in range(20):
        chosen = sorted(rows, key=lambda r: r[6] - ratio * r[7])[:k]
        new = sum(r[6] for r in chosen) / sum(r[7] for r in chosen)
        if abs(new - ratio) < 1e-9:
            break
        ratio = new
    return chosen


def part_figures(name: str, part: Sequence[tuple]) -> dict:
    part = [r for r in part if r[4] < NEVER]
    bound, app = mae([(r[4], r[3]) for r in part]), mae([(r[2], r[3]) for r in part])
    return {f"{name}_n": len(part), f"{name}_bound_mae_s": round(bound, 1),
            f"{name}_plain_median_mae_s": round(mae([(r[5], r[3]) for r in part]), 1),
            f"{name}_app_queue_mae_s": round(app, 1), f"{name}_bound_ratio": round(bound / app, 3)}


def bound_summary(oracles: Sequence[Oracle]) -> dict:
    """The bound against app_queue's MAE on (a) the announcements where ours said a number, (b) all announcements
    of answered callers, (c) the share of (b) the size of (a) where the oracle expects its smallest errors, (d) the
    same share chosen to minimise the oracle's expected ratio to app_queue's; and day by day on (a), with ours."""
    rows = [r for o in oracles for r in o.rows]
    said = [r for r in rows if r[0]]
    finite = [r for r in rows if r[4] < NEVER]
    chosen = sorted(finite, key=lambda r: r[6])[:len(said)]
    out: dict = {"bound_samples": oracles[0].samples, "replay_check": f"{sum(o.agreed for o in oracles)}/"
                 f"{sum(o.checked for o in oracles)}", "bound_no_wait": len(rows) - len(finite)}
    for name, part in (("said", said), ("all", rows), ("chosen", chosen), ("gamed", gamed(finite, len(said)))):
        out |= part_figures(name, part)
    out["said_ours_mae_s"] = round(mae([(r[1], r[3]) for r in said]), 1)
    out["bound_mean_mid_rank"] = round(sum(r[8] for r in rows) / len(rows), 3)
    days = [[r for r in o.rows if r[0] and r[4] < NEVER] for o in oracles]
    out["said_bound_ratio_by_day"] = [round(mae([(r[4], r[3]) for r in d]) / mae([(r[2], r[3]) for r in d]), 3)
                                      for d in days]
    out["said_ours_ratio_by_day"] = [round(mae([(r[1], r[3]) for r in d]) / mae([(r[2], r[3]) for r in d]), 3)
                                     for d in days]
    return out
