"""WebSocket authentication per connection: the agency comes from the Host header, the user from the
session stored in that agency's schema.

The lookups themselves (agency for a host, user of a session) are tenants selectors; this module only
reads the scope. Channels runs sync ORM calls on one shared thread, so a schema set for one connection would leak into
the next ORM call of another. Nothing here relies on the thread's current schema: every ORM call runs
inside ``schema_context`` of the connection's own agency, and the agency is kept in the scope.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from tenants.selectors import agency_slug_for_host, session_user


def _header(scope: dict, key: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == key:
            return value.decode("latin-1")
    return None


def _host(scope: dict) -> str:
    return (_header(scope, b"host") or "").rsplit(":", 1)[0].lower()


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_of(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of ``scheme://netloc``, with the scheme's default port; None if malformed."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port or _DEFAULT_PORTS.get(scheme)
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    return scheme, parts.hostname.lower(), port


def same_origin(scope: dict) -> bool:
    """True if the page that opens the socket comes from this very site: the Origin header's scheme, host
    and port equal the request's own (Host header, and http for ws / https for wss). No Origin header
    (not a browser) is allowed: such a client cannot ride on a user's cookies."""
    origin = _header(scope, b"origin")
    if origin is None:
        return True
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    own_scheme = "https" if scope.get("scheme", "ws") in ("wss", "https") else "http"
    theirs = _origin_of(parts.scheme.lower(), parts.netloc) if parts.scheme.lower() in _DEFAULT_PORTS else None
    ours = _origin_of(own_scheme, _header(scope, b"host") or "")
    return theirs is not None and theirs == ours


def _cookie(scope: dict, key: str) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            jar = SimpleCookie()
            jar.load(value.decode("latin-1"))
            if key in jar:
                return jar[key].value
    return None


class AgencySessionMiddleware:
    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        scope = dict(scope)
        # A page of another site (or another agency's domain, or another port) may not open this agency's socket.
        agency = await database_sync_to_async(agency_slug_for_host)(host=_host(scope)) if same_origin(scope) else None
        scope["agency"] = agency
        language = _cookie(scope, settings.LANGUAGE_COOKIE_NAME)
        scope["language"] = language if language in {code for code, _name in settings.LANGUAGES} else None
        scope["user"] = AnonymousUser() if agency is None else await database_sync_to_async(session_user)(
            agency=agency, session_key=_cookie(scope, settings.SESSION_COOKIE_NAME))
        grant = getattr(scope["user"], "vendor_grant", None)
        if grant is not None and "live_view" not in grant.scopes:
            scope["user"] = AnonymousUser()  # a vendor sees live data only under a grant with live view
        return await self.app(scope, receive, send)
