"""Writes of the API app: agency API tokens. The secret is shown once and only its SHA-256 is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken, Scope

TOKEN_START = "tpk_"


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, name: str, scopes: list[str], created_by=None,  # type: ignore[no-untyped-def]
                     expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for the current agency: (token, secret). The secret is not stored and cannot be shown again."""
    if not scopes or any(s not in Scope.values for s in scopes):
        raise ValidationError({"scopes": _("Velg minst én tilgang: lese, endre eller sanntid.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("Utløpstiden må være fram i tid.")})
    secret = TOKEN_START + secrets.token_urlsafe(32)
    token = ApiToken(name=name.strip(), scopes=sorted(set(scopes)), created_by=created_by, expires_at=expires_at,
                     prefix=secret[: len(TOKEN_START) + 8], secret_hash=token_hash(secret))
    token.full_clean()
    token.save()
    return token, secret


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke at once: the next request with the token is refused."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Note when a token was last used (at most once a minute, to spare the database)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
