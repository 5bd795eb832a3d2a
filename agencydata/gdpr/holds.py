"""Legal holds and per-kind settings: what may be deleted, and why not."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from agencydata.gdpr.registry import DataKind, FileItem
from agencydata.models import LegalHold, RetentionPolicy


def retention_days(kind: DataKind) -> int | None:
    policy = RetentionPolicy.objects.filter(kind=kind.kind).first()
    return policy.days if policy is not None else kind.default_days


def kind_hold_reason(kind: DataKind) -> str | None:
    """Why nothing of this kind may be deleted now (an agency-wide hold or the kind's own), or None."""
    if LegalHold.objects.filter(is_active=True, phone_number="", person__isnull=True).exists():
        return _("Hele etaten har pålegg om oppbevaring.")
    if RetentionPolicy.objects.filter(kind=kind.kind, legal_hold=True).exists():
        return _("Typen «%(kind)s» har pålegg om oppbevaring.") % {"kind": kind.label}
    return None


def without_held_subjects(kind: DataKind, rows: QuerySet) -> QuerySet:
    """``rows`` less the rows about a number or person under an active legal hold."""
    from agencydata.gdpr.subjects import number_variants

    for hold in LegalHold.objects.filter(is_active=True).filter(~Q(phone_number="") | Q(person__isnull=False)):
        if hold.phone_number and kind.for_number is not None:
            rows = rows.exclude(pk__in=kind.for_number(number_variants(hold.phone_number)).values("pk"))
        if hold.person_id and kind.for_person is not None:
            rows = rows.exclude(pk__in=kind.for_person(hold.person).values("pk"))
    return rows


def recordings_not_held(due: QuerySet) -> QuerySet:
    """For the recording policy's own retention job (contactcenter.recordings): nothing when the agency or the
    recordings kind is on hold, else the due recordings less those about a number or person on hold."""
    from agencydata.gdpr.registry import kind_get

    kind = kind_get("recordings")
    if kind_hold_reason(kind) is not None:
        return due.none()
    return without_held_subjects(kind, due)


def subject_hold_reason(*, variants: list[str], person: object | None) -> str | None:
    from agencydata.gdpr.subjects import number_variants

    for hold in LegalHold.objects.filter(is_active=True):
        if not hold.phone_number and not hold.person_id:
            return _("Hele etaten har pålegg om oppbevaring: %(why)s") % {"why": hold.reason}
        if hold.phone_number and set(number_variants(hold.phone_number)) & set(variants):
            return _("Nummeret har pålegg om oppbevaring: %(why)s") % {"why": hold.reason}
        if person is not None and hold.person_id == getattr(person, "pk", None):
            return _("Personen har pålegg om oppbevaring: %(why)s") % {"why": hold.reason}
    return None


def file_item_held(item: FileItem) -> bool:
    """A file item (voicemail message) from a number or of a person under an active legal hold."""
    from agencydata.gdpr.subjects import item_about

    for hold in LegalHold.objects.filter(is_active=True).filter(~Q(phone_number="") | Q(person__isnull=False)):
        if hold.person_id and hold.person_id == item.person_id:
            return True
        if hold.phone_number and item_about(item, variants=number_variants_safe(hold.phone_number), person=None):
            return True
    return False


def number_variants_safe(number: str) -> list[str]:
    from django.core.exceptions import ValidationError

    from agencydata.gdpr.subjects import number_variants

    try:
        return number_variants(number)
    except ValidationError:
        return []
