"""SMS pages on the agency's domain (supervisors and admins): send with preview and progress, the log. Thin."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contactcenter import live_services
from contactcenter.selectors import console_role
from engine.client import EngineRefused, EngineUnavailable
from outbound import selectors, services
from outbound.forms import SendForm


def _may_send(request: HttpRequest) -> None:
    if not (request.user.is_staff or console_role(user=request.user)["supervisor"]):
        raise PermissionDenied(_("SMS-utsending er for veiledere og administratorer."))


def _errors(exc: ValidationError) -> JsonResponse:
    return JsonResponse({"error": " ".join(exc.messages)}, status=400)


def _form(request: HttpRequest) -> SendForm:
    form = SendForm(request.POST, request.FILES)
    if not form.is_valid():
        raise ValidationError(_("Skjemaet har feil: %(f)s") % {"f": ", ".join(form.errors)})
    return form


@login_required
def send_page(request: HttpRequest) -> HttpResponse:
    _may_send(request)
    return render(request, "outbound/send.html", {**selectors.send_page(), "supervisor": True})


@login_required
@require_POST
def preview(request: HttpRequest) -> JsonResponse:
    _may_send(request)
    try:
        form = _form(request)
        return JsonResponse(selectors.message_preview(body=form.cleaned_data["body"] or "", audience=form.audience()))
    except ValidationError as exc:
        return _errors(exc)


@login_required
@require_POST
def send(request: HttpRequest) -> JsonResponse:
    _may_send(request)
    try:
        form = _form(request)
        created = services.sms_send_create(user_id=request.user.pk, audience=form.audience(),
                                           body=form.cleaned_data["body"] or "", scheduled_at=form.scheduled())
    except ValidationError as exc:
        return _errors(exc)
    return JsonResponse(selectors.send_progress(send_id=created.pk))


@login_required
def progress(request: HttpRequest, send_id: int) -> JsonResponse:
    _may_send(request)
    if not selectors.send_exists(send_id=send_id):
        return JsonResponse({"error": _("Ukjent utsending.")}, status=404)
    return JsonResponse(selectors.send_progress(send_id=send_id))


@login_required
def log(request: HttpRequest) -> HttpResponse:
    _may_send(request)
    return render(request, "outbound/log.html",
                  {"messages_log": selectors.message_log(query=request.GET.get("q", "")[:40]), "supervisor": True,
                   "q": request.GET.get("q", "")})


# --- Dialer campaigns (supervisors) ----------------------------------------------------------------------------

def _live_snapshot() -> dict | None:
    """The engine's live snapshot of this agency (agents' states, the dialer's calls); None when it cannot be reached."""
    try:
        return live_services.live_snapshot(agency=connection.schema_name, timeout=2)
    except (EngineUnavailable, EngineRefused):
        return None


def _live(campaign_id: int) -> dict:
    return selectors.campaign_live(campaign_id=campaign_id, live=_live_snapshot(), with_live=True)


def _campaign_or_404(campaign_id: int) -> JsonResponse | None:
    if not selectors.campaign_exists(campaign_id=campaign_id):
        return JsonResponse({"error": _("Ukjent kampanje.")}, status=404)
    return None


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    _may_send(request)
    return render(request, "outbound/campaigns.html", {"campaigns": selectors.campaign_list(), "supervisor": True})


@login_required
def campaign_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    _may_send(request)
    if not selectors.campaign_exists(campaign_id=campaign_id):
        raise Http404(_("Ukjent kampanje."))
    return render(request, "outbound/campaign.html",
                  {"campaign": selectors.campaign_live(campaign_id=campaign_id), "supervisor": True})


@login_required
def campaign_live(request: HttpRequest, campaign_id: int) -> JsonResponse:
    _may_send(request)
    return _campaign_or_404(campaign_id) or JsonResponse(_live(campaign_id))


@login_required
@require_POST
def campaign_import(request: HttpRequest, campaign_id: int) -> JsonResponse:
    _may_send(request)
    missing = _campaign_or_404(campaign_id)
    upload = request.FILES.get("file")
    if missing or upload is None:
        return missing or JsonResponse({"error": _("Velg en fil (CSV eller Excel).")}, status=400)
    try:
        result = services.campaign_contacts_import(campaign_id=campaign_id, name=upload.name, data=upload.read(),
                                                   dry_run=request.POST.get("dry_run") == "1")
    except ValidationError as exc:
        return JsonResponse({"error": _("Ingenting ble importert."), "errors": exc.messages}, status=400)
    return JsonResponse({"added": result.added, "duplicates": result.duplicates, "do_not_call": result.do_not_call,
                         "errors": result.errors, "dry_run": request.POST.get("dry_run") == "1"})


@login_required
@require_POST
def campaign_action(request: HttpRequest, campaign_id: int) -> JsonResponse:
    _may_send(request)
    missing = _campaign_or_404(campaign_id)
    if missing:
        return missing
    try:
        services.campaign_status_change(campaign_id=campaign_id, action=request.POST.get("action", ""))
    except ValidationError as exc:
        return _errors(exc)
    return JsonResponse(selectors.campaign_live(campaign_id=campaign_id))
