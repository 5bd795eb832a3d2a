"""WebSocket authentication per connection: the agency comes from the Host header, the user from the
session stored in that agency's schema.

Channels runs sync ORM calls on one shared thread, so a schema set for one connection would leak into
the next ORM call of another. Nothing here relies on the thread's current schema: every ORM call runs
inside ``schema_context`` of the connection's own agency, and the agency is kept in the scope.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import AnonymousUser
from django.utils.crypto import constant_time_compare
from django_tenants.utils import get_public_schema_name, schema_context


def _host(scope: dict) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return value.decode("latin-1").rsplit(":", 1)[0].lower()
    return ""


def _origin_host(scope: dict) -> str | None:
    from urllib.parse import urlsplit

    for name, value in scope.get("headers", []):
        if name == b"origin":
            return (urlsplit(value.decode("latin-1")).hostname or "").lower()
    return None


def _cookie(scope: dict, key: str) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar = SimpleCookie()
            jar.load(value.decode("latin-1"))
            if key in jar:
                return jar[key].value
    return None


def resolve_agency(host: str) -> str | None:
    """The active agency serving ``host``, or None (public domain, unknown or inactive)."""
    from tenants.models import Domain

    with schema_context(get_public_schema_name()):
        domain = Domain.objects.select_related("tenant").filter(domain=host).first()
        if domain is None or domain.tenant.schema_name == get_public_schema_name() or not domain.tenant.is_active:
            return None
        return domain.tenant.schema_name


def user_for_session(agency: str, session_key: str | None):  # type: ignore[no-untyped-def]
    """The user of a session in ``agency``'s schema (sessions live per schema)."""
    if not session_key:
        return AnonymousUser()
    from importlib import import_module

    engine = import_module(settings.SESSION_ENGINE)
    with schema_context(agency):
        session = engine.SessionStore(session_key)
        user_id = session.get(SESSION_KEY)
        backend = session.get(BACKEND_SESSION_KEY)
        if user_id is None or backend is None:
            return AnonymousUser()
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            return AnonymousUser()
        session_hash = session.get(HASH_SESSION_KEY)
        if not session_hash or not constant_time_compare(session_hash, user.get_session_auth_hash()):
            return AnonymousUser()
        user.agency = agency  # type: ignore[attr-defined]
        return user


class AgencySessionMiddleware:
    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        scope = dict(scope)
        host = _host(scope)
        origin = _origin_host(scope)
        # A page of another site (or another agency's domain) may not open this agency's socket.
        agency = None if origin is not None and origin != host else await database_sync_to_async(resolve_agency)(host)
        scope["agency"] = agency
        scope["user"] = AnonymousUser() if agency is None else await database_sync_to_async(user_for_session)(
            agency, _cookie(scope, settings.SESSION_COOKIE_NAME))
        return await self.app(scope, receive, send)
