"""Thin views: the vendor's sign-in at an agency, and TOTP enrolment at the platform domain."""

from __future__ import annotations

from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from django.contrib.auth import login, logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from access.oidc import SignInRefused, oidc_client, oidc_config_get, oidc_finish
from access.services import vendor_sign_in
from audit.context import client_ip
from audit.models import AuditAction
from audit.services import audit_entry_append
from tenants.selectors import vendor_check_password, vendor_locked
from tenants.services import (
    VENDOR_LOCK_AFTER,
    VENDOR_LOCK_MINUTES,
    vendor_failure_record,
    vendor_totp_confirm,
    vendor_totp_new_secret,
    vendor_totp_uri,
)

ENROL_SESSION_KEY = "vendor_totp_enrol"


def _lock_note() -> str:
    return _("Etter %(n)s feil forsøk på rad stenges kontoen i %(m)s minutter.") % {
        "n": VENDOR_LOCK_AFTER, "m": VENDOR_LOCK_MINUTES}


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
                  "eller etaten har ikke gitt deg tilgang nå.") + " " + _lock_note()
    return render(request, "access/vendor_login.html", {"error": error}, status=403 if error else 200)


def _enrol_start(request: HttpRequest) -> HttpResponse:
    username = request.POST.get("username", "")
    account = None if vendor_locked(username=username) else vendor_check_password(
        username=username, password=request.POST.get("password", ""))
    if account is None:
        vendor_failure_record(username=username)
        error = _("Feil brukernavn eller passord.") + " " + _lock_note()
        return render(request, "access/vendor_totp.html", {"error": error}, status=403)
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


# --- Single sign-on (OpenID Connect) ------------------------------------------------------------------------
OIDC_TOKEN_SESSION_KEY = "oidc_id_token"


class LoginPage(LoginView):
    """The agency's login page: local accounts, and the Entra ID button when the agency has set it up."""

    template_name = "registration/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "sso_enabled": oidc_config_get() is not None}


def _refused(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    return render(request, "access/oidc_error.html", {"error": message}, status=status)


@never_cache
def oidc_login(request: HttpRequest) -> HttpResponse:
    config = oidc_config_get()
    if config is None:
        return _refused(request, _("Etaten har ikke satt opp pålogging med Entra ID."), status=404)
    try:
        client = oidc_client(config=config)
        return client.authorize_redirect(request, request.build_absolute_uri(reverse("oidc-callback")))
    except (OSError, ValueError, RuntimeError, OAuthError):
        return _refused(request, _("Påloggingstjenesten svarer ikke. Prøv igjen senere."), status=502)


@never_cache
def oidc_callback(request: HttpRequest) -> HttpResponse:
    config = oidc_config_get()
    if config is None:
        return _refused(request, _("Etaten har ikke satt opp pålogging med Entra ID."), status=404)
    try:
        user, token = oidc_finish(request=request, config=config)
    except SignInRefused as exc:
        audit_entry_append(actor="sso:ukjent", ip=client_ip(request), action=AuditAction.LOGIN_FAILED,
                           model="auth.user", detail={"path": request.path, "reason": exc.reason})
        return _refused(request, str(exc))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[OIDC_TOKEN_SESSION_KEY] = token.get("id_token", "")
    return HttpResponseRedirect("/admin/" if user.is_staff else "/console/")


def oidc_logout(request: HttpRequest) -> HttpResponse:
    """End the local session; with an ID token from SSO and a provider that offers it, also end the
    session at the provider (RP-initiated logout) and come back to the login page."""
    id_token = request.session.get(OIDC_TOKEN_SESSION_KEY) if request.method == "POST" else None
    if request.method != "POST":
        return render(request, "access/oidc_logout.html", {})
    logout(request)
    config = oidc_config_get()
    back = request.build_absolute_uri("/login/")
    if config is not None and id_token:
        try:
            url = oidc_client(config=config).create_logout_url(post_logout_redirect_uri=back, id_token_hint=id_token)
            return HttpResponseRedirect(url["url"])
        except (OSError, ValueError, RuntimeError, OAuthError):
            pass
    return HttpResponseRedirect(back)
