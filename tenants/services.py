"""Writes of the public schema: provisioning agencies, domains and numbers."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from tenants.events import announce_config_changed
from tenants.models import Agency, AsteriskNode, Domain, NumberRange
from tenants.selectors import agency_slug_taken, domain_taken, number_is_allocated
from tenants.validators import normalize_e164, validate_hostname, validate_slug

logger = logging.getLogger(__name__)


def template_schema_ensure(*, verbosity: int = 0) -> None:
    """Create and migrate the schema that new agencies are cloned from."""
    name = settings.TENANT_BASE_SCHEMA
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
    call_command("migrate_schemas", schema_name=name, interactive=False, verbosity=verbosity)
    connection.set_schema_to_public()


def public_tenant_ensure(*, domain: str | None = None) -> Agency:
    """The public tenant serves platform staff at the platform domain."""
    domain = domain or settings.PLATFORM_DOMAIN
    public, _ = Agency.objects.get_or_create(
        schema_name="public",
        defaults={"name": "Norsk helsenett – plattform", "org_number": "994598759"},
    )
    Domain.objects.get_or_create(domain=domain, defaults={"tenant": public, "is_primary": True})
    if domain == "localhost":
        Domain.objects.get_or_create(domain="127.0.0.1", defaults={"tenant": public, "is_primary": False})
    return public


@transaction.atomic
def agency_create(
    *,
    name: str,
    slug: str,
    org_number: str,
    domain: str | None = None,
    admin_username: str | None = None,
    admin_email: str = "",
    admin_password: str | None = None,
    main_number: str = "",
) -> Agency:
    """Create an agency: its schema (cloned from the template), primary domain and first admin.

    Everything happens in one transaction: on any error nothing is left behind.
    """
    try:
        validate_slug(slug)
    except ValidationError as exc:
        raise ValidationError({"schema_name": exc.messages}) from exc
    domain = (domain or f"{slug}.{settings.PLATFORM_DOMAIN}").strip().lower()
    try:
        validate_hostname(domain)
    except ValidationError as exc:
        raise ValidationError({"domain": exc.messages}) from exc
    if agency_slug_taken(slug=slug):
        raise ValidationError({"schema_name": _("En etat med kortnavnet «%(slug)s» finnes allerede.") % {"slug": slug}})
    if domain_taken(domain=domain):
        raise ValidationError({"domain": _("Domenet %(domain)s er allerede i bruk.") % {"domain": domain}})
    agency = Agency(name=name, schema_name=slug, org_number=org_number.replace(" ", ""))
    if main_number:
        agency.main_number = _field_error("main_number", normalize_e164, main_number)
    agency.full_clean(exclude=["main_number"] if not main_number else None, validate_unique=True)
    if admin_username:
        _admin_user_check(username=admin_username, email=admin_email)
    if not schema_exists(settings.TENANT_BASE_SCHEMA):
        template_schema_ensure()
    agency.save(verbosity=0)
    Domain.objects.create(domain=domain, tenant=agency, is_primary=True)
    if agency.main_number and not number_range_contains(agency=agency, e164=agency.main_number):
        raise ValidationError({"main_number": _("Hovednummeret er ikke tildelt denne etaten.")})
    if admin_username:
        with schema_context(slug):
            _admin_user_create(username=admin_username, email=admin_email, password=admin_password)
    announce_config_changed(schema_name=slug)
    logger.info("agency %s created", slug)
    return agency


def _field_error(field: str, fn, value):  # type: ignore[no-untyped-def]
    """Run a validator/normaliser and report its error on ``field`` (so a form shows it there)."""
    try:
        return fn(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc


def _admin_user_check(*, username: str, email: str) -> None:
    """Validate the first admin's username and e-mail before anything is created."""
    user_model = get_user_model()
    user = user_model(username=username, email=email, is_staff=True, is_superuser=True)
    try:
        user.clean_fields(exclude=["password"])
    except ValidationError as exc:
        raise ValidationError({f"admin_{k}": v for k, v in exc.message_dict.items()}) from exc


def _admin_user_create(*, username: str, email: str, password: str | None) -> None:
    user = get_user_model()(username=username, email=email, is_staff=True, is_superuser=True)
    user.full_clean(exclude=["password"])
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()


