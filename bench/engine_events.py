"""Benchmark: recorded AMI events through the engine to the channel layer (real Redis).

Feeds the events recorded from a real Asterisk (tests/fixtures/ami) into the engine at rising rates,
in one process, and measures the time from an event entering the engine to its group message
arriving at a subscriber. Prints what it measured; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def run_rate(engine, layer, events, rate: int, seconds: float) -> dict:  # type: ignore[no-untyped-def]
    from engine.core import NodeRuntime, live_group
    from engine.state import LiveState

    channel = await layer.new_channel()
    await layer.group_add(live_group("fhi"), channel)
    latencies: list[float] = []
    received = 0
    done = asyncio.Event()

    async def receiver() -> None:
        nonlocal received
        while True:
            msg = await layer.receive(channel)
            now = time.time()
            for change in msg["changes"]:
                latencies.append((now - change["ts"]) * 1000)
                received += 1
            if done.is_set() and received >= engine.expected:
                return

    rt = NodeRuntime(config=None, state=LiveState())  # type: ignore[arg-type]
    task = asyncio.create_task(receiver())
    await asyncio.sleep(0.2)
    changes_before = engine.published_changes
    engine.expected = 10**12
    start = time.perf_counter()
    total = int(rate * seconds)
    batch = max(1, rate // 200)  # feed in small bursts every 5 ms
    sent = 0
    i = 0
    while sent < total:
        target = start + sent / rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        for _ in range(batch):
            ev = events[i % len(events)]
            i += 1
            engine.on_ami_event(rt, ev)
            sent += 1
    feed_s = time.perf_counter() - start
    await asyncio.sleep(0.5)
    engine.expected = engine.published_changes - changes_before
    done.set()
    try:
        await asyncio.wait_for(task, timeout=10)
    except TimeoutError:
        task.cancel()
    await layer.group_discard(live_group("fhi"), channel)
    achieved = sent / feed_s
    return {"rate": rate, "achieved": achieved, "events": sent, "messages": received,
            "p50_ms": percentile(latencies, 50) if latencies else None,
            "p99_ms": percentile(latencies, 99) if latencies else None}


async def main_async(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "controlplane.settings")
    django.setup()
    from channels_redis.pubsub import RedisPubSubChannelLayer

    from engine.amiparse import parse_ami_stream
    from engine.core import Engine

    events = []
    for path in sorted((ROOT / "tests" / "fixtures" / "ami").glob("queue_*.ami")):
        events.extend(parse_ami_stream(path.read_bytes()))
    # Each replayed call must look new to the state, or it would publish nothing: keep them as recorded
    # (joins and leaves alternate, so queue and agent changes keep coming).
    layer = RedisPubSubChannelLayer(hosts=[args.redis])
    engine = Engine(nodes=[], layer=layer, record_history=False)
    publisher = asyncio.create_task(engine._publisher())
    print(f"{len(events)} recorded AMI events, Redis {args.redis}")
    results = []
    for rate in args.rates:
        r = await run_rate(engine, layer, events, rate, args.seconds)
        r["expected"] = engine.expected
        ok = (r["achieved"] >= rate * 0.95 and r["p99_ms"] is not None and r["p99_ms"] < 50
              and r["messages"] >= engine.expected)
        r["sustained"] = ok
        results.append(r)
        print(f"rate {rate:>6}/s: fed {r['achieved']:.0f}/s, {r['messages']}/{r['expected']} changes delivered, "
              f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms{'' if ok else '  (not sustained)'}")
    publisher.cancel()
    await layer.flush()
    best = max((r for r in results if r["sustained"]), key=lambda r: r["rate"], default=None)
    at_2000 = next((r for r in results if r["rate"] == 2000), None)
    print(json.dumps({
        "max_sustained_events_per_s_tested": best["rate"] if best else 0,
        "p50_ms_at_max": round(best["p50_ms"], 2) if best else None,
        "p99_ms_at_max": round(best["p99_ms"], 2) if best else None,
        "p50_ms_at_2000_per_s": round(at_2000["p50_ms"], 2) if at_2000 else None,
        "p99_ms_at_2000_per_s": round(at_2000["p99_ms"], 2) if at_2000 else None,
    }))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    ap.add_argument("--rates", type=int, nargs="+", default=[500, 1000, 2000, 4000, 8000, 16000, 32000])
    ap.add_argument("--seconds", type=float, default=3.0)
    asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    main()
