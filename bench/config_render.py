"""Benchmark: agency creation, full config render and one-agency re-render.

Default size: 100 agencies x 200 phones x 10 queues (override with --agencies/--phones/--queues).
Prints what it measured; the last line is one JSON object of figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from _setup import django_with_fresh_database, machine


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agencies", type=int, default=100)
    ap.add_argument("--phones", type=int, default=200)
    ap.add_argument("--queues", type=int, default=10)
    args = ap.parse_args()
    where = django_with_fresh_database()
    print(f"machine: {machine()}; {where}")
    create_times = [_create_agency(i, args) for i in range(args.agencies)]
    print(f"created {args.agencies} agencies; creation p50 {statistics.median(create_times) * 1000:.0f} ms, "
          f"max {max(create_times) * 1000:.0f} ms")
    out, cold, full_times, one_times = _measure_renders(args)
    files = sum(1 for _ in out.rglob("*.conf"))
    size = sum(p.stat().st_size for p in out.rglob("*.conf"))
    print(f"full render of {args.agencies} agencies ({files} files, {size / 1e6:.1f} MB): "
          f"first {cold.seconds:.2f} s, best of 3 {min(full_times):.2f} s")
    print(f"one-agency re-render: p50 {statistics.median(one_times) * 1000:.1f} ms, max {max(one_times) * 1000:.1f} ms")
    print(json.dumps({
        "agencies": args.agencies, "phones_per_agency": args.phones, "queues_per_agency": args.queues,
        "full_render_s": round(min(full_times), 3), "one_agency_render_ms": round(statistics.median(one_times) * 1000, 1),
        "agency_create_p50_ms": round(statistics.median(create_times) * 1000, 1),
        "agency_create_max_ms": round(max(create_times) * 1000, 1),
    }))


def _create_agency(i: int, args: argparse.Namespace) -> float:
    """One agency with phones, voicemail, queues and DIDs; returns how long agency_create took (s)."""
    from django_tenants.utils import schema_context

    from contactcenter.models import MusicOnHold, Queue
    from switchboard.models import Did, Extension, Phone, Voicemail
    from switchboard.services import generate_sip_password
    from tenants import services

    slug = f"b{i:03d}"
    t0 = time.perf_counter()
    agency = services.agency_create(name=f"Etat {i}", slug=slug, org_number=_org_number(80000000 + i * 13))
    took = time.perf_counter() - t0
    first = 4722000000 + i * 1000
    services.number_range_allocate(agency=agency, first=f"+{first}", last=f"+{first + 999}")
    with schema_context(slug):
        exts = Extension.objects.bulk_create(
            [Extension(number=str(1000 + n), outbound_number=f"+{first + n}") for n in range(args.phones)])
        Phone.objects.bulk_create([Phone(extension=e, tier=("simple", "standard", "advanced")[n % 3],
                                         sip_password=generate_sip_password()) for n, e in enumerate(exts)])
        Voicemail.objects.bulk_create([Voicemail(extension=e, pin="1234") for e in exts[::4]])
        moh = MusicOnHold.objects.create(name="Musikk")
        queues = Queue.objects.bulk_create([Queue(name=f"Kø {n}", number=str(7000 + n), music_on_hold=moh)
                                            for n in range(args.queues)])
        Did.objects.bulk_create([Did(number=f"+{first + n}", dest_kind="queue", dest_ref=q.pk)
                                 for n, q in enumerate(queues)])
    return took


def _measure_renders(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """A cold full render, the best of three full renders, and ten one-agency re-renders."""
    from django_tenants.utils import schema_context

    from asterisk_conf.render import render_to_dir
    from switchboard.models import Phone

    out = Path(tempfile.mkdtemp(prefix="cp-render-"))
    cold = render_to_dir(out_dir=out)
    full_times = []
    for _ in range(3):
        t0 = time.perf_counter()
        render_to_dir(out_dir=Path(tempfile.mkdtemp(prefix="cp-render-")))
        full_times.append(time.perf_counter() - t0)
    one_times = []
    target = f"b{args.agencies // 2:03d}"
    for n in range(10):
        with schema_context(target):
            Phone.objects.filter(pk=Phone.objects.order_by("id").first().pk).update(tier=("advanced", "standard")[n % 2])
        t0 = time.perf_counter()
        res = render_to_dir(out_dir=out, only=[target])
        one_times.append(time.perf_counter() - t0)
        assert len(res.written) == 1, res.written
    return out, cold, full_times, one_times


def _org_number(base: int) -> str:
    """A valid Norwegian organisation number whose first eight digits are ``base`` or just after."""
    n = base
    while True:
        digits = f"{n:08d}"
        rem = sum(int(d) * w for d, w in zip(digits, (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
        check = 0 if rem == 0 else 11 - rem
        if check != 10:
            return digits + str(check)
        n += 1


if __name__ == "__main__":
    main()
