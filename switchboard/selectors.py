"""Reads of the switchboard app (run inside the agency's schema)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from switchboard.models import AttendantSettings, Did, Extension, IvrMenu, Person, Phone, Schedule, Voicemail


def person_search(*, query: str, limit: int = 25) -> QuerySet[Person]:
    """Directory lookup by name, title, department, email or any number on the person."""
    qs = Person.objects.all()
    for word in query.split():
        qs = qs.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(title__icontains=word)
            | Q(department__icontains=word) | Q(email__icontains=word) | Q(mobile__contains=word)
            | Q(extensions__number__startswith=word)
        )
    return qs.distinct().prefetch_related("extensions")[:limit]


def person_directory(*, query: str, limit: int = 20) -> list[dict]:
    """Directory rows for the console: name, title, department, mobile and extension numbers."""
    return [{"name": str(p), "title": p.title, "department": p.department, "mobile": p.mobile,
             "extensions": [e.number for e in p.extensions.all()]}
            for p in person_search(query=query, limit=limit)]


def person_card_by_number(*, number: str) -> dict | None:
    """Who has ``number`` (name, title, department), for the console's caller lookup; None if nobody."""
    person = person_by_number(number=number)
    return {"name": str(person), "title": person.title, "department": person.department} if person else None


def extension_list() -> QuerySet[Extension]:
    return Extension.objects.select_related("person").prefetch_related("phones").order_by("number")


def extension_by_number(*, number: str) -> Extension | None:
    return Extension.objects.filter(number=number).first()


def phone_list(*, active_only: bool = True) -> QuerySet[Phone]:
    qs = Phone.objects.select_related("extension").order_by("id")
    return qs.filter(is_active=True) if active_only else qs


def voicemail_list() -> QuerySet[Voicemail]:
    return Voicemail.objects.select_related("extension").filter(is_active=True).order_by("extension__number")


def did_list() -> QuerySet[Did]:
    return Did.objects.select_related("schedule").order_by("number")


def schedule_list() -> QuerySet[Schedule]:
    return Schedule.objects.prefetch_related("rules", "closed_days").order_by("id")


def ivr_menu_list() -> QuerySet[IvrMenu]:
    return IvrMenu.objects.prefetch_related("options").order_by("id")


# --- Flat rows for the config renderer (fast: no model instances) -------------------------------------------------

def phone_config_rows() -> list[dict]:
    return list(Phone.objects.filter(is_active=True).order_by("id").values(
        "id", "tier", "sip_password", "label", "extension_id", "extension__number", "extension__outbound_number",
        "is_softphone"))


def extension_config_rows() -> list[dict]:
    return list(Extension.objects.order_by("number").values(
        "id", "number", "ring_seconds", "label", "person__first_name", "person__last_name"))


def voicemail_config_rows() -> list[dict]:
    return list(Voicemail.objects.filter(is_active=True).order_by("extension__number").values(
        "id", "extension_id", "extension__number", "pin", "email"))


def did_config_rows() -> list[dict]:
    return list(Did.objects.order_by("number").values(
        "number", "label", "dest_kind", "dest_ref", "dest_number", "schedule_id", "priority"))


def attendant_config_rows() -> list[dict]:
    return list(AttendantSettings.objects.order_by("number").values("id", "number", "name"))


def person_by_number(*, number: str) -> Person | None:
    """Who is calling: an extension number, a mobile number or a direct number of the agency."""
    number = (number or "").strip()
    if not number or not number.lstrip("+").isdigit():
        return None
    ext = Extension.objects.select_related("person").filter(number=number).first()
    if ext and ext.person:
        return ext.person
    e164 = number if number.startswith("+") else (f"+47{number}" if len(number) == 8 else f"+{number}")
    person = Person.objects.filter(mobile=e164).first()
    if person:
        return person
    ext = Extension.objects.select_related("person").filter(outbound_number=e164).first()
    return ext.person if ext else None


