"""How many calls a dialer campaign places now: progressive (one call per free agent) or predictive (paced from
the live agent state, the answer rate and the handling time, with a hard cap on abandoned calls).

Pure and time-free: the caller (the engine's dialer feature, or ``bench/dialer_sim.py``) gives the live figures
and gets back how many new calls to start. The same code runs in the simulation and for real.

Predictive pacing looks one answer delay ahead (the measured mean time from dial to answer):

* supply: agents free now, plus each agent in wrap-up whose wrap-up ends within that time, plus each talking
  agent with the probability that the call ends (and its wrap-up with it) within that time, given how long the
  call has lasted already. Talk times are fitted as lognormal from the campaign's own handled calls (the usual
  shape of call-centre talk times), so a call at 5 minutes is far likelier to end soon than one at 30 seconds.
* demand: each ringing call with the probability that it will still be answered given how long it has rung
  (from the measured answer rate and the empirical answer-delay distribution), plus p for each new call.

Supply and demand are independent sums of Bernoulli variables; their exact distributions are convolved, and the
pacer dials the largest number of new calls whose expected excess (answered calls with no free agent) stays
within ``risk``. ``risk`` is a feedback controller on the campaign's own abandon outcomes: every abandoned call
cuts it by a factor, every connected call raises it a little, so that the long-run abandoned share settles at
``target`` (70 % of the cap). The steps are small: utilisation gains little from more abandoned calls (the
frontier is flat, see bench/RESULTS.md), so a steady risk beats one that swings after every abandoned call.
A callee answered with no free agent hears the campaign's message (never silence) and is counted as abandoned.

The cap is a hard brake on the rolling window's *headroom* (abandoned calls the window can still take and stay
at or under the cap): with less than one abandoned call of headroom the campaign dials progressively (one call
per free agent, less the calls already ringing: no new call can be abandoned), and over the last ``reserve``
calls of headroom the allowed risk shrinks linearly to nothing (at one call of headroom it dials ahead only for
agents certain to be free before any answer can come, such as wrap-up ending sooner than the shortest answer).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

MODES = ("preview", "progressive", "predictive")


@dataclass(frozen=True)
class AgentState:
    free: int  # logged in, not paused, not on a call
    waiting: int = 0  # answered callees waiting in the campaign's queue (at most the grace time) for an agent
    wrapping: tuple[float, ...] = ()  # seconds of wrap-up left, one per agent in wrap-up
    talking: tuple[float, ...] = ()  # seconds on the call so far, one per talking agent


def _bernoulli_sum(probs: Sequence[float]) -> list[float]:
    """Distribution of the number of successes of independent Bernoulli trials (Poisson-binomial)."""
    pmf = [1.0]
    for p in probs:
        nxt = [0.0] * (len(pmf) + 1)
        for k, v in enumerate(pmf):
            nxt[k] += v * (1 - p)
            nxt[k + 1] += v * p
        pmf = nxt
    return pmf


def _add_bernoulli(pmf: list[float], p: float) -> list[float]:
    out = [0.0] * (len(pmf) + 1)
    for k, v in enumerate(pmf):
        out[k] += v * (1 - p)
        out[k + 1] += v * p
    return out


def _expected_excess(demand: list[float], supply: list[float], offset: int) -> float:
    """E[(D - (offset + S))+] for independent D and S given as distributions."""
    total = 0.0
    for d, pd in enumerate(demand):
        if pd < 1e-12 or d <= offset:
            continue
        for s, ps in enumerate(supply):
            if d - offset - s <= 0:
                break
            total += pd * ps * (d - offset - s)
    return total


@dataclass
class _Check:
    """One moment ahead: answers due by then (distribution), agents free by then, P(a new call answered by then)."""

    demand: list[float]
    supply: list[float]
    new_call: float


def _normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


@dataclass
class Pacer:
    """One campaign's pacing state: what it has learned (answers, delays, talk times) and its abandon window."""

    mode: str  # "progressive" | "predictive" | "preview"
    abandon_cap: float = 0.03
    window: int = 300  # answered calls in the rolling abandon window
    risk: float = 0.015  # allowed expected abandoned calls per dialling decision (adapted)
    max_risk: float = 1.0
    max_lines_per_agent: int = 6
    answered: deque = field(default_factory=deque)  # True = abandoned, for the last `window` answered calls
    attempts: deque = field(default_factory=deque)  # True = answered, last `window * 3` attempts
    delays: deque = field(default_factory=lambda: deque(maxlen=200))  # seconds from dial to answer
    log_talk: deque = field(default_factory=lambda: deque(maxlen=500))  # ln(talk seconds) of handled calls
    wrapup_seconds: float = 10.0  # rolling mean wrap-up
    grace_seconds: float = 0.0  # an answered callee waits this long in the queue for an agent before the message
    reserve: float = 3.0  # abandoned calls of headroom over which the allowed risk shrinks to nothing
    step: float = 0.05  # the controller's step (log of risk) per answered call: slow, so the risk stays steady
    adaptive: bool = True  # False: `risk` stays as set and the cap brake is off (bench frontier experiments only)

    @property
    def target(self) -> float:
        return self.abandon_cap * 0.7

    def record_attempt(self, *, answered: bool, abandoned: bool = False, delay: float | None = None) -> None:
        self.attempts.append(answered)
        while len(self.attempts) > self.window * 3:
            self.attempts.popleft()
        if not answered:
            return
        if delay is not None:
            self.delays.append(delay)
        self.answered.append(abandoned)
        while len(self.answered) > self.window:
            self.answered.popleft()
        if self.adaptive:
            self._adapt_risk(abandoned=abandoned)

    def _adapt_risk(self, *, abandoned: bool) -> None:
        """Stochastic approximation: the abandoned share settles where down-steps and up-steps balance (= target)."""
        if abandoned:
            self.risk = max(0.002, self.risk * math.exp(-self.step * (1 - self.target)))
        else:
            self.risk = min(self.max_risk, self.risk * math.exp(self.step * self.target))

    def record_handled(self, *, talk_seconds: float, wrapup_seconds: float | None = None) -> None:
        self.log_talk.append(math.log(max(talk_seconds, 1.0)))
        if wrapup_seconds is not None:
            self.wrapup_seconds += (wrapup_seconds - self.wrapup_seconds) * 0.05

    def abandon_rate(self) -> float:
        """Abandoned / answered over the rolling window (counted over at least 100 calls, so the first abandoned
        call of a campaign does not read as a 100 % rate)."""
        return sum(self.answered) / max(len(self.answered), 100)

    def headroom(self) -> float:
        """Abandoned calls the rolling window can still take and stay at or under the cap (same counting)."""
        return self.abandon_cap * max(len(self.answered), 100) - sum(self.answered)

    def _brake(self) -> float:
        """Share of `risk` allowed now: 1 with `reserve` + 1 abandoned calls of headroom or more, 0 at one (then only
        calls that cannot be abandoned by the model: agents certain to be free before any answer can come)."""
        if not self.adaptive:
            return 1.0
        return min(1.0, max(0.0, (self.headroom() - 1) / self.reserve))

    def answer_rate(self) -> float:
        if len(self.attempts) < 20:
            return 0.5  # a careful guess until the campaign has its own figures
        return max(0.05, sum(self.attempts) / len(self.attempts))

    def answer_delay(self) -> float:
        return sum(self.delays) / len(self.delays) if self.delays else 8.0

    def _talk_fit(self) -> tuple[float, float]:
        if len(self.log_talk) < 10:
            return math.log(120.0), 0.6
        mu = sum(self.log_talk) / len(self.log_talk)
        var = sum((x - mu) ** 2 for x in self.log_talk) / (len(self.log_talk) - 1)
        return mu, max(math.sqrt(var), 0.05)

    def _ends_within(self, elapsed: float, horizon: float, fit: tuple[float, float]) -> float:
        """P(a call that has lasted `elapsed` s ends, wrap-up included, within `horizon` s), lognormal talk."""
        mu, sigma = fit
        end = elapsed + horizon - self.wrapup_seconds
        if end <= elapsed:
            return 0.0
        survive_now = 1 - _normal_cdf((math.log(max(elapsed, 1e-3)) - mu) / sigma)
        survive_end = 1 - _normal_cdf((math.log(end) - mu) / sigma)
        return 1.0 if survive_now < 1e-12 else max(0.0, 1 - survive_end / survive_now)

    def _delay_cdf(self, t: float) -> float:
        if not self.delays:
            return min(1.0, t / 16.0)
        return sum(1 for d in self.delays if d <= t) / len(self.delays)

    def _answers_within(self, rung: float, tau: float, p: float) -> float:
        """P(a call that has rung `rung` s without answer is answered within the next `tau` s)."""
        before, by = self._delay_cdf(rung), self._delay_cdf(rung + tau)
        still = p * (1 - before) + (1 - p)
        return p * (by - before) / still if still > 0 else 0.0

    def _checkpoints(self) -> list[float]:
        """Moments ahead (quantiles of the answer delay) at which answers and free agents are compared."""
        if not self.delays:
            return [4.0, 8.0, 12.0, 16.0]
        ordered = sorted(self.delays)
        return sorted({ordered[min(len(ordered) - 1, int(q * len(ordered)))] for q in (0.2, 0.4, 0.6, 0.8, 0.99)})

    def calls_to_place(self, *, agents: AgentState, ringing: Sequence[float]) -> int:
        """New calls to start now, given the agents and the calls already ringing (seconds each has rung)."""
        if self.mode == "preview":
            return 0  # the agent dials from the preview
        progressive = max(0, agents.free - len(ringing))
        if self.mode == "progressive" or (self.adaptive and self.headroom() < 1):
            return progressive  # hard brake: one more abandoned call would take the window over the cap
        return max(progressive, self._predictive(agents, ringing))

    def _predictive(self, agents: AgentState, ringing: Sequence[float]) -> int:
        """The most new calls whose expected excess at every checkpoint stays within the (braked) risk."""
        checks = self._checks(agents, ringing)
        staffed = agents.free + len(agents.wrapping) + len(agents.talking)
        limit = max(0, staffed * self.max_lines_per_agent - len(ringing))
        risk = self.risk * self._brake()  # shrinks as the window's headroom runs out
        n = 0
        while n < limit:
            trials = [_add_bernoulli(check.demand, check.new_call) for check in checks]
            if max(_expected_excess(t, c.supply, agents.free) for t, c in zip(trials, checks, strict=True)) > risk:
                break
            for check, trial in zip(checks, trials, strict=True):
                check.demand = trial
            n += 1
        return n

    def _checks(self, agents: AgentState, ringing: Sequence[float]) -> list[_Check]:
        """Answers (callees waiting + ringing calls) and agents freeing by each checkpoint, as distributions."""
        p, fit = self.answer_rate(), self._talk_fit()
        checks = []
        for tau in self._checkpoints():
            reach = tau + self.grace_seconds
            soon = [1.0 if left <= reach else 0.0 for left in agents.wrapping]
            soon += [self._ends_within(e, reach, fit) for e in agents.talking]
            demand = [0.0] * agents.waiting + _bernoulli_sum([self._answers_within(r, tau, p) for r in ringing])
            checks.append(_Check(demand=demand, supply=_bernoulli_sum(soon), new_call=p * self._delay_cdf(tau)))
        return checks
