"""The audit trail of one agency (in its own schema): append-only, each entry chained to the one before
by SHA-256. The database refuses UPDATE, DELETE and TRUNCATE (trigger in migration 0002); only the
retention job may delete, and only from the oldest end (it sets ``audit.retention`` for its transaction)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("opprettet")
    UPDATE = "update", _("endret")
    DELETE = "delete", _("slettet")
    RELATION = "relation", _("koblinger endret")
    LOGIN = "login", _("innlogging")
    LOGIN_FAILED = "login_failed", _("mislykket innlogging")
    LOGOUT = "logout", _("utlogging")
    ACCESS = "access", _("tilgang")
    RETENTION = "retention", _("sletting etter oppbevaringstid")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("tidspunkt"), db_index=True)
    actor = models.CharField(_("hvem"), max_length=200, db_index=True)
    ip = models.GenericIPAddressField(_("fra adresse"), null=True, blank=True)
    action = models.CharField(_("handling"), max_length=20, choices=AuditAction.choices, db_index=True)
    model = models.CharField(_("hva"), max_length=100, blank=True, default="", db_index=True)
    object_pk = models.CharField(_("objekt-ID"), max_length=100, blank=True, default="")
    before = models.JSONField(_("før"), null=True, blank=True)
    after = models.JSONField(_("etter"), null=True, blank=True)
    detail = models.JSONField(_("detaljer"), default=dict, blank=True)
    prev_hash = models.CharField(_("forrige hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("revisjonslogg-post")
        verbose_name_plural = _("revisjonslogg")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(hash__regex=r"^[0-9a-f]{64}$")
                                   & models.Q(prev_hash__regex=r"^[0-9a-f]{64}$"), name="auditentry_hash_format"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.model} {self.object_pk}".strip()
