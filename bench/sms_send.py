"""Benchmark: a mass SMS to 10,000 recipients through a real Kannel (bearerbox + smsbox) and its fake SMSC, with
the sender killed once mid-way and restarted.

The send is created as a user creates it (``sms_send_create``: one logged row per recipient and a job on the job
system). The job runs in a real procrastinate worker process (``manage.py procrastinate worker``); when about 40 %
of the messages are out, the worker is killed with SIGKILL, a new worker is started, and the periodic resume job's
body (``outbound.tasks.sends_resume``) queues the send again once its heartbeat is stale. Delivery reports come
back from Kannel to the platform's HTTP side in this process. Afterwards the fake SMSC's own output is counted:
every recipient exactly once is the goal.

Prints sent_per_s (messages the fake SMSC received per second, from the timestamps in its own log, the pause
between the kill and the resume left out; time until every row settled and wall time printed too), duplicates,
lost and peak_rss_mb (the sender process); the last
line is one JSON object. Needs kannel + kannel-extras and PostgreSQL (DATABASE_URL). A fresh database.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil
from _setup import ROOT, django_with_fresh_database, machine

sys.path.insert(0, str(ROOT))
GRACE = 20.0  # SMS_RECONCILE_SECONDS for the run (production default 30)


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "procrastinate", "worker", "--queues", "sms"],
                            env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, cwd=ROOT)


def _progress(send_id: int) -> int:
    from django_tenants.utils import schema_context

    from outbound.selectors import send_progress

    with schema_context("fhi"):
        return send_progress(send_id=send_id)["done"]


def _create_send(n: int) -> int:
    from django_tenants.utils import schema_context

    from outbound import selectors, services
    from outbound.models import SmsSettings

    with schema_context("fhi"):
        SmsSettings.objects.update_or_create(pk=1, defaults={"sender": "FHI", "max_per_second": 2000})
        rows = [{"nummer": f"+4792{i:06d}", "navn": f"mottaker {i}"} for i in range(n)]
        audience = selectors.audience_from_rows(label="bench", rows=rows)
        return services.sms_send_create(user_id=None, audience=audience, body="Hei {navn}, dette er en prøve.").pk


class RssWatch:
    def __init__(self) -> None:
        self.peak = 0

    def sample(self, proc: subprocess.Popen) -> None:
        try:
            p = psutil.Process(proc.pid)
            self.peak = max(self.peak, sum(c.memory_info().rss for c in [p, *p.children(recursive=True)]))
        except psutil.NoSuchProcess:
            pass


def _run(worker_env: dict[str, str], send_id: int, n: int, kill_at: float, logdir: Path) -> dict:
    from outbound.tasks import sends_resume

    rss = RssWatch()
    t0 = time.monotonic()
    first = _worker(worker_env, logdir / "worker1.log")
    while _progress(send_id) < n * kill_at:
        if first.poll() is not None:
            raise SystemExit(f"the worker stopped by itself; see {logdir / 'worker1.log'}")
        rss.sample(first)
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    t_kill, done_at_kill, kill_wall = time.monotonic(), _progress(send_id), time.time()
    second = _worker(worker_env, logdir / "worker2.log")
    time.sleep(2 * GRACE + 0.5)  # the heartbeat goes stale; the periodic resume job would now queue it again
    from django_tenants.utils import schema_context

    with schema_context("fhi"):
        sends_resume("fhi")
    t_resume = time.monotonic()
    while _progress(send_id) < n:
        if second.poll() is not None:  # the worker could not start (e.g. the database was full): start another
            second = _worker(worker_env, logdir / "worker2.log")
        rss.sample(second)
        time.sleep(0.05)
    t_end = time.monotonic()
    second.terminate()
    second.wait(timeout=30)
    return {"active_s": (t_kill - t0) + (t_end - t_resume), "wall_s": t_end - t0, "done_at_kill": done_at_kill,
            "peak_rss": rss.peak, "kill_wall": kill_wall}


def smsc_seconds(kannel, kill_wall: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds during which the fake SMSC was receiving, from its own log's timestamps: the span before the kill
    plus the span after the restart (the deliberate pause between them left out)."""
    import datetime as dt

    stamps = [dt.datetime.strptime(line[:19], "%Y-%m-%d %H:%M:%S").timestamp()
              for line in kannel.fake_out.read_text(errors="replace").splitlines() if "Got message" in line
              and "Hei mottaker" in line]
    before = [t for t in stamps if t <= kill_wall]
    after = [t for t in stamps if t > kill_wall]
    return sum(max(p) - min(p) + 1 for p in (before, after) if p)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--kill-at", type=float, default=0.4)
    parser.add_argument("--grace", type=float, default=GRACE, help="SMS_RECONCILE_SECONDS (s)")
    args = parser.parse_args()
    globals()["GRACE"] = args.grace
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ["SMS_RECONCILE_SECONDS"] = str(GRACE)
    where = django_with_fresh_database()
    from django.conf import settings

    from contactcenter.demo import demo_load
    from tests.harness.asterisk_harness import free_port
    from tests.harness.kannel_harness import Kannel

    demo_load()
    logdir = Path(tempfile.mkdtemp(prefix="sms-bench-"))
    db = settings.DATABASES["default"]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings.SMS_CALLBACK_BASE = base
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
           "SMS_CALLBACK_BASE": base, "LOG_LEVEL": "WARNING"}
    # The platform's HTTP side as in production: uvicorn serving the ASGI app, in its own processes.
    http = subprocess.Popen([sys.executable, "-m", "uvicorn", "controlplane.asgi:application", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", "2", "--log-level", "warning", "--no-access-log"],
                            env=env, cwd=ROOT, stdout=(logdir / "http.log").open("ab"), stderr=subprocess.STDOUT)
    kannel = Kannel(logdir / "kannel", inbound_url=f"{base}/sms/inbound/kannel?from=%p&text=%a").start()
    env.update({"SMS_GATEWAY_URL": kannel.sendsms_url, "SMS_GATEWAY_USER": kannel.user,
                "SMS_GATEWAY_PASSWORD": kannel.password})
    try:
        send_id = _create_send(args.recipients)
        run = _run(env, send_id, args.recipients, args.kill_at, logdir)
        time.sleep(2)  # the fake SMSC's last lines
        report(kannel, args.recipients, run, where)
    finally:
        kannel.stop()
        http.terminate()
        http.wait(timeout=30)


def report(kannel, n: int, run: dict, where: str) -> None:  # type: ignore[no-untyped-def]
    got = Counter(to for _s, to, _k, text in kannel.received() if text.startswith("Hei mottaker"))
    duplicates = sum(c - 1 for c in got.values())
    lost = n - len(got)
    seconds = smsc_seconds(kannel, run["kill_wall"])
    out = {"recipients": n, "sent_per_s": round(sum(got.values()) / seconds, 1), "duplicates": duplicates,
           "lost": lost, "peak_rss_mb": round(run["peak_rss"] / 2**20, 1), "wall_s": round(run["wall_s"], 1),
           "active_s": round(run["active_s"], 1), "done_at_kill": run["done_at_kill"]}
    print(f"machine: {machine()}\ndatabase: {where}")
    print(f"{n} recipients, sender killed (SIGKILL) after {run['done_at_kill']} were out, restarted and resumed")
    print(f"fake SMSC received {sum(got.values())} messages for {len(got)} recipients: "
          f"duplicates {duplicates}, lost {lost}")
    print(f"sent_per_s {out['sent_per_s']} (the fake SMSC received for {seconds:.0f} s by its own clock; until every "
          f"row was settled {out['active_s']} s, wall {out['wall_s']} s incl. the deliberate {2 * GRACE + 0.5:.1f} s "
          f"wait for the stale heartbeat), peak_rss_mb {out['peak_rss_mb']}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
