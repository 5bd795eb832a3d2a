"""Benchmark: accuracy of the estimated wait (contactcenter.ewt) against app_queue's own method, on a simulated day.

The day (08:00–16:00, one FIFO queue): Poisson arrivals at a rate that changes by the hour, lognormal talk times
plus fixed wrap-up, agents who log in and out on shifts and pause (lunch, short breaks) after their current call,
callers who hang up after an exponential patience. Every caller hears an announcement when joining and every
``--every`` seconds while waiting. At each announcement both methods are asked:

* ours: ``estimate_wait`` with what the engine knows live (position, serving agents and how long each has been busy
  or when their wrap-up ends,
  the last 100 handling times, how often callers hung up per second waited (with the time the callers still waiting
  have waited so far), the share of the last 100 calls after which the agent paused and the last 100 pause
  lengths, each known when the pause ended), and the usual logins of the next hour learnt from the logins of the
  5 days before (``expected_logins``, as the platform learns them from its recorded agent sessions; the days before
  the first measured one are simulated for their logins only, ``--warmup``);
* app_queue's: its smoothed hold time of answered callers (``holdtime = (3 * holdtime + newtime) >> 2`` in int
  arithmetic on every answered caller, newtime = that caller's wait) minus the time this caller has waited, as an absolute value
  (app_queue.c, say_position: ``abs((holdtime + 30) - (now - qe->start)) / 60``; a caller who has waited longer
  than the smoothed hold time hears the difference, not 0).

Errors are measured against the caller's real remaining wait, only for callers who were answered (a caller who hung
up has no true wait). ``mae_s`` and ``app_queue_mae_s`` are over the announcements where ours said a number
("omtrent N minutter", the said minutes); ``underpromise_rate`` is the share of those after which the caller waited
more than 1.5 × the announced time. The ``*_said`` figures compare what the caller hears instead (whole minutes; see
``summarize``). Prints what it measured; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import os  # noqa: E402

import django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "controlplane.settings")
django.setup()

from _ewt_oracle import Laws, Oracle, bound_summary  # noqa: E402  (experiment only: --bayes-bound)

from contactcenter import ewt  # noqa: E402
from contactcenter.ewt import AgentLoad, WaitInput, estimate_wait, expected_logins, hang_up_rate  # noqa: E402

DAY_START, DAY_HOURS = 8 * 3600, 8
CALLS_PER_HOUR = [230, 170, 130, 110, 90, 150, 110, 60]  # the opening surge of a helpline
TALK_MEDIAN_S, TALK_SIGMA, WRAPUP_S = 200.0, 0.8, 30
PATIENCE_MEAN_S = 600.0
AWAY_WINDOW = 100  # what the estimate learns agents' pauses from: the last 100 calls and the last 100 pauses
HISTORY_DAYS = 5  # the usual logins are learnt from the last 5 days' (the same weekday of the last 5 weeks)


@dataclass
class Agent:
    start: int
    end: int
    pauses: list[tuple[int, int]]  # (from, seconds): taken after the call that is going on at 'from'
    busy_until: int = -1
    took_at: int = 0
    paused_until: int = -1
    next_pause: int = 0

    def on_duty(self, t: int) -> bool:
        return self.start <= t < self.end or self.busy_until > t

    def load(self, t: int) -> AgentLoad:
        """What the engine knows: free, in wrap-up until a known time, or in a call for so long."""
        if self.busy_until <= t:
            return AgentLoad()
        if self.busy_until - t <= WRAPUP_S:
            return AgentLoad(busy_for=float(t - self.took_at), free_in=float(self.busy_until - t))
        return AgentLoad(busy_for=float(t - self.took_at))

    def serving(self, t: int) -> bool:
        """Logged in and not paused: what the engine sees as an agent who can take calls."""
        return self.start <= t < self.end and self.paused_until <= t


@dataclass
class Caller:
    joined: int
    patience: int
    announcements: list[tuple[int, object, float]] = field(default_factory=list)  # (t, ours, app_queue's)


def make_agents(rng: random.Random) -> list[Agent]:
    agents = []
    shifts = [(0, 8)] * 6 + [(0, 4)] * 2 + [(1, 6)] * 3 + [(2, 8)] * 3 + [(4, 8)] * 2
    for a, b in shifts:
        start = DAY_START + a * 3600 + rng.randint(0, 900)
        end = DAY_START + b * 3600 - rng.randint(0, 900)
        pauses = [(start + rng.randint(1800, 3 * 3600), rng.randint(300, 900))]
        if b - a >= 6:
            pauses.append((DAY_START + rng.randint(int(3.5 * 3600), int(4.5 * 3600)), 1800))  # lunch
        agents.append(Agent(start, end, sorted(pauses)))
    return agents


def make_callers(rng: random.Random) -> list[Caller]:
    callers = []
    for hour, rate in enumerate(CALLS_PER_HOUR):
        t = float(DAY_START + hour * 3600)
        while True:
            t += rng.expovariate(rate / 3600)
            if t >= DAY_START + (hour + 1) * 3600:
                break
            callers.append(Caller(int(t), max(5, int(rng.expovariate(1 / PATIENCE_MEAN_S)))))
    return callers


@dataclass
class World:
    rng: random.Random
    agents: list[Agent]
    handle_times: deque = field(default_factory=lambda: deque(maxlen=100))
    exits: deque = field(default_factory=lambda: deque(maxlen=200))  # (seconds waited, hung up before answer)
    after_calls: deque = field(default_factory=lambda: deque(maxlen=AWAY_WINDOW))  # paused after the call?
    away_times: deque = field(default_factory=lambda: deque(maxlen=AWAY_WINDOW))  # finished pauses, seconds
    pauses_going: list = field(default_factory=list)  # (ends at, seconds): seen by the engine when they end
    just_free: list = field(default_factory=list)  # agents whose call ended this second
    holdtime: int = 0  # app_queue's smoothed hold time (an int in app_queue.c)
    waiting: list[Caller] = field(default_factory=list)
    login_history: list[list[int]] = field(default_factory=list)  # earlier days' login times (seconds since 00:00)
    use_logins: bool = True
    exact_logins: bool = False  # ablation only: today's real logins of the next hour, as if known
    truth: list[float] | None = None  # ablation only: handling times drawn from the simulation's own distribution
    logins_at: tuple[int, list] = (-1, [])  # (second, expected logins then): the same for every caller that second
    results: list[tuple] = field(default_factory=list)  # (ours, ours as said, app_queue's, actual remaining)
    oracle: object | None = None  # experiment only (--bayes-bound): bench/_ewt_oracle.py's Oracle
    unsaid: int = 0
    more_than: int = 0
    answered: int = 0
    abandoned: int = 0

    def ours(self, t: int, position: int) -> object:
        loads = [a.load(t) for a in self.agents if a.serving(t)]
        rate = hang_up_rate(self.exits, [t - c.joined for c in self.waiting])
        away = sum(self.after_calls) / len(self.after_calls) if self.after_calls else 0.0
        handle = list(self.handle_times)
        if self.truth is not None:  # ablation: the true distribution and hang-up rate (once 20 calls ended)
            handle, rate = (self.truth, 1 / PATIENCE_MEAN_S) if len(handle) >= 20 else (handle, rate)
        return estimate_wait(WaitInput(position=position, agents=loads, handle_times=handle,
                                       abandon_rate=rate, away_share=away, away_times=list(self.away_times),
                                       logins=self.logins(t)))

    def logins(self, t: int) -> list:
        """The usual logins still to come (what the engine reads from the recorded agent sessions)."""
        if not self.use_logins:
            return []
        if self.exact_logins:
            return [(float(a.start - t), 1.0) for a in self.agents if t < a.start <= t + 3600]
        if self.logins_at[0] != t:
            today = [a.start for a in self.agents if a.start <= t]
            self.logins_at = (t, expected_logins(self.login_history, today, float(t)))
        return self.logins_at[1]

    def announce(self, t: int, every: int) -> None:
        for pos, caller in enumerate(self.waiting, start=1):
            waited = t - caller.joined
            if waited % every == 0:
                caller.announcements.append((t, self.ours(t, pos), abs(self.holdtime - waited),
                                             60.0 * abs(int((self.holdtime + 30 - waited) / 60))))
                if self.oracle is not None:
                    self.oracle.seen(self, t, pos, caller)  # type: ignore[attr-defined]

    def abandon(self, t: int) -> None:
        for caller in [c for c in self.waiting if t - c.joined >= c.patience]:
            self.waiting.remove(caller)
            self.exits.append((t - caller.joined, True))
            self.abandoned += 1

    def start_pauses(self, t: int) -> None:
        for a in self.agents:
            while (a.next_pause < len(a.pauses) and a.pauses[a.next_pause][0] <= t and a.busy_until <= t
                   and a.paused_until <= t):  # one pause at a time (a second one due at once follows the first)
                a.paused_until = t + a.pauses[a.next_pause][1]
                a.next_pause += 1
                self.pauses_going.append((a.paused_until, a.pauses[a.next_pause - 1][1]))
        self.observe_pauses(t)

    def observe_pauses(self, t: int) -> None:
        """What the engine learns: after each call, whether the agent paused at once; each pause's length when
        it ends."""
        for a in self.just_free:
            if a.start <= t < a.end:
                self.after_calls.append(a.paused_until > t)
        self.just_free = []
        for ends, seconds in [p for p in self.pauses_going if p[0] <= t]:
            self.pauses_going.remove((ends, seconds))
            self.away_times.append(float(seconds))

    def serve(self, t: int) -> None:
        for a in self.agents:
            if not self.waiting:
                return
            if a.serving(t) and a.busy_until <= t:
                self.answer(t, a, self.waiting.pop(0))

    def answer(self, t: int, agent: Agent, caller: Caller) -> None:
        talk = self.rng.lognormvariate(math.log(TALK_MEDIAN_S), TALK_SIGMA)
        agent.took_at, agent.busy_until = t, t + int(talk) + WRAPUP_S
        waited = t - caller.joined
        self.holdtime = (3 * self.holdtime + waited) >> 2  # app_queue.c: recalc_holdtime (int arithmetic)
        self.exits.append((waited, False))
        self.answered += 1
        if self.oracle is not None:
            self.oracle.answered(t, caller, talk)  # type: ignore[attr-defined]
        for at, ours, app, app_said in caller.announcements:
            self.record(ours, app, app_said, float(t - at))

    def record(self, ours: object, app: float, app_said: float, actual: float) -> None:
        if ours.kind == "about":  # type: ignore[attr-defined]
            self.results.append((ours.seconds, ours.minutes * 60.0, app, actual, app_said))  # type: ignore[attr-defined]
        elif ours.kind == "more_than":  # type: ignore[attr-defined]
            self.more_than += 1
        else:
            self.unsaid += 1

    def finished_calls(self, t: int) -> None:
        for a in self.agents:
            if a.busy_until == t:
                self.handle_times.append(float(t - a.took_at))
                self.just_free.append(a)


def day_logins(seed: int) -> list[int]:
    """The login times of the day simulated with ``seed`` (its agents are made first from the seeded generator)."""
    return sorted(a.start for a in make_agents(random.Random(seed)))


def true_handling(n: int = 400) -> list[float]:
    """Ablation only: ``n`` handling times from the simulation's own distribution (a generator of its own)."""
    rng = random.Random(7)
    return [float(int(rng.lognormvariate(math.log(TALK_MEDIAN_S), TALK_SIGMA)) + WRAPUP_S) for _ in range(n)]


