"""Single sign-on with the agency's own OpenID Connect provider (Entra ID), with Authlib as the client.

Authlib does the protocol: discovery, state and nonce in the session, PKCE (S256), the code exchange, and
the ID token's signature (the issuer's JWKS), ``iss``, ``aud``, ``exp`` and ``nonce``. On top we check that
the issuer is exactly the one this agency configured, map groups to roles, and keep local accounts
(break-glass) apart from SSO accounts: a person from the provider is found by (issuer, subject) only."""

from __future__ import annotations

from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.django_client import OAuth
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.models import OidcConfig, OidcIdentity, Role
from contactcenter.roles import ROLE_GROUPS

SCOPE = "openid profile email"


class SignInRefused(Exception):
    """Sign-in refused; the message is for the user (Norwegian), the reason for the audit trail."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def oidc_config_get() -> OidcConfig | None:
    return OidcConfig.objects.filter(is_active=True).prefetch_related("role_mappings").first()


def oidc_client(*, config: OidcConfig):  # type: ignore[no-untyped-def]
    """A fresh Authlib client for the agency's provider (no registry shared between agencies)."""
    return OAuth().register(
        name="agency", client_id=config.client_id, client_secret=config.client_secret,
        server_metadata_url=f"{config.issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": 10})


def oidc_claims_from_token(*, config: OidcConfig, client: Any, token: dict, nonce: str) -> dict:
    """The ID token's claims, checked against this agency's provider: signature (its keys), issuer,
    audience (its client ID), expiry and nonce. A token of another agency's provider is refused."""
    if "id_token" not in token:
        raise SignInRefused(_("Påloggingstjenesten sendte ingen ID-token."), "no_id_token")
    try:
        claims = dict(client.parse_id_token(token, nonce=nonce))
    except Exception as exc:  # noqa: BLE001 - any failure of the token check is a refusal
        raise SignInRefused(_("ID-tokenet ble avvist."), f"id_token: {type(exc).__name__}: {exc}"[:300]) from exc
    if claims.get("iss") != config.issuer.rstrip("/") and claims.get("iss") != config.issuer:
        raise SignInRefused(_("ID-tokenet kommer fra en annen utsteder."), "issuer")
    return claims


def oidc_roles(*, config: OidcConfig, claims: dict) -> set[str]:
    groups = claims.get(config.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    wanted = {str(g) for g in groups}
    return {m.role for m in config.role_mappings.all() if m.group in wanted}


def _free_username(base: str) -> str:
    users = get_user_model().objects
    base = (base or "sso-bruker")[:140]
    name, n = base, 1
    while users.filter(username=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _apply_roles(user: Any, roles: set[str]) -> None:
    user.is_staff = Role.ADMIN in roles
    user.is_superuser = Role.ADMIN in roles
    user.save(update_fields=["is_staff", "is_superuser"])
    groups = [Group.objects.get_or_create(name=ROLE_GROUPS[role])[0] for role in sorted(roles)]
    user.groups.remove(*Group.objects.filter(name__in=ROLE_GROUPS.values()).exclude(pk__in=[g.pk for g in groups]))
    user.groups.add(*groups)


@transaction.atomic
def oidc_user_sync(*, config: OidcConfig, claims: dict) -> Any:
    """The local user for the provider's person (created at first sign-in), with roles from the groups."""
    roles = oidc_roles(config=config, claims=claims)
    if not roles:
        raise SignInRefused(_("Du har ingen rolle i denne etaten. Kontakt etatens administrator."), "no_role")
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    identity = OidcIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if identity is None:
        base = str(claims.get("preferred_username") or claims.get("email") or subject)
        user = get_user_model().objects.create_user(username=_free_username(base), email=str(claims.get("email", "")),
                                                    password=None)
        identity = OidcIdentity.objects.create(user=user, issuer=issuer, subject=subject)
    user = identity.user
    if not user.is_active:
        raise SignInRefused(_("Brukerkontoen er deaktivert i etaten."), "inactive")
    _apply_roles(user, roles)
    identity.last_login_at = timezone.now()
    identity.save(update_fields=["last_login_at"])
    return user


def oidc_finish(*, request: Any, config: OidcConfig) -> tuple[Any, dict]:
    """The callback: state (one use), code exchange with PKCE, the token checks, the user."""
    client = oidc_client(config=config)
    if request.GET.get("error"):
        raise SignInRefused(_("Påloggingstjenesten avviste innloggingen."), f"provider: {request.GET['error']}"[:200])
    state = request.GET.get("state", "")
    state_data = client.framework.get_state_data(request.session, state) if state else None
    if not state_data or "nonce" not in state_data:
        raise SignInRefused(_("Innloggingen er utløpt eller ugyldig. Prøv igjen."), "state")
    client.framework.clear_state_data(request.session, state)
    try:
        token = client.fetch_access_token(code=request.GET.get("code", ""), state=state,
                                          redirect_uri=state_data["redirect_uri"],
                                          code_verifier=state_data.get("code_verifier"))
    except (OAuthError, ValueError, OSError) as exc:
        raise SignInRefused(_("Påloggingstjenesten godtok ikke innloggingen."), f"token: {exc}"[:300]) from exc
    claims = oidc_claims_from_token(config=config, client=client, token=token, nonce=state_data["nonce"])
    try:
        user = oidc_user_sync(config=config, claims=claims)
    except ValidationError as exc:
        raise SignInRefused(" ".join(exc.messages), "user") from exc
    return user, token
