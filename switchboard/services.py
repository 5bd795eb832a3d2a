"""Writes of the switchboard app. Every write validates, saves and announces the
config change for the current agency (rendered after commit)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from switchboard.destinations import destination_delete_check

if TYPE_CHECKING:
    from outbound.models import SmsSend
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
    if isinstance(obj, Phone) and obj.mac_address:  # the admin claimed an unknown device
        from switchboard.models import UnknownDevice

        UnknownDevice.objects.filter(mac_address=obj.mac_address).delete()
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
               label: str = "", schedule=None, priority: bool = False) -> Did:  # type: ignore[no-untyped-def]
    did = Did(number=normalize_e164(number), dest_kind=dest_kind, dest_ref=dest_ref, dest_number=dest_number,
              label=label, schedule=schedule, priority=priority)
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
                           taken_by: str = "", channel: str = "email") -> AttendantMessage:
    """Take a message for a person and send it by e-mail (Django's e-mail backend, SMTP from settings) or by SMS to
    the person's mobile (``channel="sms"``: through the SMS app's send, so it is logged in the SMS log and sent by
    the SMS job). The message is saved first; ``sent_at`` is set when the SMTP server accepted the e-mail, or when
    the SMS was handed to the SMS job (its delivery is followed in the SMS log)."""
    from django.utils import timezone

    from switchboard.models import MessageChannel

    if channel not in MessageChannel.values:
        raise ValidationError(_("Velg e-post eller SMS."))
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise ValidationError(_("Personen finnes ikke."))
    if channel == MessageChannel.SMS and not person.mobile:
        raise ValidationError(_("%(p)s har ikke mobilnummer, så beskjeden kan ikke sendes på SMS. Send den på e-post.")
                              % {"p": person})
    if channel == MessageChannel.EMAIL and not person.email:
        raise ValidationError(_("%(p)s har ingen e-postadresse.") % {"p": person})
    with transaction.atomic():
        message = AttendantMessage(person=person, text=text.strip(), caller_number=caller_number[:40],
                                   caller_name=caller_name, taken_by=taken_by[:150], channel=channel)
        message.full_clean()
        message.save()
        who = " ".join(filter(None, (caller_name, caller_number))) or _("ukjent innringer")
        if channel == MessageChannel.SMS:
            message.sms_send = _attendant_sms(message=message, who=who)
    if channel == MessageChannel.EMAIL:
        _attendant_email(message=message, who=who)
    message.sent_at = timezone.now()
    message.save(update_fields=["sent_at", "sms_send"])
    return message


def _attendant_email(*, message: AttendantMessage, who: str) -> None:
    from django.conf import settings
    from django.core.mail import send_mail

    body = _("Beskjed fra sentralbordet\n\nFra: %(who)s\nTatt av: %(by)s\n\n%(text)s\n") % {
        "who": who, "by": message.taken_by or "-", "text": message.text}
    send_mail(_("Beskjed fra sentralbordet: %(who)s") % {"who": who}, body,
              getattr(settings, "DEFAULT_FROM_EMAIL", "sentralbord@localhost"), [message.person.email])


def _attendant_sms(*, message: AttendantMessage, who: str) -> SmsSend:
    """One SMS to the person's mobile through the SMS app (logged, opt-outs respected); returns its send."""
    from outbound.selectors import audience_typed
    from outbound.services import sms_send_create

    audience = audience_typed(text=message.person.mobile)
    if audience.opted_out:
        raise ValidationError(_("%(p)s har reservert seg mot SMS. Send beskjeden på e-post.") % {"p": message.person})
    if audience.errors or not audience.count:
        raise ValidationError(_("Mobilnummeret til %(p)s kan ikke brukes for SMS.") % {"p": message.person})
    body = _("Beskjed fra sentralbordet fra %(who)s: %(text)s") % {"who": who, "text": message.text}
    audience.label = (_("Beskjed fra sentralbordet til %(p)s") % {"p": message.person})[:300]
    # The SMS body is a template in the SMS app; the operator's braces are text, not variables.
    return sms_send_create(user_id=None, audience=audience, body=body.replace("{", "{{").replace("}", "}}"))
@transaction.atomic
def phone_rotate_provisioning_secret(*, phone: Phone) -> Phone:
    """A new provisioning secret: the old provisioning URL stops working at once."""
    from switchboard.models import _new_secret

    phone.provisioning_secret = _new_secret()
    phone.full_clean()
    phone.save(update_fields=["provisioning_secret"])
    return phone


