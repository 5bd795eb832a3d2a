"""Errors as RFC 9457 problem details (``application/problem+json``), in the request's language.

Every refusal the API gives has the same shape: ``type``, ``title``, ``status``, ``detail``, ``instance`` and,
for invalid input, ``errors`` (one entry per field: ``{"field": ..., "detail": ...}``)."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import set_rollback

from engine.client import EngineRefused, EngineUnavailable, UnsafeValue

PROBLEM_TYPE_BASE = "/api/docs/problemer#"


class ProblemJSONRenderer(JSONRenderer):
    media_type = "application/problem+json"


def _titles() -> dict[int, str]:
    return {400: _("Ugyldig forespørsel"), 401: _("Ikke autentisert"), 403: _("Ingen tilgang"),
            404: _("Finnes ikke"), 405: _("Metoden er ikke tillatt"), 406: _("Kan ikke levere dette formatet"),
            409: _("Konflikt"), 415: _("Formatet støttes ikke"), 429: _("For mange forespørsler"),
            503: _("Tjenesten er utilgjengelig")}


def _slug(code: int) -> str:
    return {400: "ugyldig", 401: "ikke-autentisert", 403: "ingen-tilgang", 404: "finnes-ikke", 405: "metode",
            406: "format", 409: "konflikt", 415: "format", 429: "for-mange", 503: "utilgjengelig"}.get(code, "feil")


def _flatten(detail: object, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail as a flat list of {field, detail}."""
    if isinstance(detail, dict):
        out: list[dict[str, str]] = []
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            out += _flatten(value, f"{prefix}.{name}" if prefix and name else (name or prefix))
        return out
    if isinstance(detail, list):
        return [e for item in detail for e in _flatten(item, prefix)]
    return [{"field": prefix, "detail": str(detail)}]


def problem(code: int, detail: str, *, instance: str = "", errors: list[dict[str, str]] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body: dict[str, object] = {"type": PROBLEM_TYPE_BASE + _slug(code), "title": _titles().get(code, _("Feil")),
                               "status": code, "detail": detail, "instance": instance}
    if errors is not None:
        body["errors"] = errors
    response = Response(body, status=code, headers=headers, content_type="application/problem+json")
    return response


def _status_exception(code: int, detail: str) -> exceptions.APIException:
    exc = exceptions.APIException(detail)
    exc.status_code = code
    return exc


def _as_api_exception(exc: Exception) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, EngineRefused | UnsafeValue):
        return _status_exception(status.HTTP_409_CONFLICT if isinstance(exc, EngineRefused) else 400, str(exc))
    if isinstance(exc, EngineUnavailable):
        return _status_exception(status.HTTP_503_SERVICE_UNAVAILABLE, _("Motoren svarer ikke akkurat nå. Prøv igjen."))
    if isinstance(exc, IntegrityError):
        conflict = exceptions.APIException(_("Endringen strider mot data som finnes fra før (for eksempel et "
                                             "nummer eller en kode som er i bruk)."))
        conflict.status_code = status.HTTP_409_CONFLICT
        return conflict
    return None


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every known refusal as a problem; anything else stays a 500 (a bug)."""
    api_exc = _as_api_exception(exc)
    if api_exc is None:
        return None
    set_rollback()
    request = context.get("request")
    instance = request.get_full_path() if request is not None else ""
    headers: dict[str, str] = {}
    if getattr(api_exc, "auth_header", None):
        headers["WWW-Authenticate"] = api_exc.auth_header  # type: ignore[attr-defined]
    if getattr(api_exc, "wait", None):
        headers["Retry-After"] = str(int(api_exc.wait))  # type: ignore[attr-defined]
    if isinstance(api_exc, exceptions.ValidationError):
        return problem(400, _("Noen av verdiene er ugyldige."), instance=instance, errors=_flatten(api_exc.detail),
                       headers=headers)
    detail = api_exc.detail if isinstance(api_exc.detail, str) else " ".join(e["detail"] for e in _flatten(api_exc.detail))
    return problem(api_exc.status_code, str(detail), instance=instance, headers=headers)
