"""Inquiry reports (reads): counts by category, queue, agent or day over a period, the chart as server-rendered
SVG (no script, no CDN), and exports to CSV (``csv``) and Excel (``openpyxl``: real .xlsx, typed cells)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.db.models import Count, F, Value
from django.db.models.functions import Coalesce, Concat, TruncDate
from django.utils.translation import gettext as _

from contactcenter.models import Inquiry

GROUPS = ("category", "queue", "agent", "day")


@dataclass(frozen=True)
class Report:
    group: str
    start: dt.date
    end: dt.date
    rows: list[tuple[str, int]]  # (label, count), largest first (by day: in date order)

    @property
    def total(self) -> int:
        return sum(n for _label, n in self.rows)


def group_label(group: str) -> str:
    return {"category": _("Kategori"), "queue": _("Kø"), "agent": _("Agent"), "day": _("Dag")}[group]


def inquiry_report(*, group: str, start: dt.date, end: dt.date, queue_ids: list[int] | None = None) -> Report:
    """Inquiries registered from ``start`` to ``end`` (both included, the platform's time zone), counted by group."""
    if group not in GROUPS:
        raise ValueError(group)
    qs = Inquiry.objects.filter(created_at__date__gte=start, created_at__date__lte=end)
    if queue_ids is not None:
        qs = qs.filter(queue_id__in=queue_ids)
    none = _("(uten)")
    key = {
        "category": Coalesce(F("category__name"), Value(none)),
        "queue": Coalesce(F("queue__name"), Value(none)),
        "agent": Coalesce(Concat(F("agent__person__first_name"), Value(" "), F("agent__person__last_name")), Value(none)),
        "day": TruncDate("created_at"),
    }[group]
    counted = qs.annotate(k=key).values("k").annotate(n=Count("id"))
    if group == "day":
        rows = [(row["k"].isoformat(), row["n"]) for row in counted.order_by("k")]
    else:
        rows = [(str(row["k"]), row["n"]) for row in counted.order_by("-n", "k")]
    return Report(group=group, start=start, end=end, rows=rows)


def report_svg(report: Report, *, width: int = 720, bar: int = 26) -> str:
    """A horizontal bar chart as inline SVG: one bar per row, label and count as text (readable without colour)."""
    if not report.rows:
        return ""
    label_w, gap = 220, 8
    height = len(report.rows) * (bar + gap) + gap
    most = max(n for _l, n in report.rows) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-label="{escape(_("Henvendelser per %(group)s") % {"group": group_label(report.group).lower()})}">']
    for i, (label, n) in enumerate(report.rows):
        y = gap + i * (bar + gap)
        w = max(2, int((width - label_w - 60) * n / most))
        parts.append(f'<text x="{label_w - 8}" y="{y + bar * 0.7:.0f}" text-anchor="end" font-size="14" '
                     f'fill="#1f2933">{escape(label[:32])}</text>')
        parts.append(f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar}" fill="#0b5394"><title>{escape(label)}: {n}'
                     "</title></rect>")
        parts.append(f'<text x="{label_w + w + 6}" y="{y + bar * 0.7:.0f}" font-size="14" fill="#1f2933">{n}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _header(report: Report) -> list[str]:
    return [group_label(report.group), _("Antall henvendelser")]


def table_csv(header: list[str], rows: list[list]) -> str:
    """CSV with semicolons (what Excel in Norwegian locale opens directly), UTF-8 with BOM."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


def table_xlsx(*, sheet: str, title: str, header: list[str], rows: list[list], widths: dict[str, int]) -> bytes:
    """A real .xlsx: the title in bold, the header in bold, the rows as typed cells (numbers, dates)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.append([title])
    ws["A1"].font = Font(bold=True)
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for column, width in widths.items():
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def report_csv(report: Report) -> str:
    return table_csv(_header(report), [*report.rows, [_("Sum"), report.total]])


def report_xlsx(report: Report) -> bytes:
    rows = [[dt.date.fromisoformat(label) if report.group == "day" else label, n] for label, n in report.rows]
    title = _("Henvendelser %(start)s – %(end)s") % {"start": report.start.isoformat(), "end": report.end.isoformat()}
    return table_xlsx(sheet=_("Henvendelser"), title=title, header=_header(report),
                      rows=[*rows, [_("Sum"), report.total]], widths={"A": 36, "B": 22})
