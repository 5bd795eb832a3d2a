"""Benchmark: the REST API's read side over a large call history, in-process (Django's test client, no network).

A fresh database with the demo agencies; FHI gets N calls (default 20,000) spread over 90 days. Measures, per
request, the time to answer (first page of calls, a deep page, a one-week period, one call by id) with a
read token, and the time to authenticate a token. Prints what it measured; the last line is one JSON object.

Needs PostgreSQL (DATABASE_URL or the embedded one).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time

from _setup import django_with_fresh_database, machine


def _fill(calls: int) -> str:
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from api.services import api_token_create
    from contactcenter.demo import demo_load
    from contactcenter.models import Call

    demo_load(verbosity=0)
    start = timezone.now() - dt.timedelta(days=90)
    with schema_context("fhi"):
        Call.objects.bulk_create([Call(linkedid=f"{1700000000 + i}.{i}", direction="inbound", caller_number="4799999999",
                                       dialed="7000", started_at=start + dt.timedelta(seconds=i * 90 * 86400 // calls),
                                       talk_seconds=60) for i in range(calls)], batch_size=5000)
        return api_token_create(name="bench", scopes=["read"])[1]


def _time(client, path: str, token: str, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(path, HTTP_HOST="fhi.localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
        out.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.content[:300]
    return out


def _p99(values: list[float]) -> float:
    return round(sorted(values)[max(0, int(len(values) * 0.99) - 1)], 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_DEBUG", "1")
    where = django_with_fresh_database()
    token = _fill(args.calls)
    from django.test import Client

    client = Client()
    week_from = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    week_to = (dt.date.today() - dt.timedelta(days=23)).isoformat()
    cases = {"first_page": "/api/v1/calls/", "deep_page": f"/api/v1/calls/?page={args.calls // 50 - 1}",
             "period_week": f"/api/v1/calls/?from={week_from}&to={week_to}&page_size=500", "one_call": "/api/v1/calls/1/",
             "queues": "/api/v1/queues/"}
    _time(client, "/api/v1/calls/", token, 5)  # warm up
    results = {name: _time(client, path, token, args.repeat) for name, path in cases.items()}
    print(f"machine: {machine()}; {where}; {args.calls} calls in FHI, {args.repeat} requests per case")
    out: dict[str, object] = {"calls": args.calls, "requests_per_case": args.repeat}
    for name, values in results.items():
        p50, p99 = round(statistics.median(values), 1), _p99(values)
        print(f"{name:12s} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms")
        out[f"{name}_p50_ms"], out[f"{name}_p99_ms"] = p50, p99
    print(json.dumps(out))


if __name__ == "__main__":
    main()
