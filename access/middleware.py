"""Requests under a vendor grant: only what the grant's scopes open, and every one in the audit trail."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from access.selectors import grant_scope_for_request
from audit.context import client_ip
from audit.models import AuditAction
from audit.services import audit_entry_append


class GrantMiddleware:
    def __init__(self, get_response) -> None:  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request):  # type: ignore[no-untyped-def]
        user = getattr(request, "user", None)
        grant = getattr(user, "vendor_grant", None) if user is not None else None
        if grant is None:
            return self.get_response(request)
        needed = grant_scope_for_request(path=request.path, method=request.method)
        allowed = needed is not None and (not needed or bool(needed & grant.scopes))
        status = 403
        try:
            if not allowed:
                raise PermissionDenied(_("Tilgangen fra etaten gjelder ikke dette."))
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            audit_entry_append(actor=user.audit_actor, ip=client_ip(request), action=AuditAction.ACCESS,
                               model="access.vendorgrant", object_pk=str(grant.pk),
                               detail={"method": request.method, "path": request.path[:300], "status": status,
                                       "scopes": sorted(grant.scopes)})