@transaction.atomic
def provisioning_request(*, mac: str, secret: str | None, vendor: str, user_agent: str,
                         remote_addr: str | None) -> str | None:
    """A phone asks for its configuration. Answered (the file's text) only when a phone of this agency has the
    MAC address and the URL carries that phone's secret (constant-time compare); every request is logged, and a
    MAC address no phone has is listed for the admin to claim. None means: answer 404, say nothing more."""
    import hmac

    from switchboard.models import ProvisioningFetch, UnknownDevice
    from switchboard.provisioning import render_phone_config

    user_agent = user_agent[:255]
    phone = Phone.objects.select_related("extension__person").filter(mac_address=mac, is_active=True).first()
    log = ProvisioningFetch(mac_address=mac, vendor=vendor, user_agent=user_agent, remote_addr=remote_addr)
    if phone is None:
        if not Phone.objects.filter(mac_address=mac).exists():
            device, created = UnknownDevice.objects.get_or_create(
                mac_address=mac, defaults={"vendor": vendor, "user_agent": user_agent, "remote_addr": remote_addr})
            if not created:
                UnknownDevice.objects.filter(pk=device.pk).update(
                    fetches=models.F("fetches") + 1, user_agent=user_agent, remote_addr=remote_addr, vendor=vendor,
                    last_seen=timezone.now())
        log.outcome = ProvisioningFetch.Outcome.UNKNOWN
        log.save()
        return None
    log.phone = phone
    if secret is None or not hmac.compare_digest(secret.encode(), phone.provisioning_secret.encode()):
        log.outcome = ProvisioningFetch.Outcome.DENIED
        log.save()
        return None
    log.outcome = ProvisioningFetch.Outcome.SERVED
    log.save()
    return render_phone_config(phone=phone, vendor=vendor)


@transaction.atomic
def voicemail_pin_change(*, voicemail: Voicemail, pin: str) -> Voicemail:
    """A new PIN for the mailbox: refused (ValidationError, Norwegian) when it is easy to guess."""
    voicemail.pin = (pin or "").strip()
    config_object_save(obj=voicemail)
    return voicemail


GREETING_MAX_BYTES = 10 * 1024 * 1024


def voicemail_greeting_upload(*, voicemail: Voicemail, kind: str, data: bytes) -> None:
    """Store an uploaded greeting (any audio ffmpeg reads: wav, mp3, ogg, webm ...) as the 8 kHz mono 16-bit wav
    Asterisk plays. ``kind``: unavail (not answering), busy, name. Refused with a clear error when the file is not
    audio; the old greeting stays until the new one is ready."""
    import subprocess
    import tempfile

    from switchboard.voicemail_files import GREETINGS, mailbox_dir

    if kind not in GREETINGS:
        raise ValidationError(_("Ukjent hilsen."))
    if not data or len(data) > GREETING_MAX_BYTES:
        raise ValidationError(_("Lydfilen må være mellom 1 byte og 10 MB."))
    target = mailbox_dir(voicemail.extension.number)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target) as tmp:
        src, out = f"{tmp}/upload", f"{tmp}/greeting.wav"
        with open(src, "wb") as f:
            f.write(data)
        done = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", src, "-t", "120", "-ac", "1",
                               "-ar", "8000", "-sample_fmt", "s16", "-f", "wav", out], capture_output=True, timeout=60)
        if done.returncode != 0:
            raise ValidationError(_("Filen kunne ikke leses som lyd. Last opp en lydfil (for eksempel WAV eller MP3)."))
        stem = GREETINGS[kind]
        for old in target.glob(f"{stem}.*"):
            old.unlink()
        Path(out).rename(target / f"{stem}.wav")


def voicemail_mail_forward(*, raw: bytes) -> int:
    """Send an e-mail composed by Asterisk's app_voicemail (the mailbox's notice with the message attached)
    through Django's e-mail backend (EMAIL_HOST/EMAIL_PORT). Called by ``manage.py voicemail_sendmail``, the
    ``mailcmd`` of voicemail.conf. Returns the number of messages sent."""
    from email import message_from_bytes, policy
    from email.utils import getaddresses

    from django.conf import settings
    from django.core.mail import EmailMessage, get_connection

    parsed = message_from_bytes(raw, policy=policy.SMTP)
    recipients = [addr for _name, addr in getaddresses(parsed.get_all("To", []) + parsed.get_all("Cc", [])) if addr]
    if not recipients:
        return 0

    class _AsComposed(EmailMessage):
        def message(self, *, policy=None):  # type: ignore[no-untyped-def,override]
            class _Bytes:
                def as_bytes(self, linesep: str = "\n") -> bytes:
                    return parsed.as_bytes(policy=policy_smtp.clone(linesep=linesep))
            return _Bytes()

    policy_smtp = policy.SMTP
    sender = parsed.get("From") or settings.DEFAULT_FROM_EMAIL
    mail = _AsComposed(from_email=str(getaddresses([str(sender)])[0][1] or settings.DEFAULT_FROM_EMAIL), to=recipients)
    return get_connection(fail_silently=False).send_messages([mail]) or 0


