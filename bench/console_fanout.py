"""Benchmark: live updates fanned out to N console WebSocket clients of one agency.

A real ASGI server (uvicorn, separate process) and the engine (this process) talk through real Redis.
The engine publishes state changes, made by replaying AMI events recorded from a real Asterisk, at a
fixed rate; every client is a logged-in supervisor and measures publish -> receipt. In the same run, the
same clients are served by a bare uvicorn WebSocket app (bench/_bare_ws.py: same frames, rate and window, no
Django, Channels or Redis) as the baseline; the p99 ratio ours/baseline is how much is ours. Prints what it
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
from pathlib import Path

from _setup import ROOT, django_with_fresh_database, machine

sys.path.insert(0, str(ROOT))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else float("nan")


class RawConsole(asyncio.Protocol):
    """A console client with as little Python per frame as a WebSocket allows: the handshake by hand, then
    unmasked server frames parsed from the byte stream and each text frame decoded once. The clients share
    the machine's 2 cores with the servers: a heavier client (the ``websockets`` library's asyncio client,
    ``--client websockets``) saturates first and then measures itself rather than the server."""

    def __init__(self, host: str, path: str, headers: dict, latencies: list[float], connected: list[int]) -> None:
        self.request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                        + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()
        self.buf = b""
        self.upgraded = self.snapshot = False
        self.got = 0
        self.latencies, self.connected = latencies, connected
        self.done = asyncio.get_running_loop().create_future()

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)

    def data_received(self, data: bytes) -> None:
        buf = self.buf + data
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            if not buf.startswith(b"HTTP/1.1 101"):
                raise RuntimeError(buf[:end].decode(errors="replace"))
            self.upgraded, buf = True, buf[end + 4:]
        pos = 0
        while len(buf) - pos >= 2:
            opcode, n, head = buf[pos] & 0x0F, buf[pos + 1] & 0x7F, 2
            if n == 126:
                n, head = int.from_bytes(buf[pos + 2:pos + 4], "big"), 4
            elif n == 127:
                n, head = int.from_bytes(buf[pos + 2:pos + 10], "big"), 10
            if len(buf) - pos < head + n:
                break
            self.frame(opcode, buf[pos + head:pos + head + n])
            pos += head + n
        self.buf = buf[pos:]

    def frame(self, opcode: int, payload: bytes) -> None:
        if opcode == 9:  # ping -> pong (client frames are masked; an all-zero mask leaves the payload as is)
            self.transport.write(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
        elif opcode == 1:
            msg = json.loads(payload)
            if not self.snapshot:
                assert msg["type"] == "snapshot", msg
                self.snapshot = True
                self.connected.append(1)
            elif msg.get("type") == "update":
                now = time.time()
                self.latencies.extend((now - change["ts"]) * 1000 for change in msg["changes"])
                self.got += len(msg["changes"])


def clients_process(n: int, url: str, headers: dict, kind: str, ready, stop, out) -> None:  # type: ignore[no-untyped-def]
    """N WebSocket clients in their own process (so the engine's timing is not disturbed by them, and
    the clients' parsing of 10,000+ frames a second can use more than one core)."""
    from urllib.parse import urlsplit

    u = urlsplit(url)

    async def raw_client(latencies: list[float], connected: list[int], per_client: list[int]) -> None:
        loop = asyncio.get_running_loop()
        _, proto = await loop.create_connection(
            lambda: RawConsole(u.netloc, u.path, headers, latencies, connected), "127.0.0.1", u.port)
        while not stop.is_set() and not proto.done.done():
            await asyncio.sleep(0.5)
        proto.transport.close()
        per_client.append(proto.got)

    async def websockets_client(latencies: list[float], connected: list[int], per_client: list[int]) -> None:
        import websockets

        got = 0
        async with websockets.connect(url, host="127.0.0.1", max_size=2**22, open_timeout=120, compression=None,
                                      additional_headers=headers) as ws:
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
                    latencies.extend((now - change["ts"]) * 1000 for change in msg["changes"])
                    got += len(msg["changes"])
        per_client.append(got)

    async def main() -> None:
        latencies: list[float] = []
        per_client: list[int] = []
        connected: list[int] = []
        client = raw_client if kind == "raw" else websockets_client
        tasks = []
        for i in range(n):
            tasks.append(asyncio.create_task(client(latencies, connected, per_client)))
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


def cpu_s(pid: int) -> float:
    """CPU time (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LinkLayer:
    """The baseline's "channel layer": the engine's group messages go as JSON over one WebSocket to the
    bare server (no Redis, no Channels)."""

    def __init__(self, ws) -> None:  # type: ignore[no-untyped-def]
        self.ws = ws

    async def group_send(self, group: str, message: dict) -> None:
        await self.ws.send(json.dumps(message))


async def phase(args: argparse.Namespace, engine, clients: int, url: str, headers: dict,  # type: ignore[no-untyped-def]
                server_pid: int) -> dict:
    """Connect ``clients`` consoles to ``url``, feed ``args.rate`` changes/s through ``engine`` for
    ``args.seconds``, and gather what every console received."""
    import multiprocessing as mp

    from engine.core import NodeRuntime
    from engine.state import LiveState

    ctx = mp.get_context("spawn")
    nprocs = max(1, min(args.client_procs, clients))
    stop, out = ctx.Event(), ctx.Queue()
    readies, procs = [], []
    for k in range(nprocs):
        share = clients // nprocs + (1 if k < clients % nprocs else 0)
        ready = ctx.Event()
        proc = ctx.Process(target=clients_process, args=(share, url, headers, args.client, ready, stop, out))
        proc.start()
        readies.append(ready)
        procs.append(proc)
    while not all(r.is_set() for r in readies):
        await asyncio.sleep(0.1)
        if not all(p.is_alive() for p in procs):
            raise RuntimeError("en klientprosess stoppet")
    await asyncio.sleep(1)  # let the connection burst settle
    rt = NodeRuntime(config=None, state=LiveState())  # type: ignore[arg-type]
    changes_before = engine.published_changes
    published, i, total = 0, 0, int(args.rate * args.seconds)
    start, cpu_before = time.perf_counter(), cpu_s(server_pid)
    while published < total:
        delay = start + published / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        before = engine._pub_q.qsize()
        while engine._pub_q.qsize() == before:  # feed recorded events until one change is published
            engine.on_ami_event(rt, EVENTS[i % len(EVENTS)])
            i += 1
        published += 1
    server_cpu = (cpu_s(server_pid) - cpu_before) / (time.perf_counter() - start)
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
    return {"clients": clients, "published": published, "engine_changes": engine_changes, "received": len(latencies),
            "p50_ms": pct(latencies, 50), "p99_ms": pct(latencies, 99),
            "same_for_all": len(set(per_client)) == 1 and len(per_client) == clients,
            "per_client": max(per_client, default=0), "server_cpu_pct": 100 * server_cpu}


EVENTS: list[dict] = []


async def run(args: argparse.Namespace, session_key: str, ports: tuple[int, int], pids: tuple[int, int]) -> list[dict]:
    """Per client count and repeat: the real server and the bare baseline, one after the other (the
    order alternates between repeats so that neither always runs first)."""
    import websockets
    from channels.layers import get_channel_layer

    from engine.amiparse import parse_ami_stream
    from engine.core import Engine

    for path in sorted((ROOT / "tests" / "fixtures" / "ami").glob("queue_*.ami")):
        EVENTS.extend(parse_ami_stream(path.read_bytes()))
    engine = Engine(nodes=[], layer=get_channel_layer(), record_history=False, coalesce_s=args.coalesce_ms / 1000)
    await engine.start()
    port, bare_port = ports
    link = await websockets.connect(f"ws://127.0.0.1:{bare_port}/engine/", compression=None)
    bare = Engine(nodes=[], layer=LinkLayer(link), record_history=False, coalesce_s=args.coalesce_ms / 1000)
    await bare.start(listen_commands=False)
    ours = (engine, f"ws://fhi.localhost:{port}/ws/live/", {"Cookie": f"sessionid={session_key}"}, pids[0])
    base = (bare, f"ws://127.0.0.1:{bare_port}/ws/live/", {}, pids[1])
    results = []
    for rep in range(args.repeat):
        for clients in args.clients:
            r: dict = {}
            for name, (eng, url, headers, pid) in ([("ours", ours), ("bare", base)] if rep % 2 == 0
                                               else [("bare", base), ("ours", ours)]):
                r[name] = await phase(args, eng, clients, url, headers, pid)
            r = {"clients": clients, "repeat": rep, **r["ours"], "baseline": r["bare"],
                 "overhead_ratio": r["ours"]["p99_ms"] / r["bare"]["p99_ms"]}
            results.append(r)
            b = r["baseline"]
            print(f"{clients:>4} clients, {args.rate}/s changes ({r['engine_changes']} sent by the engine): every client "
                  f"got {r['per_client']} merged changes{'' if r['same_for_all'] else ' (NOT the same for all)'}, "
                  f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, server CPU {r['server_cpu_pct']:.0f} % | bare server: "
                  f"{b['per_client']} changes, p50 {b['p50_ms']:.1f} ms, p99 {b['p99_ms']:.1f} ms, server CPU "
                  f"{b['server_cpu_pct']:.0f} % | p99 ratio {r['overhead_ratio']:.2f} "
                  f"| load {os.getloadavg()[0]:.2f}", flush=True)
    for stopping in (engine.stop(), bare.stop(), link.close()):  # a stuck teardown must not lose the results
        try:
            await asyncio.wait_for(stopping, 15)
        except TimeoutError:
            print("(stopping timed out)", flush=True)
    return results


def summary(args: argparse.Namespace, results: list[dict]) -> dict:
    """Medians over the repeats per client count (keys name their unit and client count), the spread as
    min/max, and the top-level figures for the largest count."""
    import statistics

    out: dict = {"changes_per_s": args.rate, "console_window_ms": args.window_ms, "repeats": args.repeat,
                 "client": args.client,
                 "same_changes_for_every_client": all(r["same_for_all"] for r in results)}
    for n in args.clients:
        rs = [r for r in results if r["clients"] == n]
        ours, bare = [r["p99_ms"] for r in rs], [r["baseline"]["p99_ms"] for r in rs]
        ratios = [r["overhead_ratio"] for r in rs]
        out[f"p50_ms_{n}"] = round(statistics.median(r["p50_ms"] for r in rs), 1)
        out[f"p99_ms_{n}"] = round(statistics.median(ours), 1)
        out[f"baseline_p50_ms_{n}"] = round(statistics.median(r["baseline"]["p50_ms"] for r in rs), 1)
        out[f"baseline_p99_ms_{n}"] = round(statistics.median(bare), 1)
        out[f"overhead_ratio_{n}"] = round(statistics.median(ratios), 2)
        out[f"p99_ms_{n}_range"] = [round(min(ours), 1), round(max(ours), 1)]
        out[f"baseline_p99_ms_{n}_range"] = [round(min(bare), 1), round(max(bare), 1)]
        out[f"overhead_ratio_{n}_range"] = [round(min(ratios), 2), round(max(ratios), 2)]
        out[f"server_cpu_pct_{n}"] = round(statistics.median(r["server_cpu_pct"] for r in rs))
        out[f"baseline_server_cpu_pct_{n}"] = round(statistics.median(r["baseline"]["server_cpu_pct"] for r in rs))
    n = max(args.clients)
    out.update(clients=n, p99_ms=out[f"p99_ms_{n}"], baseline_p99_ms=out[f"baseline_p99_ms_{n}"],
               overhead_ratio=out[f"overhead_ratio_{n}"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, nargs="+", default=[50, 200, 500])
    ap.add_argument("--rate", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--repeat", type=int, default=1, help="runs per client count (each: ours and the baseline)")
    ap.add_argument("--coalesce-ms", type=float, default=5, help="the engine's coalescing window")
    ap.add_argument("--window-ms", type=int, default=30, help="the consoles' merge window (server side)")
    ap.add_argument("--client-procs", type=int, default=2, help="processes the WebSocket clients are spread over")
    ap.add_argument("--client", choices=["raw", "websockets"], default="raw",
                    help="console client: minimal frame parser, or the websockets library's asyncio client")
    ap.add_argument("--ws", default="websockets-sansio", help="uvicorn's WebSocket implementation (both servers)")
    args = ap.parse_args()
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    where = django_with_fresh_database()
    from django.conf import settings

    from contactcenter.demo import demo_load

    demo_load()
    db = settings.DATABASES["default"]
    session_key = _session("fhi", "jonas")
    port, bare_port = _free_port(), _free_port()
    env = dict(os.environ, DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
               DJANGO_DEBUG="0", LOG_LEVEL="WARNING", CONSOLE_WINDOW_MS=str(args.window_ms),
               BARE_WINDOW_MS=str(args.window_ms))
    uvicorn = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--log-level", "warning", "--ws", args.ws]
    server = subprocess.Popen([*uvicorn, "controlplane.asgi:application", "--port", str(port)], cwd=ROOT, env=env)
    bare = subprocess.Popen([*uvicorn, "_bare_ws:app", "--app-dir", str(ROOT / "bench"), "--port", str(bare_port)],
                            cwd=ROOT, env=env)
    try:
        _wait_port(port)
        _wait_port(bare_port)
        print(f"machine: {machine()}; {where}; Redis {os.environ['REDIS_URL']}; server pid {server.pid}, "
              f"bare server pid {bare.pid}; uvicorn --ws {args.ws}", flush=True)
        results = asyncio.run(run(args, session_key, (port, bare_port), (server.pid, bare.pid)))
    finally:
        for proc in (server, bare):
            proc.terminate()
            proc.wait(timeout=20)
    print(json.dumps(summary(args, results)))


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
