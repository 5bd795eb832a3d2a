"""Writes of call history. Called by the engine (inside the agency's schema). Every function is
idempotent, so a replay after a reconnect never duplicates a call or a queue visit."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from contactcenter.models import (
    Agent,
    AgentPause,
    AgentSession,
    Call,
    CallbackRequest,
    HistoryGap,
    Inquiry,
    InquiryCategory,
    Queue,
    QueueOutcome,
    QueueVisit,
    Recording,
)


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
    # Answered after the end was recorded (events out of order, or reconciled later): the talk time follows.
    for call in Call.objects.filter(linkedid=linkedid, ended_at__isnull=False, answered_at__isnull=False,
                                    talk_seconds__isnull=True):
        call.talk_seconds = max(0, int((call.ended_at - call.answered_at).total_seconds()))
        call.save(update_fields=["talk_seconds"])


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


def queue_visit_completed(*, uniqueid: str, linkedid: str, queue_id: int, agent_id: int | None, talk_seconds: int,
                          transferred: bool, at: dt.datetime) -> str:
    """The talk in a queue call ended (AMI AgentComplete). Asterisk leaves out the caller's fields when the
    caller's channel is gone before app_queue reports (and the agent's too, when both are): match by the
    caller's uniqueid, else by the linked ID, else by the agent who answered in that queue at the time the
    talk began. Returns how it matched ("uniqueid", "linkedid", "member") or "" if nothing matched."""
    visit, how = _completed_visit(uniqueid=uniqueid, linkedid=linkedid, queue_id=queue_id, agent_id=agent_id,
                                  talk_seconds=talk_seconds, at=at)
    if visit is None:
        return ""
    visit.talk_seconds = max(0, talk_seconds)
    visit.ended_at = at
    fields = ["talk_seconds", "ended_at"]
    if transferred:
        visit.outcome = QueueOutcome.TRANSFERRED
        fields.append("outcome")
    visit.save(update_fields=fields)
    if transferred:
        call_transferred(linkedid=visit.call.linkedid)
    return how


_MATCH_WINDOW = dt.timedelta(seconds=10)  # AMI timestamps lag the talk's start under load


def _completed_visit(*, uniqueid: str, linkedid: str, queue_id: int, agent_id: int | None, talk_seconds: int,
                     at: dt.datetime) -> tuple[QueueVisit | None, str]:
    if uniqueid:
        visit = QueueVisit.objects.filter(uniqueid=uniqueid, queue_id=queue_id).select_related("call").first()
        if visit is not None:
            return visit, "uniqueid"
    open_answered = QueueVisit.objects.filter(queue_id=queue_id, outcome=QueueOutcome.ANSWERED,
                                              talk_seconds__isnull=True).select_related("call")
    if linkedid:
        visit = open_answered.filter(call__linkedid=linkedid).order_by("-answered_at").first()
        if visit is not None:
            return visit, "linkedid"
    if agent_id:
        began = at - dt.timedelta(seconds=max(0, talk_seconds))
        candidates = open_answered.filter(answered_by_id=agent_id, answered_at__gte=began - _MATCH_WINDOW,
                                          answered_at__lte=began + _MATCH_WINDOW)
        visit = min(candidates, key=lambda v: abs((v.answered_at - began).total_seconds()), default=None)
        if visit is not None:
            return visit, "member"
    return None, ""


def queue_visit_reconciled(*, uniqueid: str, queue_id: int, agent_id: int | None, waited: int, talk_seconds: int,
                           transferred: bool, at: dt.datetime) -> bool:
    """Fill a visit from app_queue's queue_log completion (COMPLETECALLER/COMPLETEAGENT/...TRANSFER), where
    the AMI events were missing. Never overwrites what the events already recorded. True if it changed."""
    with transaction.atomic():
        visit = (QueueVisit.objects.select_for_update().select_related("call")
                 .filter(uniqueid=uniqueid, queue_id=queue_id).first())
        if visit is None or visit.talk_seconds is not None:
            return False
        visit.talk_seconds = max(0, talk_seconds)
        visit.ended_at = visit.ended_at or at
        if visit.answered_at is None:
            visit.answered_at = at - dt.timedelta(seconds=max(0, talk_seconds))
            visit.waited_seconds = max(0, waited)
        if agent_id and visit.answered_by_id is None and Agent.objects.filter(pk=agent_id).exists():
            visit.answered_by_id = agent_id
        visit.outcome = QueueOutcome.TRANSFERRED if transferred else QueueOutcome.ANSWERED
        visit.save(update_fields=["talk_seconds", "ended_at", "answered_at", "waited_seconds", "answered_by",
                                  "outcome"])
    call_answered(linkedid=visit.call.linkedid, at=visit.answered_at)
    if transferred:
        call_transferred(linkedid=visit.call.linkedid)
    return True


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


def _seconds(since: dt.datetime | None, until: dt.datetime) -> int | None:
    return max(0, int((until - since).total_seconds())) if since else None


@transaction.atomic
def calls_closed_after_loss(*, live_linkedids: set[str], live_uniqueids: set[str], before: dt.datetime,
                            at: dt.datetime, reason: str, only_linkedids: set[str] | None = None) -> dict[str, int]:
    """Close what Asterisk no longer has after the engine lost contact with it: every open call started
    before ``before`` whose linkedid is not among Asterisk's live channels, and every open queue visit
    whose caller channel is gone. They end at ``at`` (when contact was lost) with ``reason``.

    A visit still waiting becomes ``cut`` (neither answered nor abandoned by the caller); an answered visit
    stays answered and gets its talk time up to ``at``. ``only_linkedids`` limits the closing to calls the
    engine knew on this node (several nodes). Idempotent: closed rows are never touched again."""
    reason = _clip(reason, 100)
    calls = Call.objects.select_for_update().filter(ended_at__isnull=True, started_at__lt=before).exclude(
        linkedid__in=live_linkedids)
    if only_linkedids is not None:
        calls = calls.filter(linkedid__in=only_linkedids)
    # A visit is open while it waits (no ``ended_at``: it has not left the queue) or, once answered, until its
    # talk time is known (``ended_at`` is when it left the queue for the agent).
    visits = QueueVisit.objects.select_for_update().filter(
        Q(ended_at__isnull=True) | Q(outcome=QueueOutcome.ANSWERED, talk_seconds__isnull=True),
        entered_at__lt=before).exclude(uniqueid__in=live_uniqueids)
    if only_linkedids is not None:
        visits = visits.filter(call__linkedid__in=only_linkedids)
    n_visits = 0
    for visit in visits:
        end = max(at, visit.entered_at)
        visit.end_reason = reason
        if visit.outcome == QueueOutcome.WAITING:
            visit.outcome = QueueOutcome.CUT
            visit.waited_seconds = _seconds(visit.entered_at, end)
        elif visit.answered_at and visit.talk_seconds is None:
            visit.talk_seconds = _seconds(visit.answered_at, end)
        visit.ended_at = visit.ended_at or end
        visit.save(update_fields=["ended_at", "end_reason", "outcome", "waited_seconds", "talk_seconds"])
        n_visits += 1
    n_calls = 0
    for call in calls:
        end = max(at, call.started_at)
        call.ended_at, call.end_reason, call.hangup_cause = end, reason, call.hangup_cause or _clip(reason)
        call.talk_seconds = _seconds(call.answered_at, end)
        call.save(update_fields=["ended_at", "end_reason", "hangup_cause", "talk_seconds"])
        n_calls += 1
    return {"calls": n_calls, "visits": n_visits}


def call_recovered(*, linkedid: str, direction: str, caller_number: str, dialed: str, started_at: dt.datetime,
                   answered_at: dt.datetime | None, ended_at: dt.datetime, reason: str) -> int:
    """A call Asterisk finished while the engine had no contact, from Asterisk's CDR: created complete, or an
    open call the events had started is finished with the CDR's end. 1 if the history changed, else 0."""
    talk = _seconds(answered_at, ended_at)
    with transaction.atomic():
        call, created = Call.objects.select_for_update().get_or_create(
            linkedid=linkedid,
            defaults={"direction": direction, "caller_number": _clip(caller_number), "dialed": _clip(dialed),
                      "started_at": started_at, "answered_at": answered_at, "ended_at": ended_at,
                      "talk_seconds": talk, "end_reason": _clip(reason, 100)})
        if created:
            return 1
        if call.ended_at is not None:
            return 0
        call.answered_at = call.answered_at or answered_at
        call.ended_at, call.end_reason = max(ended_at, call.started_at), _clip(reason, 100)
        call.talk_seconds = _seconds(call.answered_at, call.ended_at)
        call.save(update_fields=["answered_at", "ended_at", "end_reason", "talk_seconds"])
        QueueVisit.objects.filter(call=call, outcome=QueueOutcome.WAITING).update(
            outcome=QueueOutcome.ABANDONED, ended_at=call.ended_at, end_reason=_clip(reason, 100))
        return 1


