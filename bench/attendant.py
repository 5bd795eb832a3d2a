"""Benchmark: the attendant console with 20 calls waiting and 5 operators.

A real Asterisk (the managed one, on free ports), the real server with the engine in the same process (uvicorn,
the default in-memory channel layer, as `./dev run` without REDIS_URL), 5 operators' WebSocket clients on
``ws/attendant/`` and SIPp calling fhi's switchboard number 20 times (the calls stay, waiting). For every call and
every operator: the time from the call's arrival (the engine's StasisStart handling, ``arrived``) to the frame that
shows it on that operator's screen. Prints what it measured; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _setup import ROOT, django_with_fresh_database, machine

sys.path.insert(0, str(ROOT))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


def _operators(count: int) -> list[str]:
    """``count`` operators in fhi (the demo has two), each on an extension of their own. Returns session keys."""
    from console_fanout import _session
    from django.contrib.auth import get_user_model
    from django_tenants.utils import schema_context

    from switchboard.models import Extension, Operator
    from switchboard.services import operator_create

    names = []
    with schema_context("fhi"):
        for i, ext in enumerate(Extension.objects.order_by("number")[:count]):
            op = Operator.objects.filter(extension=ext).first()
            if op is None:
                user = get_user_model().objects.create_user(username=f"operator{i}", password="bench-passord-2026")
                op = operator_create(user=user, extension=ext)
            names.append(op.user.username)
    return [_session("fhi", name) for name in names]


async def operator(url: str, session: str, calls: int, seen: dict, ready: asyncio.Event) -> None:
    import websockets

    port = int(url.split("/")[2].split(":")[1])  # fhi.localhost: the Host header picks the agency; TCP to 127.0.0.1
    async with websockets.connect(url, additional_headers={"Cookie": f"sessionid={session}"}, host="127.0.0.1",
                                  port=port) as ws:
        async for raw in ws:
            now = time.time()
            msg = json.loads(raw)
            if msg["type"] == "snapshot":
                ready.set()
            elif msg["type"] == "update":
                for change in msg["changes"]:
                    if change.get("kind") == "sb_call" and not change.get("gone"):
                        seen.setdefault(change["call_id"], now - change["arrived"])
            if len(seen) >= calls:
                return


async def run(args: argparse.Namespace, port: int, sessions: list[str], start_callers) -> list[float]:  # type: ignore[no-untyped-def]
    url = f"ws://fhi.localhost:{port}/ws/attendant/"
    seen: list[dict] = [{} for _ in sessions]
    ready = [asyncio.Event() for _ in sessions]
    tasks = [asyncio.create_task(operator(url, s, args.calls, seen[i], ready[i])) for i, s in enumerate(sessions)]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 20)
    await asyncio.sleep(1)  # the operators are logged in (and their consoles settled) before the calls come
    start_callers()
    await asyncio.wait_for(asyncio.gather(*tasks), args.calls / args.rate + 60)
    return [latency * 1000 for per_operator in seen for latency in per_operator.values()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--operators", type=int, default=5)
    ap.add_argument("--rate", type=float, default=5, help="new calls per second")
    args = ap.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ.pop("REDIS_URL", None)  # the engine in the server's process, in-memory channel layer
    where = django_with_fresh_database()
    from django.conf import settings

    from contactcenter.demo import demo_load
    from engine.core import NodeConfig
    from tests.harness.asterisk_harness import free_port, prepare
    from tests.harness.server_harness import LiveServer
    from tests.harness.sipp_harness import SippCallers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    demo_load(verbosity=0)
    sessions = _operators(args.operators)
    base = Path(tempfile.mkdtemp(prefix="cp-bench-attendant-"))
    ast = prepare(base)
    assert ast is not None, "ingen Asterisk funnet"
    ast.start()
    p = ast.profile
    node = NodeConfig(name="bench", host="127.0.0.1", ami_port=p.ami_port, ari_port=p.http_port,
                      ami_username=p.ami_username, ami_secret=p.ami_secret, ari_username=p.ari_username,
                      ari_secret=p.ari_secret, recordings_dir=p.spool_dir)
    server = LiveServer([node], free_port()).start()
    sipp = None
    try:
        while not server.call(lambda: server.engine.runtimes["bench"].stasis.picked_up_at):
            time.sleep(0.1)
        from django_tenants.utils import schema_context

        from switchboard.models import Phone

        with schema_context("fhi"):
            caller = Phone.objects.filter(extension__number="1008").first()
        sipp = SippCallers(base / "sipp", username=f"fhi-p{caller.pk}", password=caller.sip_password,
                           sip_port=p.sip_port, number="21077090", calls=args.calls, concurrent=args.calls,
                           rate=args.rate, min_talk_ms=120000, max_talk_ms=120000, timeout_s=180)
        print(f"machine: {machine()}; {where}; {args.calls} calls at {args.rate}/s, {args.operators} operators; "
              f"load {os.getloadavg()[0]:.2f}", flush=True)
        latencies = asyncio.run(run(args, server.port, sessions, sipp.start))
    finally:
        if sipp is not None:
            sipp.stop()
        server.stop()
        ast.stop()
        shutil.rmtree(base, ignore_errors=True)
    every = len(latencies) == args.calls * args.operators
    print(f"{len(latencies)} (call, operator) pairs seen ({'every call on every screen' if every else 'MISSING'}): "
          f"p50 {pct(latencies, 50):.1f} ms, p99 {pct(latencies, 99):.1f} ms, max {max(latencies):.1f} ms")
    print(json.dumps({"calls": args.calls, "operators": args.operators, "every_call_on_every_screen": every,
                      "p50_ms": round(pct(latencies, 50), 1), "p99_ms": round(pct(latencies, 99), 1),
                      "max_ms": round(max(latencies), 1), "goal_p99_ms": 200}))


if __name__ == "__main__":
    main()