def simulate(seed: int, every: int, history: list[list[int]] | None = None, use_logins: bool = True,
             exact_logins: bool = False, truth: bool = False, oracle: object | None = None) -> World:
    rng = random.Random(seed)
    world = World(rng, make_agents(rng), login_history=history or [], use_logins=use_logins,
                  exact_logins=exact_logins or truth, truth=true_handling() if truth else None, oracle=oracle)
    arrivals = deque(make_callers(rng))
    for t in range(DAY_START, DAY_START + DAY_HOURS * 3600 + 4 * 3600):
        while arrivals and arrivals[0].joined <= t:
            world.waiting.append(arrivals.popleft())
        world.abandon(t)
        world.finished_calls(t)
        world.start_pauses(t)
        world.serve(t)
        world.announce(t, every)
    return world


def summarize(worlds: list[World]) -> dict:
    """Both sides on the same announcements (those where ours said a number, of callers who were answered). The
    goal's figures compare the raw estimates (ours before rounding to minutes, app_queue's holdtime minus waited);
    the ``*_said`` figures compare what the caller hears (ours' minutes; app_queue's whole minutes, 0 when it says
    nothing)."""
    results = [r for w in worlds for r in w.results]
    mae = sum(abs(o - a) for o, _said, _app, a, _aps in results) / len(results)
    app_mae = sum(abs(p - a) for _o, _said, p, a, _aps in results) / len(results)
    said_mae = sum(abs(said - a) for _o, said, _app, a, _aps in results) / len(results)
    app_said_mae = sum(abs(aps - a) for _o, _said, _app, a, aps in results) / len(results)
    under = sum(1 for _o, said, _app, a, _aps in results if a > 1.5 * said) / len(results)
    app_said = [(aps, a) for _o, _said, _p, a, aps in results if aps > 0]
    app_under = sum(1 for aps, a in app_said if a > 1.5 * aps) / max(1, len(app_said))
    said = len(results)
    total = said + sum(w.more_than + w.unsaid for w in worlds)
    return {"days": len(worlds), "announcements": total, "numbers_said_share": round(said / total, 3),
            "more_than_share": round(sum(w.more_than for w in worlds) / total, 3),
            "answered": sum(w.answered for w in worlds), "abandoned": sum(w.abandoned for w in worlds),
            "mae_s": round(mae, 1), "app_queue_mae_s": round(app_mae, 1), "mae_ratio": round(mae / app_mae, 3),
            "underpromise_rate": round(under, 3), "app_queue_underpromise_rate": round(app_under, 3),
            "mae_said_s": round(said_mae, 1), "app_queue_mae_said_s": round(app_said_mae, 1),
            "mae_said_ratio": round(said_mae / app_said_mae, 3)}