def public_numbers_in_use() -> list[tuple[str, str]]:
    """Public numbers the agency uses in its config, as (E.164, Norwegian description)."""
    out = [(d.number, str(_("innringingsnummeret %(n)s") % {"n": d.number})) for d in Did.objects.order_by("number")]
    out += [(a.number, str(_("sentralbordnummeret %(n)s") % {"n": a.number}))
            for a in AttendantSettings.objects.order_by("number")]
    for ext in Extension.objects.exclude(outbound_number="").order_by("number"):
        out.append((ext.outbound_number, str(_("utgående nummer %(n)s for internnummer %(ext)s")
                                             % {"n": ext.outbound_number, "ext": ext.number})))
    return out


def presence_for(*, person_ids: list[int], phone_states: dict[int, str] | None = None,
                 use_mobile: bool = True) -> dict[int, dict]:
    """The merged presence of each person (``switchboard.presence.merge``), from the phone states the engine knows
    by phone ID (``{3: "INUSE"}``), the person's own status, the calendar sources and the mobile API."""
    import datetime as dt
    import logging

    import httpx

    from switchboard.models import PersonStatus
    from switchboard.presence import calendar_sources, merge
    from switchboard.presence_sources import mobile_adapter

    now = dt.datetime.now(dt.UTC)
    people = {p.pk: p for p in Person.objects.filter(pk__in=person_ids).prefetch_related("extensions__phones")}
    own = {s.person_id: (s.status, s.note, s.until) for s in PersonStatus.objects.filter(person_id__in=people)}
    calendars: dict = {}
    for source in calendar_sources():
        calendars.update(source.current(list(people)))
    mobiles: dict = {}
    adapter = mobile_adapter() if use_mobile else None
    if adapter is not None:
        try:
            mobiles = adapter.states([p.mobile for p in people.values() if p.mobile])
        except (httpx.HTTPError, ValueError) as exc:
            logging.getLogger(__name__).info("mobil tilstedeværelse svarte ikke: %s", exc)
    return {pid: merge(phone=_phone_state(person, phone_states), own=own.get(pid), calendar=calendars.get(pid),
                       mobile=mobiles.get(person.mobile), now=now).as_dict() for pid, person in people.items()}


def _phone_state(person: Person, phone_states: dict[int, str] | None) -> str | None:
    """The busiest state of the person's phones (None: the engine told us nothing)."""
    if phone_states is None:
        return None
    from switchboard.presence import PHONE_BUSY, PHONE_GONE

    states = [phone_states.get(ph.pk, "UNAVAILABLE")
              for ext in person.extensions.all() for ph in ext.phones.all() if ph.is_active]
    if not states:
        return None
    busy = [s for s in states if s in PHONE_BUSY]
    if busy:
        return busy[0]
    return "UNAVAILABLE" if all(s in PHONE_GONE for s in states) else "NOT_INUSE"


def operator_for_user(*, user: object) -> dict | None:
    """The attendant console's operator: their phone (the first active one on their extension), the agency's time
    before an unanswered transfer comes back; None if the user is not an operator."""
    from switchboard.models import AttendantSettings, Operator

    operator = Operator.objects.select_related("extension").filter(user=user).first()
    if operator is None:
        return None
    phone = Phone.objects.filter(extension=operator.extension, is_active=True).order_by("id").first()
    settings = AttendantSettings.objects.order_by("number").first()
    return {"phone_id": phone.pk if phone else None, "extension": operator.extension.number,
            "person_id": operator.extension.person_id,
            "name": str(user), "return_seconds": settings.return_seconds if settings else 30,
            "numbers": [a.number for a in AttendantSettings.objects.order_by("number")]}


def person_ids_by_phone() -> dict[int, int]:
    """Phone ID -> person ID, for the phone source of the presence merge."""
    return {row["id"]: row["extension__person_id"] for row in
            Phone.objects.filter(is_active=True, extension__person__isnull=False).values("id", "extension__person_id")}
def voicemail_for_user(*, user) -> Voicemail | None:  # type: ignore[no-untyped-def]
    """The mailbox of the person the user is (Person.user), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Voicemail.objects.select_related("extension").filter(extension__person__user=user).order_by("id").first()


def voicemail_messages(*, voicemail: Voicemail) -> list[dict]:
    """The mailbox's messages, newest first: folder, index, caller, time (epoch), duration (s)."""
    from switchboard.voicemail_files import FOLDERS, mailbox_dir, read_message_info

    base = mailbox_dir(voicemail.extension.number)
    found = []
    for folder in FOLDERS:
        for txt in sorted((base / folder).glob("msg[0-9][0-9][0-9][0-9].txt")):
            info = read_message_info(txt)
            if not txt.with_suffix(".wav").exists():
                continue
            found.append({"folder": folder, "index": int(txt.stem[3:]), "new": folder == "INBOX",
                          "callerid": info.get("callerid", ""), "origtime": int(info.get("origtime", "0") or 0),
                          "duration": int(info.get("duration", "0") or 0)})
            found[-1]["received"] = datetime.fromtimestamp(found[-1]["origtime"], tz=UTC)
    return sorted(found, key=lambda m: -m["origtime"])


