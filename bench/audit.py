"""Benchmark: the audit trail. Appends (each its own transaction, as a login or an admin save), the cost the
capture adds to a saved row, the chain check over the whole trail, and the export stream's memory.

Prints what it measured; the last line is one JSON object. Needs PostgreSQL (DATABASE_URL or the embedded
one); makes a fresh database. ``python bench/audit.py [--entries 20000] [--saves 2000]``
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time

from _setup import django_with_fresh_database, machine


def _ms(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return round(statistics.median(samples) * 1000, 3), round(samples[int(len(samples) * 0.99) - 1] * 1000, 3)


def _saves(n: int, actor: str | None) -> list[float]:
    from contextlib import nullcontext

    from django.db import transaction

    from audit.context import acting_as
    from switchboard.models import Person

    out = []
    for i in range(n):
        t0 = time.perf_counter()
        # One transaction per change, as the admin and the API save.
        with acting_as(actor) if actor else nullcontext(), transaction.atomic():
            p = Person.objects.create(first_name=f"Bench {i}", last_name="Ærlig")
            p.title = "Rådgiver"
            p.save()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--saves", type=int, default=2000)
    args = parser.parse_args()
    where = django_with_fresh_database()
    from django_tenants.utils import schema_context

    from audit.selectors import audit_chain_verify, audit_entries_for_export
    from audit.services import audit_entry_append
    from tenants import services

    services.agency_create(name="Benchetaten", slug="bench", org_number="974761394")
    print(f"{machine()}; {where}")
    with schema_context("bench"):
        appends = []
        for i in range(args.entries):
            t0 = time.perf_counter()
            audit_entry_append(actor="bruker:bench", ip="192.0.2.1", action="access",
                               detail={"i": i, "path": "/admin/switchboard/person/"})
            appends.append(time.perf_counter() - t0)
        plain = _saves(args.saves, None)
        captured = _saves(args.saves, "cli:bench")
        t0 = time.perf_counter()
        report = audit_chain_verify()
        verify_s = time.perf_counter() - t0
        assert report.ok, report
        t0 = time.perf_counter()
        exported = sum(1 for _row in audit_entries_for_export())
        export_s = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    a50, a99 = _ms(appends)
    p50, _p99 = _ms(plain)
    c50, c99 = _ms(captured)
    print(f"append: {args.entries} entries, p50 {a50} ms, p99 {a99} ms")
    print(f"create+update of a person: without capture p50 {p50} ms, with capture p50 {c50} ms (p99 {c99} ms)")
    print(f"verify_audit over {report.count} entries: {verify_s:.2f} s; export stream {exported} rows: {export_s:.2f} s; "
          f"peak RSS {rss_mb:.0f} MB")
    print(json.dumps({"entries": report.count, "append_p50_ms": a50, "append_p99_ms": a99,
                      "save_plain_p50_ms": p50, "save_captured_p50_ms": c50, "save_captured_p99_ms": c99,
                      "verify_s": round(verify_s, 2), "export_s": round(export_s, 2), "peak_rss_mb": round(rss_mb)}))


if __name__ == "__main__":
    main()
