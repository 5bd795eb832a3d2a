"""Reads of the API app (run inside the agency's schema)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from api.models import ApiToken
from api.services import TOKEN_START, token_hash


def api_token_for_secret(*, secret: str) -> ApiToken | None:
    """The active token of the current agency with this secret, or None (unknown, revoked or expired).
    A token of another agency is simply not in this schema."""
    if not secret.startswith(TOKEN_START) or len(secret) > 200:
        return None
    now = timezone.now()
    return (ApiToken.objects.filter(secret_hash=token_hash(secret), revoked_at__isnull=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now)).first())


def api_token_list() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("created_by").order_by("-created_at")
