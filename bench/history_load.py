"""Benchmark: call history under load, with real SIP calls on 127.0.0.1.

A managed Asterisk with the demo config, the engine in this process, 8 agents (baresip phones that
answer by themselves) logged into FHI's Sentralbord queue, and SIPp keeping up to 50 callers in that
queue for about 3 minutes; each caller stays a random 4-12 s after Asterisk answers, then hangs up
(so many abandon while waiting, and the rest talk to an agent). Afterwards the history is checked
against what SIPp did: every call one row, none left open, every answered visit with talk time.
Prints what it measured; the last line is one JSON object.

Needs Asterisk, baresip, sipp and PostgreSQL (DATABASE_URL or the embedded one). A fresh database.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _setup import ROOT, django_with_fresh_database, machine

sys.path.insert(0, str(ROOT))


def _setup_agency() -> dict:
    """The demo agencies; a phone for the callers (extension 1050); Sentralbord set up for load."""
    from django_tenants.utils import schema_context

    from asterisk_conf import naming
    from contactcenter.demo import demo_load
    from contactcenter.models import Agent, Queue
    from switchboard import services as sb
    from tenants import services
    from tests.harness.sipp_harness import Phone

    services.template_schema_ensure()
    services.public_tenant_ensure()
    demo_load()
    with schema_context("fhi"):
        ext = sb.extension_create(number="1050", label="Lasttest")
        phone = sb.phone_create(extension=ext, tier="simple", label="SIPp")
        caller = Phone(endpoint=naming.endpoint_name("fhi", phone.pk), password=phone.sip_password)
        agents = {}
        for agent in Agent.objects.select_related("extension").order_by("extension__number")[:8]:
            p = agent.extension.phones.filter(is_active=True).order_by("id").first()
            agents[agent.pk] = Phone(endpoint=naming.endpoint_name("fhi", p.pk), password=p.sip_password)
        queue = Queue.objects.get(number="7000")
        Queue.objects.filter(pk=queue.pk).update(wrapup_seconds=1, announce_position=False, announce_holdtime=False,
                                                 periodic_announce_seconds=0)
    return {"agents": agents, "caller": caller, "queue_id": queue.pk}


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _check_history(queue_id: int, since, caller_number: str) -> dict:  # type: ignore[no-untyped-def]
    from django_tenants.utils import schema_context

    from contactcenter.models import Call, QueueVisit

    with schema_context("fhi"):
        visits = list(QueueVisit.objects.filter(queue_id=queue_id, entered_at__gte=since))
        calls = Call.objects.filter(started_at__gte=since, caller_number=caller_number)
        answered = [v for v in visits if v.outcome in ("answered", "transferred")]
        return {"calls": calls.count(), "open_calls": calls.filter(ended_at__isnull=True).count(),
                "visits": len(visits), "answered": len(answered),
                "abandoned": sum(v.outcome == "abandoned" for v in visits),
                "waiting_left_open": sum(v.outcome == "waiting" for v in visits),
                "missing_talk_time": sum(v.talk_seconds is None for v in answered),
                "calls_answered_without_talk_time": calls.filter(answered_at__isnull=False,
                                                                 talk_seconds__isnull=True).count()}


def _node(ast):  # type: ignore[no-untyped-def]
    from engine.core import NodeConfig

    p = ast.profile
    return NodeConfig(name="bench", host="127.0.0.1", ami_port=p.ami_port, ari_port=p.http_port,
                      ami_username=p.ami_username, ami_secret=p.ami_secret, ari_username=p.ari_username,
                      ari_secret=p.ari_secret, recordings_dir=p.spool_dir, queue_log=p.queue_log)


def _measure(args: argparse.Namespace, setup: dict, ast) -> dict:  # type: ignore[no-untyped-def]
    """Engine on, SIPp run, history checked. RECORD_AMI=<dir> keeps the raw AMI stream and the queue_log
    (the source of tests/fixtures/ami/agent_complete_*)."""
    import datetime as dt

    from tests.harness.ami_client import AmiRecorder
    from tests.harness.engine_harness import EngineThread
    from tests.harness.sipp_harness import queue_load_run

    p = ast.profile
    recorder = AmiRecorder("127.0.0.1", p.ami_port, p.ami_username, p.ami_secret, None) \
        if os.environ.get("RECORD_AMI") else None
    et = EngineThread([_node(ast)])
    try:
        et.wait_for(lambda: et.engine.runtimes["bench"].resynced_at, timeout=15)
        since = dt.datetime.now(tz=dt.UTC)
        cpu0, ast_cpu0, wall0 = time.process_time(), _cpu_seconds(ast.process.pid), time.monotonic()
        run = queue_load_run(ast, et, ast.profile.base_dir / "run", slug="fhi", queue=f"t-fhi-q{setup['queue_id']}",
                             number="7000", agents=setup["agents"], caller=setup["caller"],
                             calls=int(args.rate * args.seconds), concurrent=args.concurrent, rate=args.rate,
                             min_talk_ms=4000, max_talk_ms=12000, timeout_s=args.seconds + 60,
                             rtp_base=int(os.environ["TEST_RTP_END"]) - 200)
        wall = time.monotonic() - wall0
        cpu, ast_cpu = time.process_time() - cpu0, _cpu_seconds(ast.process.pid) - ast_cpu0
        time.sleep(8)  # one queue_log round (5 s) after the grace period (3 s)
        et.flush_history()
        history = _check_history(setup["queue_id"], since, "1050")
    finally:
        et.stop()
        if recorder is not None:
            keep = Path(os.environ["RECORD_AMI"])
            keep.mkdir(parents=True, exist_ok=True)
            (keep / "bench.ami").write_bytes(recorder.stop())
            shutil.copy(p.queue_log, keep / "queue_log")
    return {"run": run, "wall": wall, "cpu": cpu, "ast_cpu": ast_cpu, "history": history}


def _summary(m: dict) -> dict:
    from engine import history as engine_history

    sipp, history, wall = m["run"]["sipp"], m["history"], m["wall"]
    stats = dict(engine_history.STATS)
    out = {"seconds": round(wall, 1), "sipp_calls_ok": sipp.successful, "sipp_calls_failed": sipp.failed, **history,
           "rows_lost": sipp.successful + sipp.failed - history["calls"],
           **{k: stats.get(k, 0) for k in ("matched_by_uniqueid", "matched_by_linkedid", "matched_by_member",
                                            "unmatched", "reconciled_from_queue_log", "shape_full",
                                            "shape_agent_only", "shape_no_channels")},
           "engine_cpu_pct": round(100 * m["cpu"] / wall, 1), "asterisk_cpu_pct": round(100 * m["ast_cpu"] / wall, 1),
           "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    out["matched_by_other_keys"] = out["matched_by_linkedid"] + out["matched_by_member"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--rate", type=float, default=6.0, help="new calls per second (SIPp keeps at most --concurrent)")
    args = parser.parse_args()
    os.environ.setdefault("TEST_RTP_START", "31000")
    os.environ.setdefault("TEST_RTP_END", "31999")
    where = django_with_fresh_database()
    from tests.harness.asterisk_harness import prepare

    setup = _setup_agency()
    base = Path(tempfile.mkdtemp(prefix="cp-bench-load-"))
    ast = prepare(base)
    if ast is None:
        raise SystemExit("Ingen Asterisk funnet.")
    ast.start()
    try:
        out = _summary(_measure(args, setup, ast))
    finally:
        ast.stop()
    print(f"{machine()}; {where}")
    print(f"{args.seconds} s, up to {args.concurrent} SIPp callers, {len(setup['agents'])} agents: "
          f"{out['sipp_calls_ok']} calls ok, {out['sipp_calls_failed']} failed; {out['answered']} answered, "
          f"{out['abandoned']} abandoned")
    print(f"AgentComplete shapes: full {out['shape_full']}, agent only {out['shape_agent_only']}, "
          f"no channels {out['shape_no_channels']}; matched by uniqueid {out['matched_by_uniqueid']}, "
          f"linkedid {out['matched_by_linkedid']}, member {out['matched_by_member']}, unmatched {out['unmatched']}; "
          f"from queue_log {out['reconciled_from_queue_log']}")
    print(f"missing talk time {out['missing_talk_time']}, rows lost {out['rows_lost']}, open calls "
          f"{out['open_calls']}; engine process CPU {out['engine_cpu_pct']} %, Asterisk CPU {out['asterisk_cpu_pct']} %")
    print(json.dumps(out))
    if not os.environ.get("KEEP_TEST_ASTERISK"):
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
