"""Writes of the switchboard app. Every write validates, saves and announces the
config change for the current agency (rendered after commit)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from switchboard.destinations import destination_delete_check
from switchboard.models import (
    AttendantMessage,
    AttendantSettings,
    CalendarPresence,
    Did,
    Extension,
    Operator,
    Person,
    PersonStatus,
    Phone,
    Voicemail,
)
from tenants.events import announce_config_changed
from tenants.validators import normalize_e164


def _announce() -> None:
    announce_config_changed(schema_name=connection.schema_name)


@transaction.atomic
def config_object_save(*, obj: models.Model) -> models.Model:
    """Validate and save any switchboard/contactcenter config object, then announce the change.
    Used by the admin and by the specific services below."""
    obj.full_clean()
    obj.save()
    _announce()
    return obj


@transaction.atomic
def config_object_delete(*, obj: models.Model) -> None:
    """Delete a config object. Refused (ValidationError naming what points to it) while a DID, IVR
    option, schedule or queue overflow still sends calls to it or to something deleted with it."""
    destination_delete_check(obj)
    try:
        with transaction.atomic():
            obj.delete()
    except (ProtectedError, RestrictedError) as exc:
        blocking = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
        names = "; ".join(sorted({f"{o._meta.verbose_name} «{o}»" for o in blocking}))
        raise ValidationError(_("«%(obj)s» kan ikke slettes fordi den er i bruk: %(list)s.")
                              % {"obj": obj, "list": names}, code="protected") from exc
    except IntegrityError as exc:  # the database's own destination guard (contactcenter migration 0005)
        raise ValidationError(_("«%(obj)s» kan ikke slettes fordi samtaler fortsatt sendes dit.") % {"obj": obj},
                              code="destination_in_use") from exc
    _announce()


@transaction.atomic
def config_objects_delete(*, objs: Iterable[models.Model]) -> None:
    """Delete several config objects: all or none (the first refusal stops everything)."""
    for obj in objs:
        config_object_delete(obj=obj)


def generate_sip_password() -> str:
    return secrets.token_urlsafe(18)


@transaction.atomic
def person_create(*, first_name: str, last_name: str, title: str = "", department: str = "",
                  email: str = "", mobile: str = "") -> Person:
    person = Person(first_name=first_name, last_name=last_name, title=title, department=department, email=email,
                    mobile=normalize_e164(mobile, norwegian_only=False) if mobile else "")
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def extension_create(*, number: str, person: Person | None = None, label: str = "",
                     outbound_number: str = "", ring_seconds: int = 20) -> Extension:
    ext = Extension(number=number, person=person, label=label, ring_seconds=ring_seconds,
                    outbound_number=normalize_e164(outbound_number) if outbound_number else "")
    config_object_save(obj=ext)
    return ext


@transaction.atomic
def phone_create(*, extension: Extension, tier: str, label: str = "", mac_address: str = "") -> Phone:
    phone = Phone(extension=extension, tier=tier, label=label, mac_address=mac_address.lower(),
                  sip_password=generate_sip_password())
    config_object_save(obj=phone)
    return phone


@transaction.atomic
def phone_reset_password(*, phone: Phone) -> Phone:
    phone.sip_password = generate_sip_password()
    config_object_save(obj=phone)
    return phone


@transaction.atomic
def voicemail_create(*, extension: Extension, pin: str, email: str = "") -> Voicemail:
    vm = Voicemail(extension=extension, pin=pin, email=email)
    config_object_save(obj=vm)
    return vm


@transaction.atomic
def did_create(*, number: str, dest_kind: str, dest_ref: int | None = None, dest_number: str = "",
               label: str = "", schedule=None) -> Did:  # type: ignore[no-untyped-def]
    did = Did(number=normalize_e164(number), dest_kind=dest_kind, dest_ref=dest_ref, dest_number=dest_number,
              label=label, schedule=schedule)
    config_object_save(obj=did)
    return did


# --- the attendant console (sentralbord) -----------------------------------------------------------------------------

@transaction.atomic
def attendant_create(*, number: str, name: str = "Sentralbord", return_seconds: int = 30) -> AttendantSettings:
    """A switchboard number: calls to it wait for the operators (rendered into the agency's ``did`` context)."""
    return config_object_save(obj=AttendantSettings(number=normalize_e164(number), name=name,
                                                    return_seconds=return_seconds))


@transaction.atomic
def operator_create(*, user: object, extension: Extension) -> Operator:
    operator = Operator(user=user, extension=extension)
    operator.full_clean()
    operator.save()
    return operator


@transaction.atomic
def person_status_set(*, person: Person, status: str, note: str = "", until: object = None) -> PersonStatus:
    """The status a person sets themselves; announced to the consoles after commit (``switchboard.presence``)."""
    from switchboard.presence import announce_presence

    row, _created = PersonStatus.objects.get_or_create(person=person)
    row.status, row.note, row.until = status, note, until
    row.full_clean()
    row.save()
    transaction.on_commit(lambda: announce_presence(schema_name=connection.schema_name, person_ids=[person.pk]))
    return row


@transaction.atomic
def calendar_presence_set(*, person: Person, state: str, until: object = None, location: str = "",
                          source: str = "") -> CalendarPresence:
    """What a person's calendar says now. Called by a calendar source (the Microsoft 365 sync)."""
    from switchboard.presence import announce_presence

    row, _created = CalendarPresence.objects.get_or_create(person=person)
    row.state, row.until, row.location, row.source = state, until, location, source
    row.full_clean()
    row.save()
    transaction.on_commit(lambda: announce_presence(schema_name=connection.schema_name, person_ids=[person.pk]))
    return row


def attendant_message_send(*, person_id: int, text: str, caller_number: str = "", caller_name: str = "",
                           taken_by: str = "") -> AttendantMessage:
    """Take a message for a person and send it by e-mail (Django's e-mail backend, SMTP from settings). The message
    is saved first; ``sent_at`` is set only when the SMTP server accepted it."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.utils import timezone

    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise ValidationError(_("Personen finnes ikke."))
    if not person.email:
        raise ValidationError(_("%(p)s har ingen e-postadresse.") % {"p": person})
    with transaction.atomic():
        message = AttendantMessage(person=person, text=text.strip(), caller_number=caller_number[:40],
                                   caller_name=caller_name, taken_by=taken_by[:150])
        message.full_clean()
        message.save()
    who = " ".join(filter(None, (caller_name, caller_number))) or _("ukjent innringer")
    body = _("Beskjed fra sentralbordet\n\nFra: %(who)s\nTatt av: %(by)s\n\n%(text)s\n") % {
        "who": who, "by": taken_by or "-", "text": message.text}
    send_mail(_("Beskjed fra sentralbordet: %(who)s") % {"who": who}, body,
              getattr(settings, "DEFAULT_FROM_EMAIL", "sentralbord@localhost"), [person.email])
    message.sent_at = timezone.now()
    message.save(update_fields=["sent_at"])
    return message
