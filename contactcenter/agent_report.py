"""The agent report (reads): per agent over a period, the time logged in to queues, the time on pause by reason,
the queue calls answered and their talk time. From what the engine records (``AgentSession``, ``AgentPause``,
``QueueVisit``); a session or pause still open counts until now. Exports to CSV and Excel like the inquiry reports."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.models import Agent, AgentPause, AgentSession, PauseReason, QueueVisit
from contactcenter.reports import table_csv, table_xlsx

Span = tuple[dt.datetime, dt.datetime]


@dataclass
class AgentRow:
    name: str
    logged_in_s: float = 0.0
    pause_s: float = 0.0
    pause_by_reason: dict[str, float] = field(default_factory=dict)
    answered: int = 0
    talk_s: int = 0

    @property
    def mean_talk_s(self) -> float:
        return self.talk_s / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class AgentActivity:
    start: dt.date
    end: dt.date
    rows: list[AgentRow]
    reasons: list[str]  # the pause reasons seen in the period, by name


def _bounds(start: dt.date, end: dt.date) -> Span:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def _clip(spans: list[Span], lo: dt.datetime, hi: dt.datetime) -> list[Span]:
    return [(max(a, lo), min(b, hi)) for a, b in spans if min(b, hi) > max(a, lo)]


def _union_seconds(spans: list[Span]) -> float:
    """Seconds covered by the spans, overlaps counted once (an agent logged in to two queues at once)."""
    total, reach = 0.0, None
    for a, b in sorted(spans):
        if reach is not None and a < reach:
            a = reach
        if b > a:
            total += (b - a).total_seconds()
            reach = b
    return total


def _open_until(qs, lo: dt.datetime, hi: dt.datetime, now: dt.datetime):  # type: ignore[no-untyped-def]
    """Rows of ``qs`` (started_at/ended_at) that overlap [lo, hi): (row, span clipped to the period)."""
    rows = qs.filter(started_at__lt=hi).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=lo))
    for row in rows:
        spans = _clip([(row.started_at, row.ended_at or now)], lo, hi)
        if spans:
            yield row, spans[0]


def agent_activity(*, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> AgentActivity:
    """Every agent with a session, a pause or an answered queue call from ``start`` to ``end`` (both included, the
    platform's time zone), by name."""
    lo, hi = _bounds(start, end)
    now = now or timezone.now()
    names = {a.pk: str(a) for a in Agent.objects.select_related("person", "extension")}
    rows: dict[int, AgentRow] = {}

    def row(agent_id: int) -> AgentRow:
        return rows.setdefault(agent_id, AgentRow(name=names.get(agent_id, str(agent_id))))

    sessions: dict[int, list[Span]] = defaultdict(list)
    for session, span in _open_until(AgentSession.objects.all(), lo, hi, now):
        sessions[session.agent_id].append(span)
    for agent_id, spans in sessions.items():
        row(agent_id).logged_in_s = _union_seconds(spans)
    reason_names = dict(PauseReason.objects.values_list("code", "name"))
    for pause, (a, b) in _open_until(AgentPause.objects.all(), lo, hi, now):
        seconds, reason = (b - a).total_seconds(), reason_names.get(pause.reason, pause.reason) or _("(uten årsak)")
        target = row(pause.agent_id)
        target.pause_s += seconds
        target.pause_by_reason[reason] = target.pause_by_reason.get(reason, 0.0) + seconds
    answered = (QueueVisit.objects.filter(answered_at__gte=lo, answered_at__lt=hi, answered_by__isnull=False)
                .values("answered_by").annotate(n=Count("id"), talk=Sum("talk_seconds")))
    for item in answered:
        target = row(item["answered_by"])
        target.answered, target.talk_s = item["n"], item["talk"] or 0
    reasons = sorted({r for item in rows.values() for r in item.pause_by_reason})
    return AgentActivity(start=start, end=end, rows=sorted(rows.values(), key=lambda r: r.name), reasons=reasons)


def hms(seconds: float) -> str:
    """Whole seconds as t:mm:ss (hours may exceed 24)."""
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _header(report: AgentActivity) -> list[str]:
    return [_("Agent"), _("Innlogget (min)"), _("Pause (min)"),
            *[_("Pause: %(reason)s (min)") % {"reason": r} for r in report.reasons],
            _("Besvarte samtaler"), _("Samtaletid (min)"), _("Snitt samtaletid (s)")]


def _cells(report: AgentActivity, row: AgentRow) -> list[object]:
    minutes = [round(row.logged_in_s / 60, 1), round(row.pause_s / 60, 1),
               *[round(row.pause_by_reason.get(r, 0.0) / 60, 1) for r in report.reasons]]
    return [row.name, *minutes, row.answered, round(row.talk_s / 60, 1), round(row.mean_talk_s)]


def activity_csv(report: AgentActivity) -> str:
    """CSV with decimal commas (what Excel in Norwegian locale reads as numbers)."""
    rows = [[str(c).replace(".", ",") if isinstance(c, float) else c for c in _cells(report, row)] for row in report.rows]
    return table_csv(_header(report), rows)


def activity_xlsx(report: AgentActivity) -> bytes:
    title = _("Agentaktivitet %(start)s – %(end)s") % {"start": report.start.isoformat(), "end": report.end.isoformat()}
    return table_xlsx(sheet=_("Agenter"), title=title, header=_header(report),
                      rows=[_cells(report, row) for row in report.rows], widths={"A": 30})
