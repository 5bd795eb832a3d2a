"""Wallboard figures from the call history (reads; run inside the agency's schema)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from contactcenter.callbacks import callback_figures
from contactcenter.models import Queue, QueueOutcome, QueueVisit


def _figures(qs, service_level: dict[int, int]) -> dict:  # type: ignore[no-untyped-def]
    total = qs.count()
    answered = qs.filter(outcome__in=[QueueOutcome.ANSWERED, QueueOutcome.TRANSFERRED])
    n_answered = answered.count()
    abandoned = qs.filter(outcome=QueueOutcome.ABANDONED).count()
    # Cut off while waiting when contact with Asterisk was lost: a call, but neither answered nor a caller who
    # gave up, so it is left out of the abandon rate and the service level (both count only what callers and
    # agents did). An answered call that was cut stays answered, with talk time up to the cut.
    cut = qs.filter(outcome=QueueOutcome.CUT).count()
    within = 0
    for queue_id, threshold in service_level.items():
        within += answered.filter(queue_id=queue_id, waited_seconds__lte=threshold).count()
    agg = answered.aggregate(asa=Avg("waited_seconds"), aht=Avg("talk_seconds"))
    finished = n_answered + abandoned
    return {
        "calls": total,
        "answered": n_answered,
        "abandoned": abandoned,
        "cut": cut,
        "service_level_pct": round(100 * within / n_answered, 1) if n_answered else None,
        "abandon_rate_pct": round(100 * abandoned / finished, 1) if finished else None,
        "asa_s": round(agg["asa"], 1) if agg["asa"] is not None else None,
        "aht_s": round(agg["aht"], 1) if agg["aht"] is not None else None,
    }


def wallboard_figures(*, queue_ids: list[int], now: dt.datetime | None = None) -> dict:
    """Per queue and in total, for today and the last hour, plus an hourly series for today."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    start_of_day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    last_hour = now - dt.timedelta(hours=1)
    queues = list(Queue.objects.filter(pk__in=queue_ids).order_by("id"))
    levels = {q.pk: q.service_level_seconds for q in queues}
    base = QueueVisit.objects.filter(queue_id__in=queue_ids)
    out: dict = {"queues": {}, "total": {}, "series": []}
    for q in queues:
        qs = base.filter(queue=q)
        out["queues"][str(q.pk)] = {
            "name": q.name,
            "today": _figures(qs.filter(entered_at__gte=start_of_day), {q.pk: q.service_level_seconds}),
            "last_hour": _figures(qs.filter(entered_at__gte=last_hour), {q.pk: q.service_level_seconds}),
        }
    out["total"] = {"today": _figures(base.filter(entered_at__gte=start_of_day), levels),
                    "last_hour": _figures(base.filter(entered_at__gte=last_hour), levels)}
    rows = (base.filter(entered_at__gte=start_of_day)
            .annotate(hour=F("entered_at__hour"))
            .values("hour").annotate(calls=Count("id"),
                                     answered=Count("id", filter=Q(outcome__in=["answered", "transferred"]))))
    by_hour = {r["hour"]: r for r in rows}
    for hour in range(0, local.hour + 1):
        start = start_of_day + dt.timedelta(hours=hour)
        hour_qs = base.filter(entered_at__gte=start, entered_at__lt=start + dt.timedelta(hours=1))
        figs = _figures(hour_qs, levels) if hour in by_hour else {"calls": 0, "service_level_pct": None}
        out["series"].append({"hour": hour, "calls": figs["calls"], "service_level_pct": figs["service_level_pct"]})
    out["callbacks"] = callback_figures(queue_ids=queue_ids, now=now)
    return out
