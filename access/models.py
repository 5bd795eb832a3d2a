"""Who from outside may see an agency, and how its own users sign in (in the agency's schema).

- VendorGrant: an agency admin's time-limited, scoped, revocable grant to a vendor account (public schema).
  The vendor acts as a local stand-in user (``local_user``) that has no password and no rights of its own:
  every right comes from an active grant, checked on every request (access.backends.GrantBackend).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class GrantScope(models.TextChoices):
    CONFIG_READ = "config_read", _("lese konfigurasjon")
    CONFIG_CHANGE = "config_change", _("endre konfigurasjon")
    LIVE_VIEW = "live_view", _("se sanntid (konsoll og tavle)")
    RECORDINGS = "recordings", _("opptak")


class VendorGrant(models.Model):
    vendor_user_id = models.BigIntegerField(_("leverandørkonto (ID)"), db_index=True)
    vendor_name = models.CharField(_("leverandørkonto"), max_length=200)
    local_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("lokal stedfortreder"),
                                   on_delete=models.PROTECT, related_name="vendor_grants")
    config_read = models.BooleanField(_("lese konfigurasjon"), default=False)
    config_change = models.BooleanField(_("endre konfigurasjon"), default=False)
    live_view = models.BooleanField(_("se sanntid"), default=False)
    recordings = models.BooleanField(_("opptak"), default=False)
    reason = models.TextField(_("begrunnelse"))
    created_at = models.DateTimeField(_("gitt"), auto_now_add=True)
    expires_at = models.DateTimeField(_("utløper"))
    revoked_at = models.DateTimeField(_("trukket tilbake"), null=True, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("gitt av"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("leverandørtilgang")
        verbose_name_plural = _("leverandørtilganger")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="vendorgrant_expires_after_start"),
            models.CheckConstraint(condition=Q(config_read=True) | Q(config_change=True) | Q(live_view=True)
                                   | Q(recordings=True), name="vendorgrant_some_scope"),
            models.CheckConstraint(condition=~Q(reason=""), name="vendorgrant_reason_given"),
        ]

    def __str__(self) -> str:
        return f"{self.vendor_name} → {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def scopes(self) -> set[str]:
        return {s.value for s in GrantScope if getattr(self, s.value)}


class Role(models.TextChoices):
    AGENT = "agent", _("agent")
    SUPERVISOR = "supervisor", _("veileder")
    ADMIN = "admin", _("administrator")


class OidcConfig(models.Model):
    """The agency's own identity provider (Entra ID or any OpenID Connect issuer): one per agency."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    is_active = models.BooleanField(_("aktiv"), default=True)
    issuer = models.URLField(_("utsteder (issuer)"), max_length=300, help_text=_(
        "For Entra ID: https://login.microsoftonline.com/<tenant-ID>/v2.0"))
    client_id = models.CharField(_("klient-ID"), max_length=200)
    client_secret = models.CharField(_("klienthemmelighet"), max_length=500)
    groups_claim = models.CharField(_("gruppe-claim"), max_length=100, default="groups")

    class Meta:
        verbose_name = _("pålogging med Entra ID (OIDC)")
        verbose_name_plural = _("pålogging med Entra ID (OIDC)")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="oidcconfig_singleton"),
            models.CheckConstraint(condition=Q(issuer__startswith="https://") | Q(issuer__startswith="http://127.0.0.1")
                                   | Q(issuer__startswith="http://localhost"), name="oidcconfig_https_issuer"),
        ]

    def __str__(self) -> str:
        return self.issuer


class OidcRoleMapping(models.Model):
    config = models.ForeignKey(OidcConfig, related_name="role_mappings", on_delete=models.CASCADE)
    group = models.CharField(_("gruppe (verdi i claim)"), max_length=200,
                             help_text=_("Gruppens objekt-ID i Entra ID (eller navnet, om claimet sender navn)."))
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("rolle fra gruppe")
        verbose_name_plural = _("roller fra grupper")
        constraints = [models.UniqueConstraint(fields=["config", "group", "role"], name="oidcrolemapping_unique")]

    def __str__(self) -> str:
        return f"{self.group} → {self.get_role_display()}"


class OidcIdentity(models.Model):
    """Which local user a person of the agency's identity provider is (issuer + subject)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, related_name="oidc_identity", on_delete=models.CASCADE)
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ekstern identitet")
        verbose_name_plural = _("eksterne identiteter")
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="oidcidentity_unique")]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"
