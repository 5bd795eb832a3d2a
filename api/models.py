"""API tokens of one agency (in the agency's own schema): only a SHA-256 of the secret is kept."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ = "read", _("Lese")
    WRITE = "write", _("Endre")
    LIVE = "live", _("Sanntid")


class ApiToken(models.Model):
    name = models.CharField(_("navn"), max_length=100)
    prefix = models.CharField(_("kjennetegn"), max_length=16, unique=True, editable=False,
                              help_text=_("Begynnelsen av nøkkelen, til å kjenne den igjen."))
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = ArrayField(models.CharField(max_length=8, choices=Scope.choices), verbose_name=_("tilganger"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("laget av"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("laget"), auto_now_add=True)
    expires_at = models.DateTimeField(_("utløper"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("trukket tilbake"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("sist brukt"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API-nøkkel")
        verbose_name_plural = _("API-nøkler")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(scopes__contained_by=["read", "write", "live"]) & ~Q(scopes=[]),
                                   name="apitoken_scopes_known"),
            models.CheckConstraint(condition=Q(secret_hash__regex=r"^[0-9a-f]{64}$"), name="apitoken_hash_hex"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        from django.utils import timezone

        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())