def voicemail_all_messages() -> list[dict]:
    """Every voicemail message of the agency (all mailboxes, both folders) with its files, for GDPR retention,
    subject access and erasure: extension, folder, index, callerid, received (aware), duration, paths."""
    from switchboard.voicemail_files import FOLDERS, mailbox_dir, read_message_info

    found = []
    for number in Voicemail.objects.values_list("extension__number", flat=True):
        base = mailbox_dir(number)
        for folder in FOLDERS:
            for txt in sorted((base / folder).glob("msg[0-9][0-9][0-9][0-9].txt")):
                info = read_message_info(txt)
                files = tuple(p for p in sorted(txt.parent.glob(f"{txt.stem}.*")) if p.is_file())
                found.append({"extension": number, "folder": folder, "index": int(txt.stem[3:]),
                              "callerid": info.get("callerid", ""), "duration": int(info.get("duration", "0") or 0),
                              "received": datetime.fromtimestamp(int(info.get("origtime", "0") or 0), tz=UTC),
                              "paths": files})
    return found


def voicemail_message_audio(*, voicemail: Voicemail, folder: str, index: int) -> Path | None:
    from switchboard.voicemail_files import message_path

    try:
        path = message_path(voicemail.extension.number, folder, index, "wav")
    except ValueError:
        return None
    return path if path.is_file() else None


@dataclass(frozen=True)
class CalendarStatus:
    """What a person's Microsoft 365 calendar says at a moment: state is free, tentative, busy, oof (out of office)
    or workingElsewhere; until is when that ends (None: not known / open-ended)."""

    state: str
    until: datetime | None = None
    location: str = ""


_RANK = {"oof": 5, "busy": 4, "tentative": 3, "workingElsewhere": 2, "unknown": 1}


def calendar_status_for_person(*, person_id: int, at: datetime) -> CalendarStatus | None:
    """The calendar source for presence: out of office (the mailbox's automatic replies) first, then the strongest
    calendar entry covering ``at``. None when the person's calendar is not synced from Microsoft 365."""
    from switchboard.models import CalendarBlock, MailboxState

    state = MailboxState.objects.filter(person_id=person_id).first()
    if state is None:
        return None
    if state.oof_status == "alwaysEnabled" or (state.oof_status == "scheduled" and state.oof_start and state.oof_end
                                               and state.oof_start <= at < state.oof_end):
        return CalendarStatus("oof", state.oof_end if state.oof_status == "scheduled" else None)
    blocks = [b for b in CalendarBlock.objects.filter(person_id=person_id, starts_at__lte=at, ends_at__gt=at)
              if b.show_as in _RANK]
    if not blocks:
        return CalendarStatus("free")
    top = max(blocks, key=lambda b: (_RANK[b.show_as], b.ends_at))
    return CalendarStatus(top.show_as, top.ends_at, top.location)


def m365_contact_search(*, query: str, limit: int = 25):  # type: ignore[no-untyped-def]
    """Microsoft 365 contacts of the agency's people by name, company, title, e-mail or number."""
    from switchboard.models import ExternalContact

    qs = ExternalContact.objects.select_related("owner")
    for word in query.split():
        qs = qs.filter(Q(display_name__icontains=word) | Q(company__icontains=word) | Q(job_title__icontains=word)
                       | Q(emails__icontains=word) | Q(phones__icontains=word))
    return qs[:limit]


def softphone_for_user(*, user) -> Phone | None:  # type: ignore[no-untyped-def]
    """The user's own browser softphone (a Phone marked as softphone on their person's extension), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (Phone.objects.select_related("extension").filter(is_softphone=True, is_active=True,
                                                             extension__person__user=user).order_by("id").first())
