"""Thin views: the vendor's sign-in at an agency, and TOTP enrolment at the platform domain."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from access.services import vendor_sign_in
from tenants.selectors import vendor_check_password
from tenants.services import vendor_totp_confirm, vendor_totp_new_secret, vendor_totp_uri

ENROL_SESSION_KEY = "vendor_totp_enrol"


@never_cache
@sensitive_post_parameters("password", "code")
def vendor_login(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        grant = vendor_sign_in(request=request, username=request.POST.get("username", ""),
                               password=request.POST.get("password", ""), code=request.POST.get("code", ""))
        if grant is not None:
            return HttpResponseRedirect("/admin/" if grant.scopes - {"live_view"} else "/console/")
        error = _("Innloggingen ble avvist: feil brukernavn, passord eller engangskode, "
                  "eller etaten har ikke gitt deg tilgang nå.")
    return render(request, "access/vendor_login.html", {"error": error}, status=403 if error else 200)


def _enrol_start(request: HttpRequest) -> HttpResponse:
    account = vendor_check_password(username=request.POST.get("username", ""),
                                    password=request.POST.get("password", ""))
    if account is None:
        return render(request, "access/vendor_totp.html", {"error": _("Feil brukernavn eller passord.")}, status=403)
    if account.totp_confirmed_at is not None:
        return render(request, "access/vendor_totp.html", {"error": _(
            "Engangskoder er allerede registrert for kontoen. Be plattformadministrasjonen nullstille dem.")},
            status=409)
    secret = vendor_totp_new_secret()
    request.session[ENROL_SESSION_KEY] = {"user_id": account.user_id, "secret": secret}
    return render(request, "access/vendor_totp.html", {
        "secret": secret, "uri": vendor_totp_uri(username=account.user.get_username(), secret=secret)})


@never_cache
@sensitive_post_parameters("password", "code")
def vendor_totp(request: HttpRequest) -> HttpResponse:
    """Enrolment: password, then the secret and its otpauth URI shown once, then a code to confirm."""
    if request.method != "POST":
        return render(request, "access/vendor_totp.html", {})
    if "code" not in request.POST:
        return _enrol_start(request)
    pending = request.session.get(ENROL_SESSION_KEY)
    if not pending or not vendor_totp_confirm(user_id=pending["user_id"], secret=pending["secret"],
                                              code=request.POST.get("code", "")):
        return render(request, "access/vendor_totp.html", {"error": _("Koden stemte ikke. Start på nytt.")}, status=400)
    request.session.pop(ENROL_SESSION_KEY, None)
    return render(request, "access/vendor_totp.html", {"done": True})
