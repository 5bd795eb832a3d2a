"""Lookahead (rollout) pacing rule for bench/dialer_sim.py: an opt-in experiment (``--policy rollout``), not the
engine's rule.

At each decision the pacer draws ``scenarios`` futures from its OWN learned model (answer rate, the answer delays it
has seen, its lognormal talk fit, its wrap-up) and the live state it is given (free agents, wrap-up left, time on
each call, how long each ringing call has rung): when each busy agent will be free and which ringing calls will be
answered when. No simulation truth is used. In each future, answers take the agent free longest, first come first
served, or are abandoned (no re-freeing inside the horizon: talk + wrap-up outlast it). A future's score is what
its connects are worth (``_worth``; by default the idle time saved against later decisions filling an agent
``horizon`` s after he is free) minus ``lam`` times its abandoned calls. New calls are added one at a time while
the next one's expected gain is positive; that gain is taken in the same futures (common random numbers), with the
new call's own answer integrated out (answer rate x a grid of answer-delay quantiles), and each accepted call is
then drawn into every future. Later decisions are not simulated: the base policy is "no more calls", which is what
progressive pacing would do there (it dials free agents less calls ringing, and in a predictive campaign the calls
ringing outnumber the free agents at 98-99 % of decisions). ``lam`` is adapted like ``Pacer.risk`` (up after an
abandoned call, down a little after a connected one) so that the long-run abandoned share settles at the target;
the headroom brake is kept (``lam`` divided by the brake share, progressive below one call of headroom).
Measured in bench/RESULTS.md (2026-12-06 13:00 UTC section): the same utilisation/abandon frontier as ``Pacer``.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right, insort
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

from outbound.pacing import AgentState, Pacer

_NORMAL = NormalDist()
_DEFAULT_DELAYS = [float(s) for s in range(1, 17)]  # the base pacer's guess (uniform up to 16 s) before any answer


@dataclass
class _Future:
    """One sampled future: when agents are free (sorted, seconds from now) and when answers come (sorted)."""

    free_at: list[float]
    answers: list[float]


@dataclass
class RolloutPacer(Pacer):
    """Pacer whose predictive rule is a Monte Carlo lookahead over its own model (see the module docstring)."""

    lam: float = 300.0  # cost of one abandoned call, in agent-seconds of busy time (adapted)
    lam_step: float = 0.05  # the controller's step (log of lam) per answered call
    horizon: float = 20.0
    scenarios: int = 64
    seed: int = 0
    delay_points: int = 8  # answer-delay quantiles a candidate call's own answer is integrated over
    objective: str = "fill"  # see _worth
    burst: float = 0.0  # extra cost of several abandoned calls in one future: lam x burst x k(k-1)
    exact_below: float = 0.0  # brake share at or below which Pacer's exact rule decides (0: one call of headroom)
    target_share: float = 0.7  # long-run abandoned share aimed at, as a share of the cap
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    @property
    def target(self) -> float:
        return self.abandon_cap * self.target_share

    def _adapt_risk(self, *, abandoned: bool) -> None:
        if abandoned:
            self.lam = min(1e7, self.lam * math.exp(self.lam_step * (1 - self.target)))
        else:
            self.lam = max(1.0, self.lam * math.exp(-self.lam_step * self.target))

    def _predictive(self, agents: AgentState, ringing: Sequence[float]) -> int:
        staffed = agents.free + len(agents.wrapping) + len(agents.talking)
        limit = max(0, staffed * self.max_lines_per_agent - len(ringing))
        brake = self._brake()
        if brake <= self.exact_below:  # near the cap sampled futures miss rare abandons: the exact rule instead
            return super()._predictive(agents, ringing)
        lam = self.lam / brake
        futures = self._futures(agents, ringing)
        p, delays = self.answer_rate(), sorted(self.delays) or _DEFAULT_DELAYS
        grid = [delays[int((k + 0.5) * len(delays) / self.delay_points)] for k in range(self.delay_points)]
        n = 0
        while n < limit and self._gain(futures, lam, p, grid) > 0:
            for future in futures:  # the same n-th new call in every candidate: common random numbers
                if self.rng.random() < p:
                    insort(future.answers, delays[int(self.rng.random() * len(delays))])
            n += 1
        return n

    def _gain(self, futures: list[_Future], lam: float, p: float, grid: list[float]) -> float:
        """Mean change of the score from one more new call, its own answer and delay integrated out (p x the
        answer-delay grid) in each sampled future of the others."""
        total = 0.0
        for future in futures:
            base = self._score(future.free_at, future.answers, lam)
            for delay in grid:
                answers = list(future.answers)
                insort(answers, delay)
                total += self._score(future.free_at, answers, lam) - base
        return p * total / (len(futures) * len(grid))

    def _score(self, free_at: list[float], answers: list[float], lam: float) -> float:
        """Busy time gained (or connects) minus lam x abandoned calls in one future: each answer takes an agent free
        by then, first come first served, or is abandoned."""
        total, connected, j, lost = 0.0, 0, 0, 0
        for at in answers:
            if at > self.horizon:
                break
            while j < len(free_at) and free_at[j] <= at:
                j += 1
            if j > connected:
                connected += 1
                total += self._worth(at, free_at[connected - 1])
            else:
                lost += 1
        return total - lam * (lost + self.burst * lost * (lost - 1))

    def _worth(self, at: float, freed: float) -> float:
        """What connecting an agent (free since `freed`) at `at` is worth: busy time inside the horizon ("busy"), one
        connect ("connects"), or the idle time saved against later decisions filling him `horizon` s after he is
        free ("fill")."""
        if self.objective == "busy":
            return self.horizon - at
        if self.objective == "fill":
            return max(0.0, self.horizon - (at - freed))
        return 1.0

    def _futures(self, agents: AgentState, ringing: Sequence[float]) -> list[_Future]:
        fit, p, delays = self._talk_fit(), self.answer_rate(), sorted(self.delays) or _DEFAULT_DELAYS
        talk = [self._talk_sampler(elapsed, fit) for elapsed in agents.talking]
        calls = [_ring_sampler(rung, p, delays) for rung in ringing]
        rnd, futures = self.rng.random, []
        for _ in range(self.scenarios):
            free_at = [0.0] * agents.free + [left for left in agents.wrapping if left <= self.horizon]
            for sample in talk:
                at = sample(rnd())
                if at <= self.horizon:
                    free_at.append(at)
            answers = [0.0] * agents.waiting
            for sample in calls:
                at = sample(rnd(), rnd())
                if at <= self.horizon:
                    answers.append(at)
            free_at.sort()
            answers.sort()
            futures.append(_Future(free_at=free_at, answers=answers))
        return futures

    def _talk_sampler(self, elapsed: float, fit: tuple[float, float]):  # noqa: ANN202 - a closure
        """u -> when this talking agent is free (talk end + wrap-up), inf if not within the horizon."""
        mu, sigma = fit
        wrap = self.wrapup_seconds
        survive_now = 1 - _NORMAL.cdf((math.log(max(elapsed, 1e-3)) - mu) / sigma)
        last_end = elapsed + self.horizon - wrap
        within = 0.0
        if last_end > elapsed and survive_now > 1e-12:
            within = 1 - (1 - _NORMAL.cdf((math.log(last_end) - mu) / sigma)) / survive_now
        elif survive_now <= 1e-12:
            within = 1.0

        def sample(u: float) -> float:
            if u >= within:
                return math.inf
            level = min(1 - 1e-12, max(1e-12, 1 - (1 - u) * survive_now))
            end = math.exp(mu + sigma * _NORMAL.inv_cdf(level)) if survive_now > 1e-12 else elapsed
            return max(0.0, end - elapsed) + wrap

        return sample


def _ring_sampler(rung: float, p: float, delays: list[float]):  # noqa: ANN202 - a closure
    """(u, v) -> when this ringing call is answered (seconds from now), inf if it will not be."""
    first = bisect_right(delays, rung)
    left = len(delays) - first
    pending = p * left / len(delays)
    answers = pending / (pending + 1 - p) if left else 0.0

    def sample(u: float, v: float) -> float:
        if u >= answers:
            return math.inf
        return delays[first + int(v * left)] - rung

    return sample
