"""Operations access: ``/metrics`` and ``/health/engine`` answer only platform operators, i.e. a request
with ``Authorization: Bearer <OPS_TOKEN>`` (for Prometheus and monitoring) or a signed-in platform staff
user at the platform domain. Agencies' users, sessions and API tokens never qualify."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import connection
from django.http import HttpRequest


def _bearer(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    kind, _sep, value = header.partition(" ")
    return value.strip() if kind.lower() == "bearer" else ""


def ops_token_ok(request: HttpRequest) -> bool:
    expected = getattr(settings, "OPS_TOKEN", "")
    given = _bearer(request)
    return bool(expected and given) and hmac.compare_digest(given.encode(), expected.encode())


def _staff(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


def ops_allowed(request: HttpRequest) -> bool:
    """Sync views: the ops token, or platform staff signed in at the platform domain."""
    if ops_token_ok(request):
        return True
    return connection.schema_name == "public" and _staff(getattr(request, "user", None))


async def ops_allowed_async(request: HttpRequest) -> bool:
    if ops_token_ok(request):
        return True
    auser = getattr(request, "auser", None)
    return connection.schema_name == "public" and auser is not None and _staff(await auser())
