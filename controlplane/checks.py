"""System checks of the platform's own settings (run by every management command, so by run_platform
and run_engine before they start)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error


def production_secret_key_check(app_configs, **kwargs) -> list[Error]:  # type: ignore[no-untyped-def]
    """In production mode (DJANGO_DEBUG off) the development SECRET_KEY, or a short one, is refused."""
    if settings.DEBUG:
        return []
    key = settings.SECRET_KEY or ""
    if key == getattr(settings, "DEV_SECRET_KEY", None) or len(key) < 32:
        return [Error(
            "Plattformen kjører i produksjonsmodus (DJANGO_DEBUG er ikke satt) med utviklingsnøkkelen eller en "
            "for kort DJANGO_SECRET_KEY, og starter ikke.",
            hint="Sett DJANGO_SECRET_KEY til en lang, tilfeldig og hemmelig verdi (minst 32 tegn), eller "
                 "DJANGO_DEBUG=1 for utvikling på egen maskin (det gjør ./dev run).",
            id="controlplane.E001")]
    return []


def ops_token_check(app_configs, **kwargs) -> list[Error]:  # type: ignore[no-untyped-def]
    """OPS_TOKEN opens /metrics and /health/engine: when set, it must be long enough not to be guessed."""
    token = getattr(settings, "OPS_TOKEN", "") or ""
    if token and len(token) < 32:
        return [Error("OPS_TOKEN er for kort (minst 32 tegn).",
                      hint="Lag en med: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'",
                      id="controlplane.E002")]
    return []
