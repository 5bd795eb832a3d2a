"""HTTP edges of the switchboard app (thin: parse, call a service or selector, answer): the attendant console page
(its live data comes over ``ws/attendant/``), the phones' provisioning service and the user's own voicemail page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from switchboard import services
from switchboard.models import Vendor
from switchboard.provisioning import mac_from_url
from switchboard.selectors import operator_for_user

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


def _own_voicemail(request: HttpRequest):  # type: ignore[no-untyped-def]
    from switchboard.selectors import voicemail_for_user

    vm = voicemail_for_user(user=request.user)
    if vm is None:
        raise Http404(gettext("Du har ingen talepostkasse."))
    return vm


@login_required
def my_voicemail(request: HttpRequest) -> HttpResponse:
    """The user's own voicemail page: messages to play, greeting upload, PIN change."""
    from switchboard.selectors import voicemail_messages

    vm = _own_voicemail(request)
    errors: list[str] = []
    if request.method == "POST":
        try:
            if request.POST.get("action") == "pin":
                services.voicemail_pin_change(voicemail=vm, pin=request.POST.get("pin", ""))
                messages.success(request, gettext("PIN er endret."))
            elif request.POST.get("action") == "greeting":
                upload = request.FILES.get("greeting")
                services.voicemail_greeting_upload(voicemail=vm, kind=request.POST.get("kind", "unavail"),
                                                   data=upload.read() if upload else b"")
                messages.success(request, gettext("Hilsenen er lagret."))
            return redirect("my-voicemail")
        except ValidationError as exc:
            errors = exc.messages
    context = {"vm": vm, "messages_list": voicemail_messages(voicemail=vm), "errors": errors}
    return render(request, "switchboard/voicemail.html", context, status=400 if errors else 200)


@login_required
@require_GET
def my_voicemail_audio(request: HttpRequest, folder: str, index: int) -> FileResponse:
    from switchboard.selectors import voicemail_message_audio

    path = voicemail_message_audio(voicemail=_own_voicemail(request), folder=folder, index=index)
    if path is None:
        raise Http404
    return FileResponse(path.open("rb"), content_type="audio/wav")


@login_required
@require_GET
def my_softphone(request: HttpRequest) -> HttpResponse:
    """The user's browser softphone: JsSIP registers with the user's own phone's credentials."""
    from django.conf import settings
    from django.db import connection

    from asterisk_conf.naming import endpoint_name
    from switchboard.selectors import softphone_for_user

    phone = softphone_for_user(user=request.user)
    if phone is None:
        raise Http404(gettext("Du har ingen myk telefon. Be administratoren om å lage en."))
    config = {"ws": settings.SOFTPHONE_WS_URL, "user": endpoint_name(connection.schema_name, phone.pk),
              "password": phone.sip_password, "domain": settings.PROVISIONING_SIP_HOST, "extension": phone.extension.number}
    response = render(request, "switchboard/softphone.html", {"config": config, "phone": phone})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def attendant(request: HttpRequest) -> HttpResponse:
    operator = operator_for_user(user=request.user)
    if operator is None:
        raise PermissionDenied(_("Sentralbordet er bare for operatører."))
    return render(request, "switchboard/attendant.html", {"operator": operator})
