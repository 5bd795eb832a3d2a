"""Reads of the public schema."""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from tenants.models import Agency, AsteriskNode, Domain, NumberRange
from tenants.validators import SECRET_ENV_RE, secret_file_path

E164_RE = re.compile(r"\+[0-9]{8,15}")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def agency_list(*, active_only: bool = True) -> QuerySet[Agency]:
    qs = Agency.objects.exclude(schema_name=get_public_schema_name()).order_by("schema_name")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs


def agency_get(*, slug: str) -> Agency:
    return Agency.objects.exclude(schema_name=get_public_schema_name()).get(schema_name=slug)


def agency_slug_taken(*, slug: str) -> bool:
    return Agency.objects.filter(schema_name=slug).exists()


def domain_taken(*, domain: str) -> bool:
    return Domain.objects.filter(domain=domain).exists()


def agency_slug_for_host(*, host: str) -> str | None:
    """The active agency serving ``host``, or None (public domain, unknown or inactive)."""
    with schema_context(get_public_schema_name()):
        domain = Domain.objects.select_related("tenant").filter(domain=host).first()
        if domain is None or domain.tenant.schema_name == get_public_schema_name() or not domain.tenant.is_active:
            return None
        return domain.tenant.schema_name


def session_user(*, agency: str, session_key: str | None):  # type: ignore[no-untyped-def]
    """The user of a session in ``agency``'s schema (sessions live per schema)."""
    if not session_key:
        return AnonymousUser()
    from importlib import import_module

    engine = import_module(settings.SESSION_ENGINE)
    with schema_context(agency):
        session = engine.SessionStore(session_key)
        user_id = session.get(SESSION_KEY)
        backend = session.get(BACKEND_SESSION_KEY)
        if user_id is None or backend is None:
            return AnonymousUser()
        if backend not in settings.AUTHENTICATION_BACKENDS:
            return AnonymousUser()
        # The session's own backend loads the user, as Django does for a request (a grant backend may refuse).
        user = load_backend(backend).get_user(user_id)
        if user is None or not user.is_active:
            return AnonymousUser()
        session_hash = session.get(HASH_SESSION_KEY)
        if not session_hash or not constant_time_compare(session_hash, user.get_session_auth_hash()):
            return AnonymousUser()
        user.agency = agency  # type: ignore[attr-defined]
        return user


def _number_value(e164: str) -> int | None:
    """``+4721077000`` as an integer, or None for anything that is not an E.164 number."""
    if not isinstance(e164, str) or not E164_RE.fullmatch(e164):
        return None
    return int(e164[1:])


def number_ranges_containing(*, e164: str) -> QuerySet[NumberRange]:
    """The number ranges that hold ``e164`` (the one in-range check; none for anything not E.164)."""
    value = _number_value(e164)
    if value is None:
        return NumberRange.objects.none()
    return NumberRange.objects.filter(first__lte=value, last__gte=value)


def number_owner(*, e164: str) -> Agency | None:
    """The agency a number is allocated to, or None."""
    rng = number_ranges_containing(e164=e164).select_related("agency").first()
    return rng.agency if rng else None


def number_is_allocated(*, schema_name: str, e164: str) -> bool:
    return number_ranges_containing(e164=e164).filter(agency__schema_name=schema_name).exists()


def node_list(*, active_only: bool = True) -> QuerySet[AsteriskNode]:
    qs = AsteriskNode.objects.order_by("name")
    return qs.filter(is_active=True) if active_only else qs


# Apps above tenants register how to list the public numbers an agency uses (run in its schema), as
# (E.164, description). switchboard registers DIDs and extensions' outbound numbers.
_NUMBER_USERS: list[Callable[[], list[tuple[str, str]]]] = []


def register_public_number_user(fn: Callable[[], list[tuple[str, str]]]) -> None:
    if fn not in _NUMBER_USERS:
        _NUMBER_USERS.append(fn)


