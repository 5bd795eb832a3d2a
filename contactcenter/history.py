"""Writes of call history. Called by the engine (inside the agency's schema). Every function is
idempotent, so a replay after a reconnect never duplicates a call or a queue visit."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from contactcenter.models import Agent, Call, Inquiry, InquiryCategory, Queue, QueueOutcome, QueueVisit, Recording


def _clip(value: str, n: int = 64) -> str:
    return "".join(ch for ch in (value or "") if ch.isprintable())[:n]


def call_started(*, linkedid: str, direction: str, caller_number: str, dialed: str, at: dt.datetime) -> Call:
    call, _created = Call.objects.get_or_create(
        linkedid=linkedid,
        defaults={"direction": direction, "caller_number": _clip(caller_number), "dialed": _clip(dialed),
                  "started_at": at},
    )
    return call


def call_answered(*, linkedid: str, at: dt.datetime) -> None:
    Call.objects.filter(linkedid=linkedid, answered_at__isnull=True).update(answered_at=at)


def call_ended(*, linkedid: str, at: dt.datetime, cause: str = "") -> Call | None:
    with transaction.atomic():
        call = Call.objects.select_for_update().filter(linkedid=linkedid).first()
        if call is None or call.ended_at is not None:
            return call
        call.ended_at = at
        call.hangup_cause = _clip(cause)
        if call.answered_at:
            call.talk_seconds = max(0, int((at - call.answered_at).total_seconds()))
        call.save(update_fields=["ended_at", "hangup_cause", "talk_seconds"])
        QueueVisit.objects.filter(call=call, outcome=QueueOutcome.WAITING).update(
            outcome=QueueOutcome.ABANDONED, ended_at=at)
        return call


def call_caller_known(*, linkedid: str, caller_number: str) -> None:
    """The caller's number, learnt after the call started (a call from another agency): only fills a blank."""
    number = _clip(caller_number)
    if number and number != "<unknown>":
        Call.objects.filter(linkedid=linkedid, caller_number="").update(caller_number=number)


def call_transferred(*, linkedid: str) -> None:
    Call.objects.filter(linkedid=linkedid).update(transferred=True)


def queue_visit_joined(*, linkedid: str, uniqueid: str, queue_id: int, caller_number: str, position: int,
                       at: dt.datetime) -> QueueVisit | None:
    call = Call.objects.filter(linkedid=linkedid).first()
    if call is None:
        call = call_started(linkedid=linkedid, direction="inbound", caller_number=caller_number, dialed="", at=at)
    if not Queue.objects.filter(pk=queue_id).exists():
        return None
    visit, _created = QueueVisit.objects.get_or_create(
        uniqueid=uniqueid, queue_id=queue_id,
        defaults={"call": call, "caller_number": _clip(caller_number), "entered_at": at, "position_on_entry": position},
    )
    return visit


def queue_visit_answered(*, uniqueid: str, queue_id: int, agent_id: int | None, waited: int, at: dt.datetime) -> None:
    agent = Agent.objects.filter(pk=agent_id).first() if agent_id else None
    QueueVisit.objects.filter(uniqueid=uniqueid, queue_id=queue_id).update(
        outcome=QueueOutcome.ANSWERED, answered_at=at, answered_by=agent, waited_seconds=max(0, waited))
    visit = QueueVisit.objects.filter(uniqueid=uniqueid, queue_id=queue_id).select_related("call").first()
    if visit:
        call_answered(linkedid=visit.call.linkedid, at=at)


def queue_visit_completed(*, uniqueid: str, queue_id: int, talk_seconds: int, transferred: bool,
                          at: dt.datetime) -> None:
    qs = QueueVisit.objects.filter(uniqueid=uniqueid, queue_id=queue_id)
    qs.update(talk_seconds=max(0, talk_seconds), ended_at=at,
              **({"outcome": QueueOutcome.TRANSFERRED} if transferred else {}))
    if transferred:
        for visit in qs.select_related("call"):
            call_transferred(linkedid=visit.call.linkedid)


def queue_visit_abandoned(*, uniqueid: str, queue_id: int, waited: int, at: dt.datetime) -> None:
    """The caller hung up while waiting. Asterisk may report the leave before the abandon, so an abandon
    also corrects a visit that the leave had provisionally marked as a timeout."""
    QueueVisit.objects.filter(uniqueid=uniqueid, queue_id=queue_id,
                              outcome__in=[QueueOutcome.WAITING, QueueOutcome.TIMEOUT]).update(
        outcome=QueueOutcome.ABANDONED, waited_seconds=max(0, waited), ended_at=at)


def queue_visit_left(*, uniqueid: str, queue_id: int, at: dt.datetime) -> None:
    """The caller left the queue. Still 'waiting' here means the maximum wait ran out (overflow)."""
    for visit in QueueVisit.objects.filter(uniqueid=uniqueid, queue_id=queue_id, outcome=QueueOutcome.WAITING):
        visit.outcome = QueueOutcome.TIMEOUT
        visit.waited_seconds = max(0, int((at - visit.entered_at).total_seconds()))
        visit.ended_at = at
        visit.save(update_fields=["outcome", "waited_seconds", "ended_at"])


def recording_added(*, linkedid: str | None, path: str, at: dt.datetime, agent_id: int | None) -> Recording:
    call = Call.objects.filter(linkedid=linkedid).first() if linkedid else None
    return Recording.objects.create(call=call, path=path, started_at=at, started_by_id=agent_id)


@transaction.atomic
def inquiry_register(*, agent: Agent, queue: Queue, visit: QueueVisit | None, category: InquiryCategory | None,
                     note: str) -> Inquiry:
    """Register what an inquiry was about. A category is required where the queue requires it."""
    if category is not None and category.queue_id != queue.pk:
        raise ValidationError({"category": _("Kategorien hører ikke til denne køen.")})
    if category is None and queue.require_category:
        raise ValidationError({"category": _("Velg en kategori for henvendelsen.")})
    if visit is not None and visit.queue_id != queue.pk:
        raise ValidationError(_("Samtalen hører ikke til denne køen."))
    inquiry = Inquiry(visit=visit, queue=queue, category=category, note=note.strip()[:4000], agent=agent)
    inquiry.full_clean()
    inquiry.save()
    return inquiry
