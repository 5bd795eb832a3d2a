"""Benchmark: live updates fanned out to N console WebSocket clients of one agency.

A real ASGI server (uvicorn, separate process) and the engine (this process) talk through real Redis.
The engine publishes state changes, made by replaying AMI events recorded from a real Asterisk, at a
fixed rate; every client is a logged-in supervisor and measures publish -> receipt. Prints what it
measured; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time

from _setup import ROOT, django_with_fresh_database, machine

sys.path.insert(0, str(ROOT))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


def clients_process(n: int, port: int, session_key: str, ready, stop, out) -> None:  # type: ignore[no-untyped-def]
    """N WebSocket clients in their own process (so the engine's timing is not disturbed by them, and
    Python's parsing of 10,000 frames a second can use more than one core)."""
    import websockets

    async def main() -> None:
        latencies: list[float] = []
        per_client: list[int] = []
        connected: list[int] = []

        async def client() -> None:
            got = 0
            async with websockets.connect(f"ws://fhi.localhost:{port}/ws/live/", host="127.0.0.1", port=port,
                                          max_size=2**22, open_timeout=120, compression=None,
                                          additional_headers={"Cookie": f"sessionid={session_key}"}) as ws:
                first = json.loads(await ws.recv())
                assert first["type"] == "snapshot", first
                connected.append(1)
                while not stop.is_set():
                    try:
                        raw = await asyncio.wait_for(ws.recv(), 0.5)
                    except TimeoutError:
                        continue
                    msg = json.loads(raw)
                    if msg.get("type") == "update":
                        now = time.time()
                        for change in msg["changes"]:
                            latencies.append((now - change["ts"]) * 1000)
                            got += 1
            per_client.append(got)

        tasks = []
        for i in range(n):
            tasks.append(asyncio.create_task(client()))
            if i % 50 == 49:
                await asyncio.sleep(0.2)
        while len(connected) < n:
            await asyncio.sleep(0.1)
            failed = [t for t in tasks if t.done() and t.exception()]
            if failed:
                raise failed[0].exception()  # type: ignore[misc]
        ready.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        out.put({"latencies": latencies, "per_client": per_client})

    asyncio.run(main())


async def run(args: argparse.Namespace, session_key: str, port: int) -> list[dict]:
    import multiprocessing as mp

    from channels.layers import get_channel_layer

    from engine.amiparse import parse_ami_stream
    from engine.core import Engine, NodeRuntime
    from engine.state import LiveState

    engine = Engine(nodes=[], layer=get_channel_layer(), record_history=False, coalesce_s=args.coalesce_ms / 1000)
    await engine.start()
    events = []
    for path in sorted((ROOT / "tests" / "fixtures" / "ami").glob("queue_*.ami")):
        events.extend(parse_ami_stream(path.read_bytes()))
    results = []
    ctx = mp.get_context("spawn")
    for clients in args.clients:
        nprocs = max(1, min(args.client_procs, clients))
        stop, out = ctx.Event(), ctx.Queue()
        readies, procs = [], []
        for k in range(nprocs):
            share = clients // nprocs + (1 if k < clients % nprocs else 0)
            ready = ctx.Event()
            proc = ctx.Process(target=clients_process, args=(share, port, session_key, ready, stop, out))
            proc.start()
            readies.append(ready)
            procs.append(proc)
        while not all(r.is_set() for r in readies):
            await asyncio.sleep(0.1)
            if not all(p.is_alive() for p in procs):
                raise RuntimeError("en klientprosess stoppet")
        rt = NodeRuntime(config=None, state=LiveState())  # type: ignore[arg-type]
        changes_before = engine.published_changes
        published = 0
        start = time.perf_counter()
        i = 0
        total = int(args.rate * args.seconds)
        while published < total:
            target = start + published / args.rate
            delay = target - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            before = engine._pub_q.qsize()
            while engine._pub_q.qsize() == before:  # feed recorded events until one change is published
                engine.on_ami_event(rt, events[i % len(events)])
                i += 1
            published += 1
        await asyncio.sleep(3)
        engine_changes = engine.published_changes - changes_before
        stop.set()
        latencies, per_client = [], []
        for _ in procs:
            data = await asyncio.to_thread(out.get, True, 120)
            latencies += data["latencies"]
            per_client += data["per_client"]
        for proc in procs:
            proc.join(timeout=30)
        r = {"clients": clients, "rate": args.rate, "published": published, "engine_changes": engine_changes,
             "received": len(latencies), "p50_ms": pct(latencies, 50), "p99_ms": pct(latencies, 99),
             "same_for_all": len(set(per_client)) == 1 and len(per_client) == clients,
             "per_client": max(per_client, default=0)}
        results.append(r)
        print(f"{clients:>4} clients, {args.rate}/s changes ({engine_changes} sent by the engine): every client got "
              f"{r['per_client']} merged changes{'' if r['same_for_all'] else ' (NOT the same for all)'}, "
              f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms")
    await engine.stop()
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, nargs="+", default=[50, 200, 500])
    ap.add_argument("--rate", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--coalesce-ms", type=float, default=5, help="the engine's coalescing window")
    ap.add_argument("--window-ms", type=int, default=30, help="the consoles' merge window (server side)")
    ap.add_argument("--client-procs", type=int, default=2, help="processes the WebSocket clients are spread over")
    args = ap.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    where = django_with_fresh_database()
    from django.conf import settings

    from contactcenter.demo import demo_load

    demo_load()
    db = settings.DATABASES["default"]
    session_key = _session("fhi", "jonas")
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
               DJANGO_DEBUG="0", LOG_LEVEL="WARNING", CONSOLE_WINDOW_MS=str(args.window_ms))
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "controlplane.asgi:application", "--port", str(port),
                               "--host", "127.0.0.1", "--log-level", "warning", "--ws", "websockets-sansio"],
                              cwd=ROOT, env=env)
    try:
        _wait_port(port)
        print(f"machine: {machine()}; {where}; Redis {os.environ['REDIS_URL']}; server pid {server.pid}")
        results = asyncio.run(run(args, session_key, port))
    finally:
        server.terminate()
        server.wait(timeout=20)
    at = {r["clients"]: r for r in results}
    biggest = max(results, key=lambda r: r["clients"])
    print(json.dumps({
        "clients": biggest["clients"], "changes_per_s": args.rate,
        "p50_ms": round(biggest["p50_ms"], 1), "p99_ms": round(biggest["p99_ms"], 1),
        "same_changes_for_every_client": biggest["same_for_all"], "console_window_ms": args.window_ms,
        **{f"p99_ms_{n}_clients": round(r["p99_ms"], 1) for n, r in at.items()},
    }))


def _session(slug: str, username: str) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django_tenants.utils import schema_context

    with schema_context(slug):
        user = get_user_model().objects.get(username=username)
        s = import_module(settings.SESSION_ENGINE).SessionStore()
        s[SESSION_KEY] = str(user.pk)
        s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()
        s.save()
        return s.session_key


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int) -> None:
    import socket

    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("serveren startet ikke")


if __name__ == "__main__":
    main()