def history_gap_recorded(*, node: str, started_at: dt.datetime, ended_at: dt.datetime, asterisk_restarted: bool,
                         recovered_calls: int = 0) -> HistoryGap:
    """Record that the engine had no AMI connection to ``node`` from ``started_at`` to ``ended_at``."""
    gap, _created = HistoryGap.objects.update_or_create(
        node=_clip(node, 100), started_at=started_at,
        defaults={"ended_at": max(ended_at, started_at), "asterisk_restarted": asterisk_restarted,
                  "recovered_calls": recovered_calls})
    return gap


def recording_added(*, linkedid: str | None, path: str, at: dt.datetime, agent_id: int | None) -> Recording:
    call = Call.objects.filter(linkedid=linkedid).first() if linkedid else None
    return Recording.objects.create(call=call, path=path, started_at=at, started_by_id=agent_id)


# What other apps do when an inquiry is registered (outbound: the campaign attempt of the call gets its category as
# disposition); contactcenter does not know about them, they sit above. Each gets the saved inquiry inside the same
# transaction; a hook that fails is logged and never loses the inquiry.
_INQUIRY_HOOKS: list[Callable[[Inquiry], object]] = []
_log = logging.getLogger(__name__)


def register_inquiry_hook(fn: Callable[[Inquiry], object]) -> None:
    if fn not in _INQUIRY_HOOKS:
        _INQUIRY_HOOKS.append(fn)


