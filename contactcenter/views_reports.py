"""The inquiry reports and the agent report, with their exports (thin: the figures come from
``contactcenter.reports`` and ``contactcenter.agent_report``). Only supervisors and users with «Kan se rapporter
over henvendelser» see anything."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from contactcenter import agent_report, reports
from contactcenter.selectors import console_role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def may_see_reports(user) -> bool:  # type: ignore[no-untyped-def]
    if not user.is_authenticated:
        return False
    return user.is_superuser or user.has_perm("contactcenter.view_inquiry_report") or console_role(user=user)["supervisor"]


def _period(request: HttpRequest) -> tuple[dt.date, dt.date, list[str]]:
    today = timezone.localdate()
    errors = []
    try:
        start = dt.date.fromisoformat(request.GET.get("fra") or (today - dt.timedelta(days=30)).isoformat())
        end = dt.date.fromisoformat(request.GET.get("til") or today.isoformat())
    except ValueError:
        start, end = today - dt.timedelta(days=30), today
        errors.append(_("Ugyldig dato; bruk formatet ÅÅÅÅ-MM-DD. Viser de siste 30 dagene."))
    if end < start:
        start, end = end, start
    return start, end, errors


@login_required
@require_GET
def inquiry_reports(request: HttpRequest) -> HttpResponse:
    if not may_see_reports(request.user):
        raise PermissionDenied(_("Rapportene er bare for veiledere og brukere med tilgang til rapporter."))
    start, end, errors = _period(request)
    group = request.GET.get("gruppe", "category")
    if group not in reports.GROUPS:
        group = "category"
        errors.append(_("Ukjent gruppering; viser per kategori."))
    report = reports.inquiry_report(group=group, start=start, end=end)
    stamp = f"henvendelser-{group}-{start:%Y%m%d}-{end:%Y%m%d}"
    fmt = request.GET.get("format", "")
    if fmt == "csv":
        return HttpResponse(reports.report_csv(report), content_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{stamp}.csv"'})
    if fmt == "xlsx":
        return HttpResponse(reports.report_xlsx(report), content_type=XLSX,
                            headers={"Content-Disposition": f'attachment; filename="{stamp}.xlsx"'})
    return render(request, "contactcenter/reports.html", {
        "report": report, "chart": mark_safe(reports.report_svg(report)),  # noqa: S308 (escaped in report_svg)
        "groups": [(g, reports.group_label(g)) for g in reports.GROUPS], "errors": errors,
        "supervisor": console_role(user=request.user)["supervisor"], "group_label": reports.group_label(group)})


def _download(body: str | bytes, fmt: str, stamp: str) -> HttpResponse:
    kind = "text/csv; charset=utf-8" if fmt == "csv" else XLSX
    return HttpResponse(body, content_type=kind, headers={"Content-Disposition": f'attachment; filename="{stamp}.{fmt}"'})


@login_required
@require_GET
def agent_reports(request: HttpRequest) -> HttpResponse:
    """Per agent: logged in, on pause (by reason), answered queue calls and talk time over the period."""
    if not may_see_reports(request.user):
        raise PermissionDenied(_("Rapportene er bare for veiledere og brukere med tilgang til rapporter."))
    start, end, errors = _period(request)
    report = agent_report.agent_activity(start=start, end=end)
    stamp = f"agenter-{start:%Y%m%d}-{end:%Y%m%d}"
    fmt = request.GET.get("format", "")
    if fmt == "csv":
        return _download(agent_report.activity_csv(report), fmt, stamp)
    if fmt == "xlsx":
        return _download(agent_report.activity_xlsx(report), fmt, stamp)
    rows = [{"name": r.name, "logged_in": agent_report.hms(r.logged_in_s), "pause": agent_report.hms(r.pause_s),
             "reasons": [agent_report.hms(r.pause_by_reason.get(k, 0.0)) for k in report.reasons],
             "answered": r.answered, "talk": agent_report.hms(r.talk_s), "mean_talk": agent_report.hms(r.mean_talk_s)}
            for r in report.rows]
    return render(request, "contactcenter/agent_report.html", {
        "report": report, "rows": rows, "errors": errors, "supervisor": console_role(user=request.user)["supervisor"]})
