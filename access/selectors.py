"""Reads for access: active grants, and what a grant allows."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from access.models import GrantScope, VendorGrant

# The configuration a vendor may read or change under a grant (never users, the audit trail or grants).
CONFIG_APPS = ("switchboard", "contactcenter")
# Data of the agency's calls, not configuration: only with the matching scope.
DATA_MODELS = {"call", "queuevisit", "inquiry", "historygap", "recording"}
RECORDING_MODELS = {"recording"}


def grant_active_list() -> QuerySet[VendorGrant]:
    return VendorGrant.objects.filter(Q(revoked_at__isnull=True), expires_at__gt=timezone.now())


def grant_active_for_vendor(*, vendor_user_id: int) -> VendorGrant | None:
    return grant_active_list().filter(vendor_user_id=vendor_user_id).order_by("-expires_at").first()


def grant_active_for_local_user(*, user_id: int) -> VendorGrant | None:
    return grant_active_list().filter(local_user_id=user_id).order_by("-expires_at").first()


def grant_is_active(*, grant: VendorGrant) -> bool:
    return grant_active_list().filter(pk=grant.pk).exists()


def grant_allows_perm(*, grant: VendorGrant, perm: str) -> bool:
    """Whether ``grant`` gives the model permission ``perm`` (``app.action_model``)."""
    app, _dot, codename = perm.partition(".")
    action, _us, model = codename.partition("_")
    if app not in CONFIG_APPS:
        return False
    if model in RECORDING_MODELS:
        return grant.recordings and action == "view"
    if model in DATA_MODELS:
        return False
    if action == "view":
        return grant.config_read or grant.config_change
    return grant.config_change and action in ("add", "change", "delete")


def grant_scope_for_request(*, path: str, method: str) -> set[str] | None:
    """Scopes of which one is needed for a request at ``path`` (empty: any grant; None: never under a grant)."""
    if path.startswith(("/logout/", "/i18n/", "/jsi18n/", "/static/", "/vendor/")) or path in ("/", "/health"):
        return set()
    if path.startswith("/admin/"):
        return {GrantScope.CONFIG_READ, GrantScope.CONFIG_CHANGE, GrantScope.RECORDINGS}
    if path.startswith(("/console/", "/wallboard/")):
        return {GrantScope.LIVE_VIEW}
    if path.startswith("/api/"):
        if "recording" in path:
            return {GrantScope.RECORDINGS}
        return {GrantScope.CONFIG_READ, GrantScope.CONFIG_CHANGE} if method in ("GET", "HEAD", "OPTIONS") \
            else {GrantScope.CONFIG_CHANGE}
    return None
