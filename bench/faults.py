"""Benchmark: how fast the platform notices and recovers from Asterisk faults, with a real managed Asterisk.

The platform's own EngineRunner starts and supervises an Asterisk on free ports on 127.0.0.1 (as the tests do).
Each round:
  * hang: SIGSTOP for ``--hang`` s, then SIGCONT. Measures the time until the AMI and ARI links each say
    "disconnected" (``notice_ami_s``, ``notice_ari_s``) and from SIGCONT until both are up and resynced.
  * kill: two real SIP callers (baresip) waiting in a queue, then ``kill -9``. Measures the time until the
    supervisor saw the death, until Asterisk runs again (``restart_s``), until the engine resynced, and from
    the resync until the cut calls were closed in the history (``closed_within_s``).
Prints what it measured; the last line is one JSON object (units in the key names).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import ROOT, django_with_fresh_database, machine

sys.path.insert(0, str(ROOT))


def _until(predicate, timeout: float, interval: float = 0.01) -> float:  # type: ignore[no-untyped-def]
    """Seconds until ``predicate()`` was true (polled every ``interval``)."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise TimeoutError("tidsavbrudd")
        time.sleep(interval)
    return time.monotonic() - start


def hang_round(ast, rt, seconds: float) -> dict:  # type: ignore[no-untyped-def]
    _until(lambda: rt.ami.health.connected and rt.ari.health.connected, 15)
    pid = ast.process.pid
    stopped = time.monotonic()
    os.kill(pid, signal.SIGSTOP)
    try:
        noticed: dict[str, float] = {}
        while len(noticed) < 2 and time.monotonic() - stopped < 10:
            for name, link in (("ami", rt.ami), ("ari", rt.ari)):
                if name not in noticed and not link.health.connected:
                    noticed[name] = time.monotonic() - stopped
            time.sleep(0.01)
        ami, ari = noticed.get("ami", float("inf")), noticed.get("ari", float("inf"))
        time.sleep(max(0.0, seconds - (time.monotonic() - stopped)))
    finally:
        os.kill(pid, signal.SIGCONT)
    resumed, resumed_wall = time.monotonic(), time.time()
    _until(lambda: rt.ami.health.connected and rt.ari.health.connected and rt.resynced_at > resumed_wall, 30)
    return {"notice_ami_s": ami, "notice_ari_s": ari, "recover_after_sigcont_s": time.monotonic() - resumed}


def kill_round(ast, rt, callers) -> dict:  # type: ignore[no-untyped-def]
    for ua in callers:
        ua.command("dial", "7002")  # Vaksinetelefonen: nobody logged in, the callers wait
    _until(lambda: len(rt.state.snapshot("fhi")["queues"].get("t-fhi-q3", {}).get("callers", [])) == len(callers), 15)
    time.sleep(0.5)
    sup = ast.supervision
    restarts = sup.restarts
    killed_wall = time.time()
    os.kill(ast.process.pid, signal.SIGKILL)
    _until(lambda: sup.last_exit_at > killed_wall, 10, 0.001)
    noticed = sup.last_exit_at - killed_wall
    _until(lambda: sup.restarts > restarts, 60)
    restart = sup.started_at - killed_wall
    _until(lambda: rt.resynced_at > sup.started_at and rt.last_closing.get("at", 0) > killed_wall, 30)
    closing = rt.last_closing
    for ua in callers:
        ua.command("hangup")
    return {"notice_death_s": noticed, "restart_s": restart, "resync_after_kill_s": rt.resynced_at - killed_wall,
            "closed_within_s": closing["at"] - rt.resynced_at, "closed_calls": closing["calls"],
            "closed_visits": closing["visits"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hang", type=float, default=5.0, help="seconds Asterisk stays stopped per hang round")
    args = parser.parse_args()
    os.environ.setdefault("TEST_RTP_START", "35000")
    os.environ.setdefault("TEST_RTP_END", "35999")
    where = django_with_fresh_database()
    from contactcenter.demo import demo_load
    from engine.runner import EngineRunner
    from tests.harness.asterisk_harness import prepare
    from tests.harness.baresip_harness import Baresip
    from tests.harness.engine_harness import EngineThread

    demo_load()
    ast = prepare(Path(tempfile.mkdtemp(prefix="cp-bench-faults-")))
    if ast is None:
        sys.exit("Ingen Asterisk funnet.")
    et = EngineThread(runner=EngineRunner(managed=ast, nodes=[]))
    rt = next(iter(et.engine.runtimes.values()))
    _until(lambda: rt.resynced_at, 20)
    callers = [_caller(ast, Baresip, ext, int(os.environ["TEST_RTP_START"]) + 600 + 40 * i)
               for i, ext in enumerate(("1005", "1006"))]
    hangs, kills = [], []
    try:
        for n in range(args.rounds):
            hangs.append(hang_round(ast, rt, args.hang))
            print(f"hang {n + 1}: AMI noticed in {hangs[-1]['notice_ami_s']:.2f} s, ARI in "
                  f"{hangs[-1]['notice_ari_s']:.2f} s; both back {hangs[-1]['recover_after_sigcont_s']:.2f} s after SIGCONT")
            kills.append(kill_round(ast, rt, callers))
            k = kills[-1]
            print(f"kill {n + 1}: death noticed in {k['notice_death_s'] * 1000:.0f} ms, Asterisk running again after "
                  f"{k['restart_s']:.2f} s, engine resynced after {k['resync_after_kill_s']:.2f} s, "
                  f"{k['closed_calls']} calls / {k['closed_visits']} visits closed {k['closed_within_s']:.2f} s after resync")
            time.sleep(2)
    finally:
        for ua in callers:
            ua.stop()
        et.stop()
    summary = {"rounds": args.rounds, "hang_s": args.hang}
    for key in ("notice_ami_s", "notice_ari_s", "recover_after_sigcont_s"):
        summary[key] = round(max(h[key] for h in hangs), 3)
        summary[key.removesuffix("_s") + "_median_s"] = round(statistics.median(h[key] for h in hangs), 3)
    for key in ("notice_death_s", "restart_s", "resync_after_kill_s", "closed_within_s"):
        summary[key] = round(max(k[key] for k in kills), 3)
    print(f"{where}; {machine()}; nproc {os.cpu_count()}; {_model()}")
    print("max over rounds (the *_median_s keys are medians):")
    print(json.dumps(summary))


def _caller(ast, baresip_cls, ext: str, rtp: int):  # type: ignore[no-untyped-def]
    from django_tenants.utils import schema_context

    from asterisk_conf import naming
    from switchboard.models import Phone

    with schema_context("fhi"):
        phone = Phone.objects.filter(extension__number=ext, is_active=True).order_by("id").first()
        user, password = naming.endpoint_name("fhi", phone.pk), phone.sip_password
    ua = baresip_cls(Path(tempfile.mkdtemp(prefix=f"cp-bench-{ext}-")), username=user, password=password,
                     sip_port=ast.profile.sip_port, rtp_base=rtp)
    _until(lambda: f"{user}/sip:" in ast.cli("pjsip show contacts"), 10, 0.1)
    return ua


def _model() -> str:
    out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    return next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name")), "?")


if __name__ == "__main__":
    main()