def m365_agency_sync(*, now=None) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Sync every active Microsoft 365 tenant of the current agency. One tenant's failure (recorded on it) never
    stops the others. Returns tenant name -> "ok" or the error."""
    from switchboard.models import M365Tenant

    out = {}
    for tenant in M365Tenant.objects.filter(is_active=True).order_by("id"):
        out[tenant.name] = m365_tenant_sync(tenant=tenant, now=now)
    return out


def m365_tenant_sync(*, tenant, now=None) -> str:  # type: ignore[no-untyped-def]
    """Read the tenant's users from Graph, match them to the agency's people by e-mail address, and sync each one's
    out-of-office setting, calendar (delta) and contacts (delta)."""
    from switchboard.m365 import GraphClient, GraphError

    now = now or timezone.now()
    try:
        client = GraphClient(tenant)
        people = {p.email.lower(): p for p in Person.objects.exclude(email="")}
        for users, _delta in client.pages("/users", params={"$select": "id,displayName,mail,userPrincipalName"}):
            for user in users:
                person = people.get((user.get("mail") or user.get("userPrincipalName") or "").lower())
                if person is not None:
                    _m365_person_sync(client=client, tenant=tenant, person=person, user_id=user["id"], now=now)
    except GraphError as exc:
        type(tenant).objects.filter(pk=tenant.pk).update(last_error=str(exc)[:2000])
        return str(exc)
    type(tenant).objects.filter(pk=tenant.pk).update(last_sync_at=now, last_error="")
    return "ok"


def _m365_person_sync(*, client, tenant, person: Person, user_id: str, now) -> None:  # type: ignore[no-untyped-def]
    from switchboard.m365 import calendar_window, graph_time
    from switchboard.models import CalendarBlock, ExternalContact, MailboxState

    state, _ = MailboxState.objects.get_or_create(person=person, defaults={"tenant": tenant, "graph_user_id": user_id})
    if state.tenant_id != tenant.pk or state.graph_user_id != user_id or (
            state.synced_at and state.synced_at.date() != now.date()):  # a new day: a fresh calendar window
        state.tenant, state.graph_user_id, state.calendar_delta_link = tenant, user_id, ""
    replies = client.get(f"/users/{user_id}/mailboxSettings/automaticRepliesSetting")
    state.oof_status = replies.get("status") if replies.get("status") in ("alwaysEnabled", "scheduled") else "disabled"
    state.oof_start = graph_time(replies.get("scheduledStartDateTime"))
    state.oof_end = graph_time(replies.get("scheduledEndDateTime"))
    if not state.calendar_delta_link:
        CalendarBlock.objects.filter(tenant=tenant, person=person).delete()
    url = state.calendar_delta_link or f"/users/{user_id}/calendarView/delta"
    for events, delta in client.pages(url, params=None if state.calendar_delta_link else calendar_window(now)):
        with transaction.atomic():
            for ev in events:
                _m365_event_apply(tenant=tenant, person=person, event=ev)
        state.calendar_delta_link = delta or state.calendar_delta_link
    url = state.contacts_delta_link or f"/users/{user_id}/contacts/delta"
    for contacts, delta in client.pages(url):
        with transaction.atomic():
            for contact in contacts:
                _m365_contact_apply(tenant=tenant, owner=person, contact=contact, model=ExternalContact)
        state.contacts_delta_link = delta or state.contacts_delta_link
    state.synced_at = now
    state.save()


def _clip(value: object, limit: int = 255) -> str:
    import re

    return re.sub(r"[\x00-\x1f\x7f]", " ", str(value or "")).strip()[:limit]


def _m365_event_apply(*, tenant, person: Person, event: dict) -> None:  # type: ignore[no-untyped-def]
    from switchboard.m365 import graph_time
    from switchboard.models import CalendarBlock, ShowAs

    if "@removed" in event:
        CalendarBlock.objects.filter(tenant=tenant, person=person, event_id=event["id"]).delete()
        return
    starts, ends = graph_time(event.get("start")), graph_time(event.get("end"))
    if starts is None or ends is None or ends < starts or event.get("isCancelled"):
        CalendarBlock.objects.filter(tenant=tenant, person=person, event_id=event["id"]).delete()
        return
    show_as = event.get("showAs", "busy") if event.get("showAs", "busy") in ShowAs.values else ShowAs.UNKNOWN
    CalendarBlock.objects.update_or_create(tenant=tenant, person=person, event_id=_clip(event["id"]), defaults={
        "starts_at": starts, "ends_at": ends, "show_as": show_as, "is_all_day": bool(event.get("isAllDay")),
        "location": _clip((event.get("location") or {}).get("displayName"))})


def _m365_contact_apply(*, tenant, owner: Person, contact: dict, model) -> None:  # type: ignore[no-untyped-def]
    if "@removed" in contact:
        model.objects.filter(tenant=tenant, owner=owner, graph_id=contact["id"]).delete()
        return
    emails = ", ".join(e.get("address", "") for e in contact.get("emailAddresses") or [] if e.get("address"))
    phones = [*(contact.get("businessPhones") or []), contact.get("mobilePhone") or "", *(contact.get("homePhones") or [])]
    model.objects.update_or_create(tenant=tenant, owner=owner, graph_id=_clip(contact["id"]), defaults={
        "display_name": _clip(contact.get("displayName")) or "–", "company": _clip(contact.get("companyName")),
        "job_title": _clip(contact.get("jobTitle")), "emails": _clip(emails, 1000),
        "phones": _clip(", ".join(p for p in phones if p), 500)})
