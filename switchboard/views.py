"""HTTP edges of the switchboard app: the phones' provisioning service (thin: parse, call the service, answer)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from switchboard import services
from switchboard.models import Vendor
from switchboard.provisioning import mac_from_url

CONTENT_TYPES = {Vendor.YEALINK: "text/plain; charset=utf-8", Vendor.SNOM: "application/xml; charset=utf-8"}
VENDOR_BY_SUFFIX = {"cfg": Vendor.YEALINK, "xml": Vendor.SNOM}


@require_GET
def provisioning_file(request: HttpRequest, mac: str, suffix: str, secret: str | None = None) -> HttpResponse:
    """``/prov/<secret>/<mac>.cfg`` (Yealink) or ``.xml`` (Snom). Without the phone's secret, or for a MAC address
    no phone has: 404, and nothing else (the request is logged and unknown devices are listed in the admin)."""
    normalized = mac_from_url(mac)
    vendor = VENDOR_BY_SUFFIX.get(suffix)
    if normalized is None or vendor is None:
        raise Http404
    text = services.provisioning_request(mac=normalized, secret=secret, vendor=vendor,
                                         user_agent=request.headers.get("User-Agent", ""),
                                         remote_addr=request.META.get("REMOTE_ADDR"))
    if text is None:
        raise Http404
    response = HttpResponse(text, content_type=CONTENT_TYPES[vendor])
    response["Cache-Control"] = "no-store"
    return response