def _inquiry_hooks_run(inquiry: Inquiry) -> None:
    for hook in _INQUIRY_HOOKS:
        try:
            with transaction.atomic():
                hook(inquiry)
        except Exception:
            _log.exception("henvendelse %s: %s feilet", inquiry.pk, getattr(hook, "__qualname__", hook))


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
    call = visit.call if visit is not None else None
    recording = call.recordings.order_by("-started_at").first() if call is not None else None
    callback = CallbackRequest.objects.filter(uniqueid=visit.uniqueid).first() if visit is not None else None
    inquiry = Inquiry(visit=visit, queue=queue, category=category, note=note.strip()[:4000], agent=agent, call=call,
                      recording=recording, callback=callback)
    inquiry.full_clean()
    inquiry.save()
    _inquiry_hooks_run(inquiry)
    return inquiry


@transaction.atomic
def message_inquiry_register(*, channel: str, from_number: str, message: str, picture: bytes | None = None,
                             picture_type: str = "", queue_id: int | None = None) -> Inquiry:
    """An inquiry that came as an SMS or MMS (no agent yet; the console shows it with the picture)."""
    if channel not in ("sms", "mms"):
        raise ValidationError(_("Ukjent kanal for henvendelsen."))
    if picture is not None and not picture_type.startswith("image/"):
        raise ValidationError(_("Vedlegget er ikke et bilde."))
    inquiry = Inquiry(channel=channel, from_number=from_number[:20], message=message[:4000], picture=picture,
                      picture_type=picture_type[:40], queue_id=queue_id)
    inquiry.full_clean(exclude=["picture", "queue", "agent"])
    inquiry.save()
    return inquiry


def agent_session_started(*, agent_id: int, queue_id: int, at: dt.datetime) -> AgentSession | None:
    """The agent logged in to the queue (app_queue added the member). The same event again changes nothing; a
    session still open from before (its logout was missed, e.g. while the engine had no AMI) ends here."""
    if not (Agent.objects.filter(pk=agent_id).exists() and Queue.objects.filter(pk=queue_id).exists()):
        return None
    with transaction.atomic():
        AgentSession.objects.filter(agent_id=agent_id, queue_id=queue_id, ended_at__isnull=True,
                                    started_at__lt=at).update(ended_at=at)
        session, _created = AgentSession.objects.get_or_create(agent_id=agent_id, queue_id=queue_id, started_at=at)
    return session


def agent_session_ended(*, agent_id: int, queue_id: int, at: dt.datetime) -> int:
    """The agent logged out of the queue (app_queue removed the member): the open session ends, and so does a pause
    the agent was on, unless the agent is still logged in to another queue (paused there: the pause goes on)."""
    with transaction.atomic():
        ended = AgentSession.objects.filter(agent_id=agent_id, queue_id=queue_id, ended_at__isnull=True,
                                            started_at__lte=at).update(ended_at=at)
        if not AgentSession.objects.filter(agent_id=agent_id, ended_at__isnull=True).exists():
            AgentPause.objects.filter(agent_id=agent_id, ended_at__isnull=True, started_at__lte=at).update(
                ended_at=at, ended_by_logout=True)
    return ended


