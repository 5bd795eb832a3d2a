"""The vendor's stand-in user is signed in with this backend. Each request loads the user through
``get_user``, which answers only while a grant is active: an expired or revoked grant ends the session at
the next request. Rights come only from the grant (see access.selectors.grant_allows_perm)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection

from access.selectors import CONFIG_APPS, grant_active_for_local_user, grant_allows_perm

BACKEND_PATH = "access.backends.GrantBackend"


class GrantBackend:
    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None  # never by password: access.services.vendor_sign_in logs the stand-in in

    def get_user(self, user_id: Any):  # type: ignore[no-untyped-def]
        if connection.schema_name == "public":
            return None
        grant = grant_active_for_local_user(user_id=user_id)
        if grant is None:
            return None
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            return None
        user.vendor_grant = grant
        # Whatever groups, permissions or superuser flag someone gave the stand-in, it has only the grant's
        # rights: ModelBackend reads these caches instead of the database, and they are empty.
        user.is_superuser = False
        user._perm_cache = user._user_perm_cache = user._group_perm_cache = set()
        user.is_staff = True  # in memory only; what it may open is decided per request by access.middleware
        user.audit_actor = f"leverandor:{grant.vendor_name} (tilgang {grant.pk})"
        return user

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        grant = getattr(user_obj, "vendor_grant", None)
        return grant is not None and user_obj.is_active and grant_allows_perm(grant=grant, perm=perm)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return getattr(user_obj, "vendor_grant", None) is not None and app_label in CONFIG_APPS

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()
