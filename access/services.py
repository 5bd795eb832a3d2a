"""Writes for access: grants (give, revoke) and the vendor's sign-in at an agency."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model, login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from access.backends import BACKEND_PATH
from access.live import grant_ended_notify
from access.models import GrantScope, VendorGrant
from access.selectors import grant_active_for_vendor
from audit.context import client_ip
from audit.models import AuditAction
from audit.services import audit_entry_append
from tenants.selectors import vendor_account_get, vendor_check_password, vendor_locked
from tenants.services import VENDOR_LOCK_MINUTES, vendor_failure_record, vendor_failures_clear, vendor_totp_check

STAND_IN_PREFIX = "leverandor."


def _stand_in_user(*, vendor_user_id: int, vendor_name: str):  # type: ignore[no-untyped-def]
    earlier = VendorGrant.objects.filter(vendor_user_id=vendor_user_id).select_related("local_user").first()
    if earlier is not None:
        return earlier.local_user
    username = f"{STAND_IN_PREFIX}{vendor_name}"[:150]
    users = get_user_model().objects
    if users.filter(username=username).exists():
        raise ValidationError(_("Brukernavnet %(u)s er allerede i bruk i etaten.") % {"u": username})
    user = users.create_user(username=username, password=None, is_staff=False)
    return user


@transaction.atomic
def grant_create(*, vendor_user_id: int, scopes: set[str], expires_at: dt.datetime, reason: str,
                 granted_by_id: int | None) -> VendorGrant:
    account = vendor_account_get(user_id=vendor_user_id)
    if account is None or account.totp_confirmed_at is None:
        raise ValidationError(_("Leverandørkontoen finnes ikke eller har ikke registrert engangskoder (TOTP)."))
    if expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("Utløpstidspunktet må være fram i tid.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Skriv en begrunnelse.")})
    unknown = set(scopes) - {s.value for s in GrantScope}
    if not scopes or unknown:
        raise ValidationError(_("Velg minst ett område for tilgangen."))
    name = account.user.get_username()
    return VendorGrant.objects.create(
        vendor_user_id=vendor_user_id, vendor_name=name, reason=reason.strip(), expires_at=expires_at,
        local_user=_stand_in_user(vendor_user_id=vendor_user_id, vendor_name=name), granted_by_id=granted_by_id,
        **{s.value: s.value in scopes for s in GrantScope})


@transaction.atomic
def grant_revoke(*, grant: VendorGrant) -> VendorGrant:
    """Revoke at once: the vendor's next request (page, API, new console connection) is refused."""
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])
        grant_ended_notify(grant_id=grant.pk)  # open console WebSockets under it close after commit
    return grant


def _refuse(request: HttpRequest, username: str, why: str, *, locked: bool = False) -> None:
    detail = {"path": request.path[:300], "reason": why, **({"locked_minutes": VENDOR_LOCK_MINUTES} if locked else {})}
    audit_entry_append(actor=f"leverandor:{username[:150]}", ip=client_ip(request), action=AuditAction.LOGIN_FAILED,
                       model="access.vendorgrant", detail=detail)


def vendor_sign_in(*, request: HttpRequest, username: str, password: str, code: str) -> VendorGrant | None:
    """Password and TOTP of the vendor account (public schema), then an active grant in this agency; sign
    the stand-in in with GrantBackend. Every refusal lands in the audit trail (reason there, not to the user)."""
    if vendor_locked(username=username):
        _refuse(request, username, "locked")  # too many wrong passwords or codes: closed for a while
        return None
    account = vendor_check_password(username=username, password=password)
    if account is None:
        _refuse(request, username, "password", locked=vendor_failure_record(username=username))
        return None
    if account.totp_confirmed_at is None:
        _refuse(request, username, "totp_not_enrolled")
        return None
    grant = grant_active_for_vendor(vendor_user_id=account.user_id)
    if grant is None:
        _refuse(request, username, "no_grant")
        return None
    if not vendor_totp_check(user_id=account.user_id, code=code):
        _refuse(request, username, "totp", locked=vendor_failure_record(username=username))
        return None
    vendor_failures_clear(user_id=account.user_id)
    user = grant.local_user
    user.audit_actor = f"leverandor:{grant.vendor_name} (tilgang {grant.pk})"
    login(request, user, backend=BACKEND_PATH)
    return grant
