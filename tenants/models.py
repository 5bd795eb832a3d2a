"""Public-schema models: agencies (tenants), their domains, number allocation, Asterisk nodes."""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.postgresql_backend.base import _check_schema_name

from tenants.validators import (
    HOSTNAME_SQL_RE,
    SLUG_PATTERN,
    validate_hostname,
    validate_norwegian_e164,
    validate_org_number,
    validate_plain_text,
    validate_safe_text,
    validate_secret_ref,
    validate_slug,
)


class AsteriskNode(models.Model):
    """An Asterisk server the platform drives. Credentials are never stored here:
    ``secret_ref`` names an environment variable (``env:NAME``) or a file in the secrets folder
    (``file:NAME``, setting ASTERISK_SECRETS_DIR)."""

    name = models.CharField(_("navn"), max_length=32, unique=True, validators=[validate_slug])
    host = models.CharField(_("adresse"), max_length=255, validators=[validate_safe_text])
    ami_port = models.PositiveIntegerField(_("AMI-port"), default=5038)
    ari_port = models.PositiveIntegerField(_("ARI-port"), default=8088)
    ami_username = models.CharField(_("AMI-bruker"), max_length=64, default="controlplane", validators=[validate_slug])
    ari_username = models.CharField(_("ARI-bruker"), max_length=64, default="controlplane", validators=[validate_slug])
    secret_ref = models.CharField(
        _("hemmelighet"),
        max_length=255,
        help_text=_("env:VARIABEL eller file:filnavn (en fil i hemmelighetsmappen). "
                    "Selve passordet lagres aldri i databasen."),
        validators=[validate_secret_ref],
    )
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("Asterisk-node")
        verbose_name_plural = _("Asterisk-noder")
        constraints = [
            models.CheckConstraint(
                condition=Q(secret_ref__startswith="env:") | Q(secret_ref__startswith="file:"),
                name="asterisknode_secret_ref_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Agency(TenantMixin):
    """An agency (etat) on the platform. ``schema_name`` is its slug."""

    schema_name = models.CharField(_("kortnavn"), max_length=63, unique=True, db_index=True,
                                   validators=[_check_schema_name])
    name = models.CharField(_("navn"), max_length=200, validators=[validate_plain_text])
    org_number = models.CharField(_("organisasjonsnummer"), max_length=9, unique=True, validators=[validate_org_number])
    is_active = models.BooleanField(_("aktiv"), default=True)
    main_number = models.CharField(
        _("hovednummer"), max_length=16, blank=True, default="", validators=[validate_norwegian_e164],
        help_text=_("Brukes som utgående nummer når et internnummer ikke har eget direktenummer."),
    )
    asterisk_node = models.ForeignKey(
        AsteriskNode, verbose_name=_("Asterisk-node"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        verbose_name = _("etat")
        verbose_name_plural = _("etater")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(schema_name__regex=rf"^({SLUG_PATTERN}|public)$"),
                                   name="agency_slug_format"),
        ]

    def __str__(self) -> str:
        return self.name

    def create_schema(self, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1) -> bool:
        """Create the agency's schema from the migrated template (see tenants.schema_factory)."""
        from django_tenants.utils import schema_exists

        from tenants.schema_factory import create_agency_schema

        if check_if_exists and schema_exists(self.schema_name):
            return False
        create_agency_schema(self.schema_name)
        return True

    @property
    def slug(self) -> str:
        return self.schema_name


class Domain(DomainMixin):
    """A host name an agency (or the platform) answers at. Only DNS host names: the database refuses
    anything else (no brackets, slashes, ``..`` or upper case)."""

    domain = models.CharField(_("domene"), max_length=253, unique=True, db_index=True, validators=[validate_hostname])
    is_primary = models.BooleanField(_("primærdomene"), default=True, db_index=True)

    class Meta:
        verbose_name = _("domene")
        verbose_name_plural = _("domener")
        constraints = [
            models.CheckConstraint(condition=Q(domain__regex=HOSTNAME_SQL_RE), name="domain_hostname_format"),
        ]

    def __str__(self) -> str:
        return self.domain


class NumberRange(models.Model):
    """E.164 numbers handed to an agency. Ranges never overlap: the database refuses it."""

    agency = models.ForeignKey(Agency, verbose_name=_("etat"), related_name="number_ranges", on_delete=models.CASCADE)
    first = models.BigIntegerField(_("første nummer"))
    last = models.BigIntegerField(_("siste nummer"))
    note = models.CharField(_("merknad"), max_length=200, blank=True, default="", validators=[validate_plain_text])

    class Meta:
        verbose_name = _("nummerserie")
        verbose_name_plural = _("nummerserier")
        ordering = ["first"]
        constraints = [
            models.CheckConstraint(condition=Q(last__gte=F("first")), name="numberrange_ordered"),
            models.CheckConstraint(
                condition=Q(first__gte=4700000000) & Q(last__lte=4799999999), name="numberrange_norwegian"
            ),
            ExclusionConstraint(
                name="numberrange_no_overlap",
                expressions=[
                    (Func(F("first"), F("last"), Value("[]"), function="int8range"), RangeOperators.OVERLAPS),
                ],
                violation_error_message=_("Nummerserien overlapper en serie som allerede er tildelt."),
            ),
        ]

    def __str__(self) -> str:
        if self.first == self.last:
            return f"+{self.first}"
        return f"+{self.first}–+{self.last}"

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    size.fget.short_description = _("antall numre")  # type: ignore[attr-defined]


class VendorAccount(models.Model):
    """A platform account (public schema) that may be granted access to an agency: a vendor's or platform
    staff's. It sees nothing of any agency until that agency's admin grants it access, and signs in with
    a TOTP code as second factor. The TOTP secret must be readable to check codes, so it is stored, never
    shown again after enrolment, and never written to the audit trail."""

    user = models.OneToOneField("auth.User", verbose_name=_("brukerkonto"), on_delete=models.CASCADE,
                                related_name="vendor_account")
    organisation = models.CharField(_("virksomhet"), max_length=200, validators=[validate_plain_text])
    totp_secret = models.CharField(_("TOTP-hemmelighet"), max_length=64, blank=True, default="", editable=False)
    totp_confirmed_at = models.DateTimeField(_("TOTP registrert"), null=True, blank=True, editable=False)
    totp_last_step = models.BigIntegerField(default=0, editable=False)
    # Wrong passwords or codes in a row; at VENDOR_LOCK_AFTER the account is locked until ``locked_until``.
    failed_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(_("stengt til"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("leverandørkonto")
        verbose_name_plural = _("leverandørkontoer")
        constraints = [
            models.CheckConstraint(condition=Q(totp_confirmed_at__isnull=True) | ~Q(totp_secret=""),
                                   name="vendoraccount_confirmed_has_secret"),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.organisation})"
