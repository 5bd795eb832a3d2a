"""Who is acting now: the current request (set by audit.middleware) or an explicit actor (the CLI)."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.http import HttpRequest

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("audit_request", default=None)
_actor: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_actor", default=None)


@dataclass(frozen=True)
class Actor:
    name: str
    ip: str | None
    detail: dict


@contextmanager
def request_context(request: HttpRequest) -> Iterator[None]:
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


@contextmanager
def acting_as(name: str) -> Iterator[None]:
    token = _actor.set(name)
    try:
        yield
    finally:
        _actor.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    """The peer address. X-Forwarded-For is not trusted: a proxy in front must set REMOTE_ADDR."""
    return request.META.get("REMOTE_ADDR") or None


def request_actor_name(request: HttpRequest) -> str:
    override = getattr(request, "audit_actor", None)
    if override:
        return str(override)
    user = getattr(request, "user", None)
    if getattr(user, "audit_actor", None):  # a stand-in (vendor under a grant) names who is behind it
        return str(user.audit_actor)
    if user is not None and getattr(user, "is_authenticated", False):
        name = user.get_username() if hasattr(user, "get_username") else str(user)
        return f"bruker:{name}"
    return "anonym"


def current_actor() -> Actor | None:
    """The actor of the running change, or None for the platform's own work (engine, jobs)."""
    explicit = _actor.get()
    if explicit:
        return Actor(explicit, None, {})
    request = _request.get()
    if request is None:
        return None
    return Actor(request_actor_name(request), client_ip(request),
                 {"method": request.method, "path": request.path[:300]})


def current_request() -> HttpRequest | None:
    return _request.get()