@transaction.atomic
def agency_update(*, agency: Agency, name: str | None = None, main_number: str | None = None) -> Agency:
    if name is not None:
        agency.name = name
    if main_number is not None:
        agency.main_number = _field_error("main_number", normalize_e164, main_number) if main_number else ""
        if agency.main_number and not number_range_contains(agency=agency, e164=agency.main_number):
            raise ValidationError({"main_number": _("Hovednummeret er ikke tildelt denne etaten.")})
    agency.full_clean()
    agency.save()
    announce_config_changed(schema_name=agency.schema_name)
    return agency


@transaction.atomic
def agency_set_active(*, agency: Agency, active: bool) -> Agency:
    """Deactivate (or reactivate) an agency. A deactivated agency is dropped from Asterisk
    config and its domain answers 404; its data is kept."""
    agency.is_active = active
    agency.save(update_fields=["is_active"])
    announce_config_changed(schema_name=agency.schema_name)
    return agency


def domain_add(*, agency: Agency, domain: str, is_primary: bool = False) -> Domain:
    """Let an agency answer at one more host name."""
    obj = Domain(tenant=agency, domain=(domain or "").strip().lower(), is_primary=is_primary)
    return domain_save(domain=obj)


@transaction.atomic
def domain_save(*, domain: Domain) -> Domain:
    """Validate (host name, unique) and save a domain; announce nothing (domains are not Asterisk config)."""
    domain.domain = (domain.domain or "").strip().lower()
    domain.full_clean()
    domain.save()
    return domain


@transaction.atomic
def domain_delete(*, domain: Domain) -> None:
    if domain.tenant.schema_name == get_public_schema_name() and not Domain.objects.filter(
            tenant=domain.tenant).exclude(pk=domain.pk).exists():
        raise ValidationError(_("Plattformens siste domene kan ikke slettes."))
    domain.delete()


@transaction.atomic
def node_save(*, node: AsteriskNode) -> AsteriskNode:
    """Validate and save an Asterisk node (the secret reference must be env:NAME or a file in the secrets folder)."""
    node.full_clean()
    node.save()
    return node


def number_range_contains(*, agency: Agency, e164: str) -> bool:
    return number_is_allocated(schema_name=agency.schema_name, e164=e164 or "")


@transaction.atomic
def number_range_allocate(*, agency: Agency, first: str, last: str | None = None, note: str = "") -> NumberRange:
    """Hand a Norwegian number (or a range of them) to an agency.

    The database refuses overlap with any range already handed out, so a number
    belongs to one agency at most even under concurrent allocation.
    """
    first_e164 = normalize_e164(first)
    last_e164 = normalize_e164(last) if last else first_e164
    rng = NumberRange(agency=agency, first=int(first_e164[1:]), last=int(last_e164[1:]), note=note)
    if rng.last < rng.first:
        raise ValidationError(_("Siste nummer må være større enn eller lik første nummer."))
    if rng.size > 10000:
        raise ValidationError(_("En nummerserie kan ha høyst 10 000 numre."))
    rng.full_clean()
    try:
        with transaction.atomic():
            rng.save()
    except IntegrityError as exc:
        raise ValidationError(_("Nummerserien overlapper en serie som allerede er tildelt.")) from exc
    announce_config_changed(schema_name=agency.schema_name)
    return rng


@transaction.atomic
def number_range_release(*, number_range: NumberRange) -> None:
    """Take a range back from its agency. Refused while any of its numbers is in use (a DID, the
    agency's main number or an extension's outbound number): the agency's config would point at a
    number it no longer has."""
    from tenants.selectors import number_range_numbers_in_use

    in_use = number_range_numbers_in_use(number_range=number_range)
    if in_use:
        raise ValidationError(
            _("Nummerserien %(range)s kan ikke frigis: numre er i bruk hos %(agency)s: %(uses)s.")
            % {"range": str(number_range), "agency": number_range.agency.name, "uses": "; ".join(in_use)},
            code="numbers_in_use",
        )
    schema_name = number_range.agency.schema_name
    number_range.delete()
    announce_config_changed(schema_name=schema_name)


