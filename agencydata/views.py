"""Agency admin pages for the agency's own data (thin: the work is in export/onboarding)."""

from __future__ import annotations

import datetime as dt
import tempfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext

from agencydata import selectors, services
from agencydata.export import agency_export
from agencydata.gdpr.subjects import Subject, subject_access_export, subject_erase, subject_for
from agencydata.models import OnboardingStatus
from agencydata.onboarding.sheets import KINDS
from controlplane.admin_sites import agency_admin_site


def _require_agency_admin(request: HttpRequest) -> str:
    if not request.user.is_superuser:
        raise PermissionDenied
    return connection.schema_name


def export_download(request: HttpRequest) -> FileResponse:
    """The whole agency as one archive. Written to a temporary file first (memory stays flat), then streamed."""
    slug = _require_agency_admin(request)
    tmp = tempfile.TemporaryFile()
    agency_export(slug=slug, out=tmp)
    tmp.seek(0)
    name = f"{slug}-eksport-{dt.date.today():%Y-%m-%d}.zip"
    return FileResponse(tmp, as_attachment=True, filename=name, content_type="application/zip")


export_download_view = agency_admin_site.admin_view(export_download)


# --- Onboarding from spreadsheets ------------------------------------------------------------------------------

def _admin_context(request: HttpRequest, title: str) -> dict:  # type: ignore[type-arg]
    return {**agency_admin_site.each_context(request), "title": title}


def onboarding_page(request: HttpRequest) -> HttpResponse:
    """Upload the spreadsheets; the dry run starts at once as a job."""
    _require_agency_admin(request)
    error = ""
    if request.method == "POST":
        files = [(f.name, f.read()) for f in request.FILES.getlist("files")]
        try:
            onboarding = services.onboarding_upload(files=files, username=request.user.get_username())
            if not onboarding.problems:
                services.onboarding_start(onboarding=onboarding, commit=False)
            return redirect("agencydata-onboarding-detail", pk=onboarding.pk)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    ctx = _admin_context(request, gettext("Innlesing fra regneark"))
    ctx.update(error=error, recent=selectors.onboarding_list()[:20], kinds=KINDS)
    return render(request, "agencydata/onboarding.html", ctx)


def onboarding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_agency_admin(request)
    onboarding = get_object_or_404(selectors.onboarding_list(), pk=pk)
    error = ""
    if request.method == "POST":
        try:
            services.onboarding_start(onboarding=onboarding, commit=True)
            return redirect("agencydata-onboarding-detail", pk=pk)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    ctx = _admin_context(request, gettext("Innlesing fra regneark"))
    ctx.update(onboarding=onboarding, error=error, busy=onboarding.status in BUSY)
    return render(request, "agencydata/onboarding_detail.html", ctx)


def onboarding_status(request: HttpRequest, pk: int) -> JsonResponse:
    _require_agency_admin(request)
    onboarding = get_object_or_404(selectors.onboarding_list(), pk=pk)
    return JsonResponse({"status": onboarding.status, "done": onboarding.done_rows, "total": onboarding.total_rows,
                         "busy": onboarding.status in BUSY})


BUSY = (OnboardingStatus.CHECKING, OnboardingStatus.IMPORTING)
onboarding_page_view = agency_admin_site.admin_view(onboarding_page)
onboarding_detail_view = agency_admin_site.admin_view(onboarding_detail)
onboarding_status_view = agency_admin_site.admin_view(onboarding_status)


# --- Subject access and erasure --------------------------------------------------------------------------------

def privacy_page(request: HttpRequest) -> HttpResponse:
    """One phone number or one person: download everything held (subject access) or erase it (with receipt)."""
    _require_agency_admin(request)
    number = (request.POST.get("number") or "").strip()
    person = (request.POST.get("person") or "").strip()
    error, receipt = "", None
    if request.method == "POST":
        try:
            subject = subject_for(number=number, person_id=int(person) if person.isdigit() else None)
            if request.POST.get("action") == "access":
                return subject_access_response(subject)
            if request.POST.get("action") == "erase" and request.POST.get("confirm") == "ja":
                receipt = subject_erase(subject=subject, requested_by=request.user.get_username())
            elif request.POST.get("action") == "erase":
                error = gettext("Kryss av for at du vil slette før du sletter.")
        except ValidationError as exc:
            error = " ".join(exc.messages)
    ctx = _admin_context(request, gettext("Innsyn og sletting"))
    ctx.update(error=error, receipt=receipt, number=number, person=person or request.GET.get("person", ""))
    return render(request, "agencydata/privacy.html", ctx)


def subject_access_response(subject: Subject) -> FileResponse:
    tmp = tempfile.TemporaryFile()
    subject_access_export(subject=subject, out=tmp)
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename=f"innsyn-{dt.date.today():%Y-%m-%d}.zip",
                        content_type="application/zip")


privacy_page_view = agency_admin_site.admin_view(privacy_page)