def make_oracle(samples: int, seed: int, learnt_pauses: bool = False, no_logouts: bool = False) -> object | None:
    """Experiment only: the Bayes bound's hooks for the day simulated with ``seed`` (its own generator)."""
    if not samples:
        return None
    return Oracle(Laws(TALK_MEDIAN_S, TALK_SIGMA, WRAPUP_S, PATIENCE_MEAN_S), samples, 7919 * seed + samples,
                  learnt_pauses, no_logouts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=5, help="simulated days measured (seeds SEED..SEED+N-1)")
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--every", type=int, default=60, help="seconds between periodic announcements")
    parser.add_argument("--warmup", type=int, default=HISTORY_DAYS,
                        help="earlier days (seeds SEED-N..SEED-1) whose logins are known history; not measured")
    parser.add_argument("--no-logins", action="store_true", help="the estimate without the usual logins")
    parser.add_argument("--exact-logins", action="store_true",
                        help="ablation only: the estimate told today's real logins of the next hour")
    parser.add_argument("--truth", action="store_true", help="ablation only: --exact-logins, and the simulation's "
                        "true handling-time distribution and hang-up rate instead of the learnt ones")
    parser.add_argument("--kept-promise", type=float, default=None,
                        help="calibration only: contactcenter.ewt.KEPT_PROMISE for this run")
    parser.add_argument("--bayes-bound", type=int, default=0, metavar="N",
                        help="experiment only: the oracle's lower bound on the MAE from N continuations per "
                        "announcement (bench/_ewt_oracle.py)")
    parser.add_argument("--bayes-learnt-pauses", action="store_true",
                        help="experiment only: the bound without the pause plans, learnt as the estimate learns them")
    parser.add_argument("--bayes-no-logouts", action="store_true",
                        help="experiment only: the bound without today's logouts to come (agents logged in stay)")
    args = parser.parse_args()
    if args.kept_promise is not None:
        ewt.KEPT_PROMISE = args.kept_promise
    logins = [day_logins(args.seed - args.warmup + i) for i in range(args.warmup)]
    worlds, oracles = [], [make_oracle(args.bayes_bound, args.seed + i, args.bayes_learnt_pauses,
                                       args.bayes_no_logouts) for i in range(args.days)]
    for i in range(args.days):
        worlds.append(simulate(args.seed + i, args.every, logins[-HISTORY_DAYS:], not args.no_logins,
                               args.exact_logins, args.truth, oracles[i]))
        logins.append(day_logins(args.seed + i))
    out = summarize(worlds)
    print(f"{out['days']} simulated days, {out['answered']} answered, {out['abandoned']} hung up in the queue")
    print(f"{out['announcements']} announcements: number said in {out['numbers_said_share']:.1%}, "
          f"'mer enn' in {out['more_than_share']:.1%}, nothing in the rest")
    print(f"mae_s {out['mae_s']}  app_queue_mae_s {out['app_queue_mae_s']}  mae_ratio {out['mae_ratio']}")
    print(f"as said: mae_said_s {out['mae_said_s']}  app_queue_mae_said_s {out['app_queue_mae_said_s']}  "
          f"mae_said_ratio {out['mae_said_ratio']}")
    print(f"underpromise_rate {out['underpromise_rate']}  (app_queue: {out['app_queue_underpromise_rate']})")
    print(json.dumps(out))
    if args.bayes_bound:
        bound = bound_summary(oracles)  # type: ignore[arg-type]
        print(f"bayes bound ({args.bayes_bound} continuations): " + "  ".join(f"{k} {v}" for k, v in bound.items()))
        print(json.dumps(out | bound))


if __name__ == "__main__":
    main()