def _in_range(e164: str, number_range: NumberRange) -> bool:
    value = _number_value(e164)
    return value is not None and number_range.first <= value <= number_range.last


def number_range_numbers_in_use(*, number_range: NumberRange) -> list[str]:
    """What uses numbers of ``number_range`` in its agency: DIDs, the main number, extensions'
    outbound numbers (as short Norwegian descriptions; empty when the range is free)."""
    agency = number_range.agency
    uses: list[str] = []
    if _in_range(agency.main_number, number_range):
        uses.append(gettext("hovednummeret %(n)s") % {"n": agency.main_number})
    if agency.schema_name != get_public_schema_name() and schema_exists(agency.schema_name):
        with schema_context(agency.schema_name):
            for number, what in (row for fn in _NUMBER_USERS for row in fn()):
                if _in_range(number, number_range):
                    uses.append(what)
    return uses


class NodeSecretError(LookupError):
    """A node's secret reference that the platform refuses to read."""


def node_secret(*, node: AsteriskNode) -> str:
    """Resolve a node's AMI/ARI password from an environment variable or a file in the secrets folder
    (ASTERISK_SECRETS_DIR). Anything else (``file:/etc/passwd``, ``..``, a symlink out of the folder,
    a value with a line break) is refused here too, whatever path the reference was stored by."""
    kind, _sep, ref = node.secret_ref.partition(":")
    if kind == "env":
        if not SECRET_ENV_RE.fullmatch(ref):
            raise NodeSecretError(f"{node.name}: ugyldig navn på miljøvariabel {ref!r}")
        value = os.environ.get(ref)
        if value is None:
            raise NodeSecretError(f"{node.name}: miljøvariabelen {ref} er ikke satt")
    elif kind == "file":
        try:
            path = secret_file_path(ref)
        except ValidationError as exc:
            raise NodeSecretError(f"{node.name}: {' '.join(exc.messages)}") from exc
        try:
            value = path.read_text()
        except OSError as exc:
            raise NodeSecretError(f"{node.name}: kan ikke lese hemmelighetsfilen {path.name}: {exc.strerror}") from exc
    else:
        raise NodeSecretError(f"{node.name}: ukjent hemmelighetstype {kind!r}")
    value = value.strip()
    if not value or CONTROL_RE.search(value):
        raise NodeSecretError(f"{node.name}: hemmeligheten er tom eller inneholder linjeskift/kontrolltegn")
    return value


def vendor_account_list(*, enrolled_only: bool = True) -> list:
    """Vendor accounts (public schema) an agency admin may grant access to (a list: read in the public schema)."""
    from tenants.models import VendorAccount

    with schema_context(get_public_schema_name()):
        qs = VendorAccount.objects.select_related("user").filter(user__is_active=True).order_by("user__username")
        if enrolled_only:
            qs = qs.filter(totp_confirmed_at__isnull=False)
        return list(qs)


def vendor_account_get(*, user_id: int):  # type: ignore[no-untyped-def]
    from tenants.models import VendorAccount

    with schema_context(get_public_schema_name()):
        return VendorAccount.objects.select_related("user").filter(user_id=user_id, user__is_active=True).first()


def vendor_check_password(*, username: str, password: str):  # type: ignore[no-untyped-def]
    """The vendor account whose public user has ``username`` and ``password`` (any schema may ask), or None.
    Runs the password hasher even for unknown names so timing does not tell which names exist."""
    from tenants.models import VendorAccount

    with schema_context(get_public_schema_name()):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            get_user_model()().set_password(password)
            return None
        if not user.check_password(password):
            return None
        return VendorAccount.objects.select_related("user").filter(user=user).first()


def vendor_locked(*, username: str) -> bool:
    """True while the vendor account named ``username`` is locked after too many wrong passwords or codes."""
    from django.utils import timezone

    from tenants.models import VendorAccount

    with schema_context(get_public_schema_name()):
        return VendorAccount.objects.filter(user__username=username, locked_until__gt=timezone.now()).exists()