@transaction.atomic
def number_ranges_release(*, number_ranges: list[NumberRange]) -> None:
    """Release several ranges: all or none."""
    for number_range in number_ranges:
        number_range_release(number_range=number_range)


# --- Vendor accounts: TOTP as second factor -------------------------------------------------------------------
TOTP_ISSUER = "Telefoniplattform"


def vendor_account_create(*, username: str, password: str, organisation: str):  # type: ignore[no-untyped-def]
    """A public-schema user with a vendor account (no TOTP yet: the vendor enrols at /vendor/totp/)."""
    from tenants.models import VendorAccount

    with schema_context(get_public_schema_name()), transaction.atomic():
        user = get_user_model().objects.create_user(username=username, password=password)
        return VendorAccount.objects.create(user=user, organisation=organisation)


def vendor_totp_new_secret() -> str:
    import pyotp

    return pyotp.random_base32()


def vendor_totp_uri(*, username: str, secret: str) -> str:
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (30 s) within one step of now whose code is ``code``, or None."""
    import datetime as dt

    import pyotp

    totp = pyotp.TOTP(secret)
    now = dt.datetime.now(dt.UTC)
    code = (code or "").strip().replace(" ", "")
    for offset in (0, -1, 1):
        step = totp.timecode(now + dt.timedelta(seconds=offset * totp.interval))
        if len(code) == totp.digits and code.isdigit() and totp.generate_otp(step) == code:
            return step
    return None


def vendor_totp_confirm(*, user_id: int, secret: str, code: str) -> bool:
    """Enrolment's last step: store ``secret`` if ``code`` matches it and none is enrolled yet."""
    from django.utils import timezone

    from tenants.models import VendorAccount

    step = _matching_step(secret, code)
    if step is None:
        return False
    with schema_context(get_public_schema_name()), transaction.atomic():
        updated = VendorAccount.objects.filter(user_id=user_id, totp_confirmed_at__isnull=True).update(
            totp_secret=secret, totp_confirmed_at=timezone.now(), totp_last_step=step)
    return updated == 1


def vendor_totp_check(*, user_id: int, code: str) -> bool:
    """True once per code: the code matches the enrolled secret and its time step was not used before."""
    from tenants.models import VendorAccount

    with schema_context(get_public_schema_name()), transaction.atomic():
        account = VendorAccount.objects.select_for_update().filter(
            user_id=user_id, totp_confirmed_at__isnull=False).first()
        if account is None:
            return False
        step = _matching_step(account.totp_secret, code)
        if step is None or step <= account.totp_last_step:
            return False
        account.totp_last_step = step
        account.save(update_fields=["totp_last_step"])
        return True


def vendor_totp_reset(*, user_id: int) -> None:
    from tenants.models import VendorAccount

    with schema_context(get_public_schema_name()):
        VendorAccount.objects.filter(user_id=user_id).update(totp_secret="", totp_confirmed_at=None, totp_last_step=0)


VENDOR_LOCK_AFTER = 5  # wrong passwords or one-time codes in a row
VENDOR_LOCK_MINUTES = 15


def vendor_failure_record(*, username: str) -> bool:
    """One more wrong password or code for the vendor account ``username`` (nothing for an unknown name); at
    VENDOR_LOCK_AFTER in a row the account is locked for VENDOR_LOCK_MINUTES. True when this locked it."""
    import datetime as dt

    from django.utils import timezone

    from tenants.models import VendorAccount

    with schema_context(get_public_schema_name()), transaction.atomic():
        account = VendorAccount.objects.select_for_update().filter(user__username=username).first()
        if account is None:
            return False
        account.failed_attempts += 1
        locked = account.failed_attempts >= VENDOR_LOCK_AFTER
        if locked:
            account.failed_attempts = 0
            account.locked_until = timezone.now() + dt.timedelta(minutes=VENDOR_LOCK_MINUTES)
        account.save(update_fields=["failed_attempts", "locked_until"])
        return locked


def vendor_failures_clear(*, user_id: int) -> None:
    """A successful sign-in starts the count again."""
    from tenants.models import VendorAccount

    with schema_context(get_public_schema_name()):
        VendorAccount.objects.filter(user_id=user_id).update(failed_attempts=0, locked_until=None)
