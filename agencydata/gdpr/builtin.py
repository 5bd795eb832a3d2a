"""The personal data of switchboard and contactcenter, registered as kinds (agencydata sits above both apps,
so neither needs to know about GDPR). Apps added later register their own kinds."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from agencydata.gdpr.registry import DEFAULT_DAYS, DataKind, FileItem, register_kind


def _recording_files(rows: QuerySet) -> Iterable[Path]:
    """Only files inside the agency's own folder are ever deleted."""
    base = (Path(settings.ASTERISK_SPOOL_DIR) / connection.schema_name).resolve()
    for path in rows.values_list("path", flat=True):
        p = Path(path).resolve()
        if p.is_relative_to(base):
            yield p


UNLINKED = _("Etatens egen historikk: raden beholdes, men koblingen til personen fjernes når personen slettes.")


def register_builtin() -> None:
    from contactcenter.models import Agent, AgentPause, AgentSession, Call, Inquiry, QueueVisit, Recording
    from switchboard.models import Extension, Person

    register_kind(DataKind(
        kind="inquiries", label=_("henvendelser"), default_days=DEFAULT_DAYS["inquiries"], order=10,
        erase_by_person=False, kept_reason=UNLINKED,
        expired=lambda cutoff: Inquiry.objects.filter(created_at__lt=cutoff),
        for_number=lambda v: Inquiry.objects.filter(Q(visit__caller_number__in=v) | Q(visit__call__caller_number__in=v)),
        for_person=lambda p: Inquiry.objects.filter(agent__person=p)))
    register_kind(DataKind(
        # Time-based deletion of recordings is the recording policy's (contactcenter.recordings: per queue, with
        # delete_after on each recording and its own deletion log); here: subject access and erasure only.
        kind="recordings", label=_("opptak"), default_days=None, order=20,
        erase_by_person=False, kept_reason=UNLINKED,
        for_number=lambda v: Recording.objects.filter(Q(call__caller_number__in=v) | Q(call__dialed__in=v)),
        for_person=lambda p: Recording.objects.filter(started_by__person=p), files=_recording_files))
    register_kind(DataKind(
        kind="queue_visits", label=_("købesøk"), default_days=DEFAULT_DAYS["queue_visits"], order=30,
        erase_by_person=False, kept_reason=UNLINKED,
        expired=lambda cutoff: QueueVisit.objects.filter(entered_at__lt=cutoff),
        for_number=lambda v: QueueVisit.objects.filter(Q(caller_number__in=v) | Q(call__caller_number__in=v)),
        for_person=lambda p: QueueVisit.objects.filter(answered_by__person=p)))
    register_kind(DataKind(
        # When agents logged in to and out of queues: the estimated wait learns the usual logins from the same
        # weekday of the last 5 weeks; 6 weeks by default, nothing about callers.
        kind="agent_sessions", label=_("innlogginger i kø"), default_days=DEFAULT_DAYS["agent_sessions"], order=35,
        expired=lambda cutoff: AgentSession.objects.filter(started_at__lt=cutoff),
        for_person=lambda p: AgentSession.objects.filter(agent__person=p)))
    register_kind(DataKind(
        # Agents' pauses with the reason chosen (the agent report; the estimated wait's start after a restart).
        kind="agent_pauses", label=_("pauser"), default_days=DEFAULT_DAYS["agent_pauses"], order=36,
        expired=lambda cutoff: AgentPause.objects.filter(started_at__lt=cutoff),
        for_person=lambda p: AgentPause.objects.filter(agent__person=p)))
    register_kind(DataKind(
        kind="calls", label=_("samtaler"), default_days=DEFAULT_DAYS["calls"], order=40,
        erase_by_person=False, kept_reason=UNLINKED,
        expired=lambda cutoff: Call.objects.filter(started_at__lt=cutoff),
        for_number=lambda v: Call.objects.filter(Q(caller_number__in=v) | Q(dialed__in=v)),
        for_person=lambda p: Call.objects.filter(Q(caller_number__in=_person_numbers(p)) | Q(dialed__in=_person_numbers(p)))))
    register_kind(DataKind(
        kind="directory", label=_("katalog (person)"), default_days=None, order=60, erase_by_number=False,
        kept_reason=_("En person i katalogen slettes bare når personen selv slettes, ikke etter nummer."),
        for_number=lambda v: Person.objects.filter(mobile__in=v),
        for_person=lambda p: Person.objects.filter(pk=p.pk)))
    register_kind(DataKind(
        kind="agents", label=_("agentoppsett"), default_days=None, order=55,
        for_person=lambda p: Agent.objects.filter(person=p)))
    _register_sms()
    register_kind(DataKind(
        kind="voicemail", label=_("talepost"), default_days=DEFAULT_DAYS["voicemail"], order=18,
        file_items=_voicemail_items))
    register_kind(DataKind(
        kind="extensions", label=_("internnumre"), default_days=None, order=58, erase_by_person=False,
        kept_reason=_("Internnummeret er etatens oppsett; koblingen til personen fjernes med personen."),
        for_person=lambda p: Extension.objects.filter(person=p)))


def _register_sms() -> None:
    """The SMS log (outbound): messages by the time they were made; SMS and opt-outs about a number. An opt-out is
    kept on erasure: deleting it would let the next mass send reach someone who asked not to be contacted."""
    from outbound.models import OptOut, SmsMessage

    register_kind(DataKind(
        kind="sms", label=_("SMS-logg"), default_days=DEFAULT_DAYS["sms"], order=15, erase_by_person=False,
        kept_reason=UNLINKED,
        expired=lambda cutoff: SmsMessage.objects.filter(send__created_at__lt=cutoff),
        for_number=lambda v: SmsMessage.objects.filter(number__in=v),
        for_person=lambda p: SmsMessage.objects.filter(number__in=_person_numbers(p))))
    register_kind(DataKind(
        kind="sms_optout", label=_("SMS-avmeldinger"), default_days=None, order=16, erase_by_number=False,
        erase_by_person=False,
        kept_reason=_("En avmelding beholdes: uten den ville neste utsending nå en som har bedt om å slippe."),
        for_number=lambda v: OptOut.objects.filter(number__in=v)))


def _person_numbers(person: object) -> list[str]:
    """The numbers a person calls from or is called on: their extensions and mobile."""
    from switchboard.models import Extension

    numbers = list(Extension.objects.filter(person=person).values_list("number", flat=True))
    mobile = getattr(person, "mobile", "")
    return numbers + ([mobile] if mobile else [])


def _callerid_number(callerid: str) -> str:
    """The number in app_voicemail's callerid ("Kari Haugen" <1002>, or just 1002); '' when there is none."""
    match = re.search(r"<([^>]*)>", callerid)
    return (match.group(1) if match else callerid).strip()


def _voicemail_items() -> Iterable[FileItem]:
    from switchboard.models import Extension
    from switchboard.selectors import voicemail_all_messages

    person_of = dict(Extension.objects.values_list("number", "person_id"))
    for m in voicemail_all_messages():
        yield FileItem(paths=m["paths"], at=m["received"], number=_callerid_number(m["callerid"]),
                       person_id=person_of.get(m["extension"]),
                       info={"internnummer": m["extension"], "mappe": m["folder"], "fra": m["callerid"],
                             "varighet_s": m["duration"]})