LOGIN_SLACK = dt.timedelta(seconds=2)  # Asterisk's LoginTime is whole seconds; the event's Timestamp is not


def _from_epoch(value: float, default: dt.datetime) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, tz=dt.UTC) if value else default


def _sessions_reconciled(now_in: dict[tuple[int, int], dict], at: dt.datetime) -> tuple[int, int]:
    closed = opened = 0
    for session in AgentSession.objects.select_for_update().filter(ended_at__isnull=True):
        member = now_in.get((session.agent_id, session.queue_id))
        if member is None:  # logged out while the engine did not see it
            end = at
        elif member["login_at"] and _from_epoch(member["login_at"], at) > session.started_at + LOGIN_SLACK:
            end = _from_epoch(member["login_at"], at)  # out and in again meanwhile: the new login ends the old
        else:
            continue
        session.ended_at = max(end, session.started_at)
        session.save(update_fields=["ended_at"])
        closed += 1
    for (agent_id, queue_id), member in now_in.items():
        if not AgentSession.objects.filter(agent_id=agent_id, queue_id=queue_id, ended_at__isnull=True).exists():
            opened += agent_session_started(agent_id=agent_id, queue_id=queue_id,
                                            at=_from_epoch(member["login_at"], at)) is not None
    return closed, opened


def _pauses_reconciled(members: list[dict], at: dt.datetime) -> int:
    paused = {m["agent_id"]: m for m in members if m["paused"]}
    present = {m["agent_id"] for m in members}
    changed = 0
    for pause in AgentPause.objects.select_for_update().filter(ended_at__isnull=True).exclude(agent_id__in=paused):
        pause.ended_at, pause.ended_by_logout = max(at, pause.started_at), pause.agent_id not in present
        pause.save(update_fields=["ended_at", "ended_by_logout"])
        changed += 1
    for agent_id, member in paused.items():
        changed += agent_pause_started(agent_id=agent_id, reason=member["reason"],
                                       at=_from_epoch(member["paused_at"], at)) is not None
    return changed


@transaction.atomic
def agent_presence_reconciled(*, members: list[dict], at: dt.datetime) -> dict[str, int]:
    """After a resync: the agency's queue members as Asterisk has them now (``engine.presence``: agent, queue, login
    time, paused and since when, reason) against the sessions and pauses the history has open. A session Asterisk
    no longer has ends at ``at`` (when contact was lost, or the start); one logged in anew meanwhile ends at the new
    login, which opens the next; a member with no open session gets one from its login time. Pauses the same way.
    Idempotent: a second resync with the same members changes nothing."""
    now_in = {(m["agent_id"], m["queue_id"]): m for m in members}
    closed, opened = _sessions_reconciled(now_in, at)
    return {"sessions_closed": closed, "sessions_opened": opened, "pauses": _pauses_reconciled(members, at)}


def agent_pause_started(*, agent_id: int, reason: str, at: dt.datetime) -> AgentPause | None:
    """The agent paused. app_queue sends one event per queue the agent is in: while a pause is open with the same
    reason (or none) they change nothing. A new reason while paused (app_queue sends the pause again) ends the
    open pause there and starts the next with the new reason, so the report counts each reason's own time."""
    if not Agent.objects.filter(pk=agent_id).exists():
        return None
    reason = reason[:100]
    with transaction.atomic():
        going = AgentPause.objects.select_for_update().filter(agent_id=agent_id, ended_at__isnull=True).first()
        if going is not None and (not reason or going.reason == reason or going.started_at >= at):
            return None
        if going is not None:
            going.ended_at = at
            going.save(update_fields=["ended_at"])
        pause, _created = AgentPause.objects.get_or_create(agent_id=agent_id, started_at=at,
                                                           defaults={"reason": reason})
    return pause


def agent_pause_ended(*, agent_id: int, at: dt.datetime) -> int:
    """The agent is back from the pause (unpaused in a queue)."""
    return AgentPause.objects.filter(agent_id=agent_id, ended_at__isnull=True, started_at__lte=at).update(ended_at=at)
