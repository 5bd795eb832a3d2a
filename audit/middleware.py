"""Holds the current request for the audit trail (so signals know who, from where)."""

from __future__ import annotations

from audit.context import request_context


class AuditContextMiddleware:
    def __init__(self, get_response) -> None:  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request):  # type: ignore[no-untyped-def]
        with request_context(request):
            return self.get_response(request)
