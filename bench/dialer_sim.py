"""Simulated dialer campaign through the platform's own pacing code (outbound.pacing.Pacer), progressive and
predictive: 5,000 numbers, 30 % answer, lognormal talk times, 10 agents. Discrete events, no telephony.

Agents are tracked one by one (wrap-up left, time on the call) as the engine sees them from the queue; the
pacer decides after every event (answer, no answer, hang-up, agent free), as the engine does on AMI events.
``--grace`` lets an answered callee wait that many seconds in the queue before the message (0 = the strict
definition: answered with no agent free is abandoned).

Experiments, not the goal's figures: ``--oracle-agents`` tells the pacer each busy agent's exact free time (the
future: when the call will end), ``--tick S`` also asks the pacer every S seconds (an engine timer),
``--fixed-risk R`` turns the pacer's controller and cap brake off (one point of its utilisation/abandon frontier),
``--oracle-answers`` tells the pacer which numbers will answer (not when): each call it asks for is the next number
that will answer, the numbers before it are dialled at the same time and hidden from it.
``--policy rollout`` replaces the predictive rule by the Monte Carlo lookahead of bench/dialer_rollout.py (with
``--fixed-risk`` then a fixed cost of an abandoned call, no controller, no brake). ``decision_ms_predictive`` is the
mean wall time of one predictive decision.

Per call: an answered callee picks up after 4-12 s of ringing; an unanswered call gives up after 30 s. Talk time
is lognormal (median 90 s, sigma 0.5), then 10 s wrap-up. An answered callee with no free agent is abandoned (hears
the campaign's message). Agent utilisation = time agents spend talking or in wrap-up / (agents x campaign time).
Prints agent_utilisation_progressive, agent_utilisation_predictive, utilisation_gain and abandon_rate
(predictive, whole campaign); the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import heapq
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dialer_rollout import RolloutPacer  # noqa: E402
from outbound.pacing import AgentState, Pacer  # noqa: E402

RING_NO_ANSWER = 30.0
WRAPUP = 10.0


class _Campaign:
    """The simulated world: agents (each free, talking since t, or in wrap-up until t) and ringing calls."""

    def __init__(self, *, agents: int, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.events: list[tuple[float, int, str, int]] = []
        self.seq = 0
        self.free = agents
        self.talking: dict[int, float] = {}  # agent-call id -> talk start
        self.wrapping: dict[int, float] = {}  # id -> wrap-up end
        self.ringing: dict[int, float] = {}  # call id -> dial time
        self.waiting: dict[int, float] = {}  # answered, waiting (at most the grace time) for an agent -> dial time
        self.busy_time = 0.0
        self.ends: dict[int, float] = {}  # talking id -> when the call will end (known only to the simulation)
        self.oracle = False
        self.hidden: set[int] = set()  # --oracle-answers: calls that will not answer, not shown to the pacer

    def push(self, at: float, kind: str, ident: int) -> None:
        self.seq += 1
        heapq.heappush(self.events, (at, self.seq, kind, ident))

    def state(self, now: float) -> tuple[AgentState, list[float]]:
        if self.oracle:  # the future: every busy agent's exact free time, as if in wrap-up
            left = [end - now for end in self.wrapping.values()] + [self.ends[i] + WRAPUP - now for i in self.talking]
            agents = AgentState(free=self.free, waiting=len(self.waiting), wrapping=tuple(left))
            return agents, [now - t for i, t in self.ringing.items() if i not in self.hidden]
        agents = AgentState(free=self.free, waiting=len(self.waiting),
                            wrapping=tuple(end - now for end in self.wrapping.values()),
                            talking=tuple(now - start for start in self.talking.values()))
        return agents, [now - t for i, t in self.ringing.items() if i not in self.hidden]


def _max_rolling(outcomes: list[bool], window: int) -> float:
    """Highest rolling abandon rate over the campaign, as the pacer counts it (last `window` answered, >= 100)."""
    worst, inside = 0.0, 0
    for i, lost in enumerate(outcomes):
        inside += lost - (outcomes[i - window] if i >= window else 0)
        worst = max(worst, inside / max(min(i + 1, window), 100))
    return worst


class _Run:
    """One campaign through the pacer: the event loop and what each event does."""

    def __init__(self, mode: str, *, numbers: int, agents: int, answer: float, seed: int, cap: float, grace: float,
                 oracle: bool, fixed_risk: float | None, oracle_answers: bool, rollout: dict | None = None) -> None:
        self.world = _Campaign(agents=agents, seed=seed)
        self.world.oracle = oracle
        if rollout is not None and mode == "predictive":
            self.pacer = RolloutPacer(mode=mode, abandon_cap=cap, grace_seconds=grace, seed=seed, **rollout)
        else:
            self.pacer = Pacer(mode=mode, abandon_cap=cap, grace_seconds=grace)
        if fixed_risk is not None:
            self.pacer.risk, self.pacer.adaptive = fixed_risk, False
            if rollout is not None:
                self.pacer.lam = fixed_risk  # --policy rollout: --fixed-risk is a fixed lam
        self.agents, self.answer, self.grace, self.oracle_answers = agents, answer, grace, oracle_answers
        self.now, self.left, self.answered, self.abandoned = 0.0, numbers, 0, 0
        self.outcomes: list[bool] = []  # abandoned?, per answered call in order
        self.decisions, self.decision_seconds = 0, 0.0

    def dial(self) -> None:
        world = self.world
        agent_state, ringing = world.state(self.now)
        started = time.perf_counter()
        wanted = self.pacer.calls_to_place(agents=agent_state, ringing=ringing)
        self.decisions, self.decision_seconds = self.decisions + 1, self.decision_seconds + time.perf_counter() - started
        while wanted > 0 and self.left > 0:
            self.left -= 1
            world.seq += 1
            world.ringing[world.seq] = self.now
            if world.rnd.random() < self.answer:
                world.push(self.now + world.rnd.uniform(4, 12), "answer", world.seq)
                wanted -= 1
            else:
                world.push(self.now + RING_NO_ANSWER, "noanswer", world.seq)
                if self.oracle_answers:
                    world.hidden.add(world.seq)
                else:
                    wanted -= 1

    def connect(self, ident: int, dialled: float) -> None:
        world = self.world
        world.talking[ident] = self.now
        talk = world.rnd.lognormvariate(4.5, 0.5)
        world.busy_time += talk + WRAPUP
        world.push(self.now + talk, "hangup", ident)
        world.ends[ident] = self.now + talk
        self.outcomes.append(False)
        self.pacer.record_attempt(answered=True, abandoned=False, delay=dialled)

    def on_answer(self, ident: int) -> None:
        world = self.world
        dialled = world.ringing.pop(ident)
        self.answered += 1
        if world.free > 0:
            world.free -= 1
            self.connect(ident, self.now - dialled)
        else:  # in the campaign's queue for at most the grace time, then the message
            world.waiting[ident] = self.now - dialled
            world.push(self.now + self.grace, "giveup", ident)

    def on_noanswer(self, ident: int) -> None:
        self.world.ringing.pop(ident)
        self.world.hidden.discard(ident)
        if not self.oracle_answers:
            self.pacer.record_attempt(answered=False)

    def on_giveup(self, ident: int) -> None:
        if ident in self.world.waiting:
            self.abandoned += 1
            self.outcomes.append(True)
            self.pacer.record_attempt(answered=True, abandoned=True, delay=self.world.waiting.pop(ident))

    def on_hangup(self, ident: int) -> None:
        world = self.world
        self.pacer.record_handled(talk_seconds=self.now - world.talking.pop(ident), wrapup_seconds=WRAPUP)
        world.wrapping[ident] = self.now + WRAPUP
        world.push(self.now + WRAPUP, "free", ident)

    def on_free(self, ident: int) -> None:
        world = self.world
        del world.wrapping[ident]
        if world.waiting:
            oldest = next(iter(world.waiting))
            self.connect(oldest, world.waiting.pop(oldest))
        else:
            world.free += 1

    def run(self, tick: float) -> dict:
        world = self.world
        handlers = {"answer": self.on_answer, "noanswer": self.on_noanswer, "giveup": self.on_giveup,
                    "hangup": self.on_hangup, "free": self.on_free}
        self.dial()
        if tick:
            world.push(tick, "tick", 0)
        while world.events:
            self.now, _s, kind, ident = heapq.heappop(world.events)
            if kind == "tick":
                if self.left > 0:
                    world.push(self.now + tick, "tick", 0)
            else:
                handlers[kind](ident)
            self.dial()
        return {"utilisation": world.busy_time / (self.agents * self.now),
                "abandon_rate": self.abandoned / max(self.answered, 1), "duration_s": self.now,
                "answered": self.answered, "abandoned": self.abandoned,
                "max_rolling_abandon": _max_rolling(self.outcomes, self.pacer.window),
                "decision_ms": 1000 * self.decision_seconds / max(self.decisions, 1)}


def simulate(mode: str, *, numbers: int, agents: int, answer: float, seed: int, cap: float,
             grace: float, oracle: bool = False, tick: float = 0.0, fixed_risk: float | None = None,
             oracle_answers: bool = False, rollout: dict | None = None) -> dict:
    return _Run(mode, numbers=numbers, agents=agents, answer=answer, seed=seed, cap=cap, grace=grace, oracle=oracle,
                fixed_risk=fixed_risk, oracle_answers=oracle_answers, rollout=rollout).run(tick)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--numbers", type=int, default=5000)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--answer", type=float, default=0.30)
    parser.add_argument("--cap", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--grace", type=float, default=0.0,
                        help="seconds an answered callee waits in the queue for an agent before the message")
    parser.add_argument("--oracle-agents", action="store_true",
                        help="experiment: the pacer knows when each busy agent will be free (the future)")
    parser.add_argument("--oracle-answers", action="store_true",
                        help="experiment: the pacer knows which numbers will answer (not when)")
    parser.add_argument("--tick", type=float, default=0.0, help="experiment: also decide every TICK seconds")
    parser.add_argument("--fixed-risk", type=float, default=None,
                        help="experiment: fixed risk, no controller and no cap brake (a frontier point)")
    parser.add_argument("--policy", choices=("checkpoints", "rollout"), default="checkpoints",
                        help="experiment: the predictive rule (rollout = bench/dialer_rollout.py lookahead)")
    parser.add_argument("--lam", type=float, default=300.0, help="rollout: starting cost of an abandoned call")
    parser.add_argument("--horizon", type=float, default=20.0, help="rollout: lookahead seconds")
    parser.add_argument("--scenarios", type=int, default=64, help="rollout: sampled futures per decision")
    parser.add_argument("--objective", choices=("busy", "connects", "fill"), default="fill",
                        help="rollout: what a connect is worth")
    parser.add_argument("--delay-points", type=int, default=8, help="rollout: answer-delay grid per new call")
    parser.add_argument("--reserve", type=float, default=3.0, help="rollout: headroom over which lam rises")
    parser.add_argument("--target-share", type=float, default=0.7, help="rollout: long-run target / cap")
    parser.add_argument("--burst", type=float, default=0.0, help="rollout: convex cost of abandons in one future")
    parser.add_argument("--exact-below", type=float, default=0.0, help="rollout: brake share using Pacer's rule")
    parser.add_argument("--lam-step", type=float, default=0.05, help="rollout: controller step (log of lam)")
    a = parser.parse_args()
    rollout = None
    if a.policy == "rollout":
        rollout = {"lam": a.lam, "horizon": a.horizon, "scenarios": a.scenarios, "objective": a.objective,
                   "lam_step": a.lam_step, "delay_points": a.delay_points,
                   "reserve": a.reserve, "target_share": a.target_share,
                   "burst": a.burst, "exact_below": a.exact_below}
    world = {"numbers": a.numbers, "agents": a.agents, "answer": a.answer, "seed": a.seed, "cap": a.cap,
             "grace": a.grace, "oracle": a.oracle_agents, "tick": a.tick, "oracle_answers": a.oracle_answers}
    prog = simulate("progressive", **world)
    pred = simulate("predictive", **world, fixed_risk=a.fixed_risk, rollout=rollout)
    out = {"agent_utilisation_progressive": round(prog["utilisation"], 3),
           "agent_utilisation_predictive": round(pred["utilisation"], 3),
           "utilisation_gain": round(pred["utilisation"] / prog["utilisation"], 2),
           "abandon_rate": round(pred["abandon_rate"], 4), "abandon_cap": a.cap,
           "max_rolling_abandon": round(pred["max_rolling_abandon"], 4), "seed": a.seed,
           "campaign_minutes_progressive": round(prog["duration_s"] / 60, 1),
           "campaign_minutes_predictive": round(pred["duration_s"] / 60, 1), "policy": a.policy,
           "decision_ms_predictive": round(pred["decision_ms"], 3)}
    print(f"{a.numbers} numbers, {a.answer:.0%} answer, {a.agents} agents, lognormal talk (median 90 s), cap {a.cap:.0%}")
    print(f"progressive: utilisation {prog['utilisation']:.1%}, {prog['answered']} answered, campaign "
          f"{prog['duration_s'] / 60:.0f} min")
    print(f"predictive:  utilisation {pred['utilisation']:.1%}, {pred['answered']} answered, {pred['abandoned']} "
          f"abandoned ({pred['abandon_rate']:.2%}, rolling at most {pred['max_rolling_abandon']:.2%}), campaign "
          f"{pred['duration_s'] / 60:.0f} min")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
