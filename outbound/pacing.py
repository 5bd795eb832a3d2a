"""How many calls a dialer campaign places now: progressive (one call per free agent) or predictive (paced from
the live agent state, the answer rate and the handling time, with a hard cap on abandoned calls).

Pure and time-free: the caller (the engine's dialer feature, or ``bench/dialer_sim.py``) gives the live figures
and gets back how many new calls to start. The same code runs in the simulation and for real.

Predictive pacing: an answered call needs an agent about one ring time after it is dialled. Agents who are free
now or finish wrap-up within a ring time will be free; each dialled call is answered with probability p (rolling
answer rate). So we dial ``ceil(expected_free * aggressiveness / p) - calls_ringing``. ``aggressiveness`` rises
while the rolling abandon rate (answered calls with no free agent) is well under the cap and falls when it nears
it; at or over the cap the campaign dials progressively until the window is back under it. A callee answered
with no free agent hears the campaign's message (never silence) and is counted as abandoned.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AgentState:
    free: int  # logged in, not paused, not on a call
    wrapping: int  # in wrap-up: free within a few seconds
    talking: int


@dataclass
class Pacer:
    mode: str  # "progressive" | "predictive" | "preview"
    abandon_cap: float = 0.03
    window: int = 300  # answered calls in the rolling abandon window
    aggressiveness: float = 0.6  # share of the expected free agents' answer-rate-scaled lines to dial
    max_aggressiveness: float = 2.5
    answered: deque = field(default_factory=deque)  # True = abandoned, for the last `window` answered calls
    attempts: deque = field(default_factory=deque)  # True = answered, last `window * 3` attempts
    handle_seconds: float = 120.0  # rolling mean talk + wrap-up
    answer_delay: float = 8.0  # rolling mean seconds from dial to answer

    def record_attempt(self, *, answered: bool, abandoned: bool = False, delay: float | None = None) -> None:
        self.attempts.append(answered)
        while len(self.attempts) > self.window * 3:
            self.attempts.popleft()
        if answered:
            if delay is not None:
                self.answer_delay += (delay - self.answer_delay) * 0.05
            self.answered.append(abandoned)
            while len(self.answered) > self.window:
                self.answered.popleft()
            self._adapt(abandoned)

    def record_handled(self, *, seconds: float) -> None:
        self.handle_seconds += (seconds - self.handle_seconds) * 0.05

    def _adapt(self, abandoned: bool) -> None:
        rate = self.abandon_rate()
        floor = self.answer_rate()  # at this aggressiveness predictive dials like progressive
        if abandoned and rate > self.abandon_cap * 0.5:
            self.aggressiveness = max(floor, self.aggressiveness * 0.8)
        elif not abandoned and rate < self.abandon_cap * 0.6:
            self.aggressiveness = min(self.max_aggressiveness, self.aggressiveness + 0.01)

    def abandon_rate(self) -> float:
        """Abandoned / answered over the rolling window (counted over at least 100 calls, so the first abandoned
        call of a campaign does not read as a 100 % rate)."""
        return sum(self.answered) / max(len(self.answered), 100)

    def answer_rate(self) -> float:
        if len(self.attempts) < 20:
            return 0.5  # a careful guess until the campaign has its own figures
        return max(0.05, sum(self.attempts) / len(self.attempts))

    def calls_to_place(self, *, agents: AgentState, ringing: int) -> int:
        """New calls to start now, given the agents and the calls already ringing (dialled, not yet answered)."""
        if self.mode == "preview":
            return 0  # the agent dials from the preview
        if self.mode == "progressive" or self.abandon_rate() >= self.abandon_cap:
            return max(0, agents.free - ringing)
        soon = agents.talking * min(1.0, self.answer_delay / max(self.handle_seconds, 1.0))
        expected_free = agents.free + agents.wrapping + soon
        target = math.floor(expected_free * self.aggressiveness / self.answer_rate())
        return max(0, target - ringing)
