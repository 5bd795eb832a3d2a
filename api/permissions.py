"""Scopes: ``read`` for GET/HEAD/OPTIONS, ``write`` for changes, ``live`` for live actions (a view says
``required_scope = "live"``)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import permissions

from api.models import ApiToken


def scope_for(request, view) -> str:  # type: ignore[no-untyped-def]
    wanted = getattr(view, "required_scope", None)
    if wanted:
        return wanted
    return "read" if request.method in permissions.SAFE_METHODS else "write"


class HasScope(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        scope = scope_for(request, view)
        self.message = _("Nøkkelen mangler tilgangen «%(scope)s».") % {"scope": scope}
        return scope in token.scopes
