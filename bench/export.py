"""Benchmark: export and import of one large agency (agencydata: export_agency / import_agency).

A bench agency with 100,000 calls, 20,000 queue visits each with an inquiry, and 5,000 recordings' metadata
(bulk_create into a fresh database). The export and the import each run as their own process
(``manage.py export_agency`` / ``import_agency``), timed from outside; the peak memory is that process's own
maximum resident set (``ru_maxrss`` from ``os.wait4``). Prints what it measured; the last line is one JSON object.

Goals: export under 60 s, export peak memory under 300 MB.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres python bench/export.py [--calls 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import ROOT, django_with_fresh_database, machine

sys.path.insert(0, str(ROOT))
BATCH = 5000


def _config() -> dict:
    from contactcenter import services as cc
    from switchboard import services as sb

    person = sb.person_create(first_name="Berit", last_name="Benk")
    ext = sb.extension_create(number="2001", person=person)
    queue = cc.queue_create(name="Benkekøen", number="2100")
    agent = cc.agent_create(person=person, extension=ext, queues=[queue])
    category = cc.inquiry_category_create(queue=queue, code="status", name="Status i sak")
    return {"queue": queue, "agent": agent, "category": category}


def _fill(calls: int, inquiries: int, recordings: int) -> None:
    from django_tenants.utils import schema_context

    from contactcenter.models import Call, Inquiry, QueueVisit, Recording
    from tenants import services

    services.agency_create(name="Benketaten", slug="bench", org_number="910000039")
    t0 = dt.datetime(2026, 1, 1, 8, tzinfo=dt.UTC)
    with schema_context("bench"):
        cfg = _config()
        for start in range(0, calls, BATCH):
            Call.objects.bulk_create([Call(
                linkedid=f"{1700000000 + i}.{i}", direction="inbound", caller_number=f"+479{i:07d}", dialed="2100",
                started_at=t0 + dt.timedelta(seconds=20 * i), answered_at=t0 + dt.timedelta(seconds=20 * i + 5),
                ended_at=t0 + dt.timedelta(seconds=20 * i + 65), talk_seconds=60, hangup_cause="16")
                for i in range(start, min(calls, start + BATCH))])
        call_ids = list(Call.objects.order_by("pk").values_list("pk", "started_at")[:inquiries])
        for start in range(0, len(call_ids), BATCH):
            chunk = call_ids[start:start + BATCH]
            visits = QueueVisit.objects.bulk_create([QueueVisit(
                call_id=pk, queue=cfg["queue"], uniqueid=f"{1700000000 + pk}.{pk}", caller_number=f"+479{pk:07d}",
                entered_at=at, position_on_entry=1, outcome="answered", waited_seconds=5, answered_by=cfg["agent"],
                talk_seconds=60) for pk, at in chunk])
            Inquiry.objects.bulk_create([Inquiry(
                visit=v, queue=cfg["queue"], category=cfg["category"], agent=cfg["agent"],
                note="Spørsmål om vedtak, «klage» og frister; æøå") for v in visits])
        Recording.objects.bulk_create([Recording(
            call_id=pk, path=f"/var/spool/telefoni/bench/recordings/{pk}.wav", started_at=at, started_by=cfg["agent"])
            for pk, at in call_ids[:recordings]])


def _child(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``manage.py args`` as its own process: (seconds, its own peak RSS in MB)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    output = proc.stdout.read().decode() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{output}")
    print(output.strip().splitlines()[-1])
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--inquiries", type=int, default=20_000)
    parser.add_argument("--recordings", type=int, default=5_000)
    args = parser.parse_args()
    where = django_with_fresh_database()
    from django.conf import settings

    print(f"machine: {machine()}; {where}")
    started = time.perf_counter()
    _fill(args.calls, args.inquiries, args.recordings)
    print(f"filled the bench agency in {time.perf_counter() - started:.1f} s")
    db = settings.DATABASES["default"]
    env = {**os.environ, "DJANGO_DEBUG": "1", "ASTERISK_AUTO_RENDER": "0",
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"}
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        archive = Path(tmp) / "bench.zip"
        export_s, export_mb = _child(["export_agency", "--slug", "bench", "--out", str(archive)], env)
        size_mb = archive.stat().st_size / 1e6
        import_s, import_mb = _child(["import_agency", "--in", str(archive), "--slug", "benchkopi",
                                      "--org-number", "910000047"], env)
    print(f"export: {export_s:.1f} s, peak RSS {export_mb:.0f} MB, archive {size_mb:.1f} MB; "
          f"import: {import_s:.1f} s, peak RSS {import_mb:.0f} MB")
    print(json.dumps({"calls": args.calls, "inquiries": args.inquiries, "recordings": args.recordings,
                      "export_s": round(export_s, 2), "peak_rss_mb": round(export_mb, 1),
                      "archive_mb": round(size_mb, 1), "import_s": round(import_s, 2),
                      "import_peak_rss_mb": round(import_mb, 1)}))


if __name__ == "__main__":
    main()
