"""Simulated dialer campaign through the platform's own pacing code (outbound.pacing.Pacer), progressive and
predictive: 5,000 numbers, 30 % answer, lognormal talk times, 10 agents. Discrete events, no telephony.

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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from outbound.pacing import AgentState, Pacer  # noqa: E402

RING_NO_ANSWER = 30.0
WRAPUP = 10.0


def simulate(mode: str, *, numbers: int, agents: int, answer: float, seed: int, cap: float) -> dict:
    rnd = random.Random(seed)
    pacer = Pacer(mode=mode, abandon_cap=cap)
    events: list[tuple[float, int, str]] = []
    now, seq, left, ringing = 0.0, 0, numbers, 0
    free, wrapping, talking, busy_time, abandoned, answered = agents, 0, 0, 0.0, 0, 0

    def push(at: float, kind: str) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at, seq, kind))

    def dial() -> None:
        nonlocal left, ringing
        for _ in range(min(left, pacer.calls_to_place(agents=AgentState(free, wrapping, talking), ringing=ringing))):
            left -= 1
            ringing += 1
            if rnd.random() < answer:
                push(now + rnd.uniform(4, 12), "answer")  # the delay is recorded when it is answered
            else:
                push(now + RING_NO_ANSWER, "noanswer")

    dial()
    while events:
        now, _s, kind = heapq.heappop(events)
        if kind in ("answer", "noanswer"):
            ringing -= 1
            if kind == "answer":
                answered += 1
                got_agent = free > 0
                if got_agent:
                    free, talking = free - 1, talking + 1
                    talk = rnd.lognormvariate(4.5, 0.5)
                    busy_time += talk + WRAPUP
                    pacer.record_handled(seconds=talk + WRAPUP)
                    push(now + talk, "hangup")
                else:
                    abandoned += 1
                pacer.record_attempt(answered=True, abandoned=not got_agent)
            else:
                pacer.record_attempt(answered=False)
        elif kind == "hangup":
            talking, wrapping = talking - 1, wrapping + 1
            push(now + WRAPUP, "free")
        elif kind == "free":
            wrapping, free = wrapping - 1, free + 1
        dial()
    return {"utilisation": busy_time / (agents * now), "abandon_rate": abandoned / max(answered, 1),
            "duration_s": now, "answered": answered, "abandoned": abandoned}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--numbers", type=int, default=5000)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--answer", type=float, default=0.30)
    parser.add_argument("--cap", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=12)
    a = parser.parse_args()
    prog = simulate("progressive", numbers=a.numbers, agents=a.agents, answer=a.answer, seed=a.seed, cap=a.cap)
    pred = simulate("predictive", numbers=a.numbers, agents=a.agents, answer=a.answer, seed=a.seed, cap=a.cap)
    out = {"agent_utilisation_progressive": round(prog["utilisation"], 3),
           "agent_utilisation_predictive": round(pred["utilisation"], 3),
           "utilisation_gain": round(pred["utilisation"] / prog["utilisation"], 2),
           "abandon_rate": round(pred["abandon_rate"], 4), "abandon_cap": a.cap,
           "campaign_minutes_progressive": round(prog["duration_s"] / 60, 1),
           "campaign_minutes_predictive": round(pred["duration_s"] / 60, 1)}
    print(f"{a.numbers} numbers, {a.answer:.0%} answer, {a.agents} agents, lognormal talk (median 90 s), cap {a.cap:.0%}")
    print(f"progressive: utilisation {prog['utilisation']:.1%}, {prog['answered']} answered, campaign "
          f"{prog['duration_s'] / 60:.0f} min")
    print(f"predictive:  utilisation {pred['utilisation']:.1%}, {pred['answered']} answered, {pred['abandoned']} "
          f"abandoned ({pred['abandon_rate']:.2%}), campaign {pred['duration_s'] / 60:.0f} min")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
