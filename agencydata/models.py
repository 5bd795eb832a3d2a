"""Agency-schema models of the agency's own data: spreadsheet onboarding runs, retention settings and runs,
legal holds and erasure receipts (GDPR)."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenants.validators import validate_plain_text


class OnboardingStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Lastet opp")
    CHECKING = "checking", _("Sjekkes")
    CHECKED = "checked", _("Sjekket")
    IMPORTING = "importing", _("Leses inn")
    DONE = "done", _("Lest inn")
    FAILED = "failed", _("Ikke lest inn")


class OnboardingImport(models.Model):
    """One upload of the agency's spreadsheets: the rows read from them, the dry run's report and the import's
    progress (the admin page polls it)."""

    created_at = models.DateTimeField(_("lastet opp"), auto_now_add=True)
    created_by = models.CharField(_("lastet opp av"), max_length=150, blank=True, default="")
    file_names = models.CharField(_("filer"), max_length=500, blank=True, default="")
    sheets = models.JSONField(_("rader"), default=dict, help_text=_("Radene lest fra filene, per type."))
    status = models.CharField(_("status"), max_length=10, choices=OnboardingStatus.choices,
                              default=OnboardingStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(_("rader i alt"), default=0)
    done_rows = models.PositiveIntegerField(_("rader behandlet"), default=0)
    problems = models.JSONField(_("problemer"), default=list, help_text=_("Ark, rad, kolonne og melding per problem."))
    created = models.JSONField(_("opprettet"), default=dict, help_text=_("Antall rader lest inn per type."))
    finished_at = models.DateTimeField(_("ferdig"), null=True, blank=True)

    class Meta:
        verbose_name = _("innlesing fra regneark")
        verbose_name_plural = _("innlesinger fra regneark")
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(done_rows__lte=models.F("total_rows")),
                                              name="onboarding_progress_bounded")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.file_names}"


class RetentionPolicy(models.Model):
    """How long one kind of data is kept in this agency (a kind without a row keeps its default)."""

    kind = models.CharField(_("type data"), max_length=32, unique=True)
    days = models.PositiveIntegerField(_("oppbevares (dager)"), null=True, blank=True,
                                       validators=[MinValueValidator(1, _("Minst én dag."))],
                                       help_text=_("Tomt: oppbevares til det slettes for hånd."))
    legal_hold = models.BooleanField(_("rettslig pålegg om oppbevaring"), default=False,
                                     help_text=_("Ingenting av denne typen slettes, verken etter tid eller på forespørsel."))
    updated_at = models.DateTimeField(_("endret"), auto_now=True)

    class Meta:
        verbose_name = _("oppbevaringstid")
        verbose_name_plural = _("oppbevaringstider")
        ordering = ["kind"]
        constraints = [models.CheckConstraint(condition=Q(days__isnull=True) | Q(days__gte=1),
                                              name="retentionpolicy_days_positive",
                                              violation_error_message=_("Minst én dag."))]

    def __str__(self) -> str:
        return self.kind


class LegalHold(models.Model):
    """A duty to keep data (a case, a complaint, a police request): for one phone number, one person or, with
    neither, everything the agency holds. Nothing it covers is deleted while it is active."""

    phone_number = models.CharField(_("telefonnummer"), max_length=64, blank=True, default="")
    person = models.ForeignKey("switchboard.Person", verbose_name=_("person"), null=True, blank=True,
                               on_delete=models.PROTECT)
    reason = models.CharField(_("begrunnelse"), max_length=300, validators=[validate_plain_text])
    is_active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("pålegg om oppbevaring")
        verbose_name_plural = _("pålegg om oppbevaring")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.phone_number or (str(self.person) if self.person_id else str(_("hele etaten")))


class RetentionRun(models.Model):
    """One run of the retention job in this agency: when, what it deleted per kind, what went wrong."""

    started_at = models.DateTimeField(_("startet"))
    finished_at = models.DateTimeField(_("ferdig"), null=True, blank=True)
    deleted = models.JSONField(_("slettet"), default=dict, help_text=_("Antall rader slettet per type data."))
    files_deleted = models.PositiveIntegerField(_("filer slettet"), default=0)
    kept = models.JSONField(_("beholdt"), default=dict, help_text=_("Typer som ikke ble slettet, og hvorfor."))
    errors = models.JSONField(_("feil"), default=dict, help_text=_("Feil per type data."))

    class Meta:
        verbose_name = _("sletting etter oppbevaringstid")
        verbose_name_plural = _("slettinger etter oppbevaringstid")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"


class ErasureReceipt(models.Model):
    """The receipt of one erasure request: what was deleted and what was kept, and why."""

    created_at = models.DateTimeField(_("utført"), auto_now_add=True)
    requested_by = models.CharField(_("utført av"), max_length=150, blank=True, default="")
    subject = models.CharField(_("gjelder"), max_length=200,
                               help_text=_("Telefonnummeret eller personens ID."))
    deleted = models.JSONField(_("slettet"), default=dict)
    kept = models.JSONField(_("beholdt"), default=dict, help_text=_("Per type: antall og begrunnelse."))

    class Meta:
        verbose_name = _("kvittering for sletting")
        verbose_name_plural = _("kvitteringer for sletting")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.subject}"
