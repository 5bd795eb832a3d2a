"""The gateway's side of the platform (platform domain): delivery reports and inbound SMS/MMS. Thin: the agency
comes from a signed report token or from the receiving number's allocation, never from the request's text."""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from controlplane.jobs import agency_schema
from outbound.numbers import number_or_none
from outbound.services import report_target, sms_inbound_receive, sms_report_record
from tenants.selectors import number_owner

MAX_PICTURE = 5 * 1024 * 1024


@csrf_exempt
@require_http_methods(["GET", "POST"])
def sms_report(request: HttpRequest) -> HttpResponse:
    """Kannel: GET ?r=<token>&type=<dlr>&fid=<smsc id>. Provider: POST JSON {"status": "delivered"|"failed"}."""
    target = report_target(token=request.GET.get("r", ""))
    if target is None:
        return HttpResponse("ukjent rapport", status=404)
    if request.method == "POST":
        try:
            status = str(json.loads(request.body or b"{}").get("status", ""))
        except (ValueError, AttributeError):
            return HttpResponse("ugyldig JSON", status=400)
        kind = {"accepted": 8, "delivered": 1, "failed": 2, "rejected": 16}.get(status, 0)
    else:
        kind = int(request.GET.get("type", "0")) if request.GET.get("type", "").isdigit() else 0
    slug, message_id = target
    with agency_schema(slug):
        ok = sms_report_record(message_id=message_id, kind=kind, gateway_id=request.GET.get("fid", ""))
    return HttpResponse("ok" if ok else "ignorert", status=200 if ok else 400)


def _inbound(request: HttpRequest, data: dict, picture: bytes | None, picture_type: str) -> HttpResponse:
    key = settings.SMS_INBOUND_KEY
    if not key or not hmac.compare_digest(str(data.get("key", "")), key):
        return HttpResponse("feil nøkkel", status=403)
    to = number_or_none(str(data.get("to", "")))
    agency = number_owner(e164=to) if to else None
    if agency is None:
        return HttpResponse("nummeret hører ikke til noen etat", status=404)
    with agency_schema(agency.schema_name):
        sms_inbound_receive(from_number=str(data.get("from", "")), text=str(data.get("text", ""))[:4000],
                            picture=picture, picture_type=picture_type)
    # Kannel sends the body back to the sender as a reply unless it is empty.
    return HttpResponse("", content_type="text/plain")


@csrf_exempt
@require_http_methods(["GET"])
def sms_inbound_kannel(request: HttpRequest) -> HttpResponse:
    """Kannel's sms-service get-url: ?key=..&from=%p&to=%P&text=%a."""
    return _inbound(request, request.GET.dict(), None, "")


@csrf_exempt
@require_http_methods(["POST"])
def mms_inbound(request: HttpRequest) -> HttpResponse:
    """The HTTP provider's MMS webhook: multipart with fields key, from, to, text and one picture file."""
    upload = next(iter(request.FILES.values()), None)
    if upload is not None and (upload.size or 0) > MAX_PICTURE:
        return JsonResponse({"error": "Bildet er for stort (høyst 5 MB)."}, status=413)
    picture = upload.read() if upload is not None else None
    return _inbound(request, request.POST.dict(), picture, upload.content_type if upload is not None else "")
