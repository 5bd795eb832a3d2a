"""Callback that keeps the caller's place: the request's state machine (see docs/tilbakeringing.md).

A request keeps the time its caller joined the queue (``joined_at``): the engine puts a placeholder into app_queue at
that place (``callback_queue_position``), so it is served after those who came first and before those who came
later; the attempt is claimed when an agent takes the placeholder. States::

    waiting --claim--> dialling --answered--> done
       ^                  |  no answer / busy / interrupted
       |                  v
       +--- job ------ retry  (next attempt in the calling window; failed after the last attempt, expired after
                               the expiry or when no window is left)

A claim is one conditional UPDATE (``waiting`` and due -> ``dialling``, attempts + 1, with a claim token): two
engines, a restarted engine or a repeated command can never start the same attempt twice. A request found in
``dialling`` whose call is gone (the engine or Asterisk restarted mid-call) is settled as ``interrupted`` and waits
for its next attempt; it is never re-dialled as the same attempt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.callback_live import callbacks_changed
from contactcenter.models import CallbackPolicy, CallbackRequest, CallbackState, Queue
from switchboard.holidays import norwegian_public_holidays

OSLO = ZoneInfo("Europe/Oslo")
RESULTS = ("answered", "no_answer", "busy", "interrupted")


def norwegian_number(raw: str) -> str:
    """A Norwegian phone number in E.164 (+47xxxxxxxx), from what a caller typed or their caller ID."""
    digits = (raw or "").strip()
    try:
        parsed = phonenumbers.parse(digits, "NO")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed) or phonenumbers.region_code_for_number(parsed) != "NO":
        raise ValidationError(_("«%(n)s» er ikke et gyldig norsk telefonnummer.") % {"n": digits[:30]})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _open_day(day: dt.date, policy: CallbackPolicy) -> bool:
    if not policy.weekdays_only:
        return True
    return day.weekday() < 5 and day not in norwegian_public_holidays(day.year)


def next_window_start(at: dt.datetime, policy: CallbackPolicy) -> dt.datetime:
    """The first moment at or after ``at`` inside the queue's calling window, on a weekday that is not a Norwegian
    public holiday unless the queue calls every day (Oslo time)."""
    local = at.astimezone(OSLO)
    opens, closes = policy.window_opens, policy.window_closes
    for offset in range(15):
        day = local.date() + dt.timedelta(days=offset)
        if not _open_day(day, policy):
            continue
        start = dt.datetime.combine(day, opens, tzinfo=OSLO)
        end = dt.datetime.combine(day, closes, tzinfo=OSLO)
        if local < start:
            return start
        if local < end:
            return local
    raise ValidationError(_("Ingen åpen ringetid de neste to ukene."))


def policy_for(queue: Queue) -> CallbackPolicy:
    policy = CallbackPolicy.objects.filter(queue=queue).first()
    if policy is None or not policy.enabled:
        raise ValidationError(_("Køen %(q)s tilbyr ikke tilbakeringing.") % {"q": queue.name})
    return policy


@transaction.atomic
def callback_request_create(*, queue_id: int, number: str, joined_at: dt.datetime, caller_number: str = "",
                            uniqueid: str = "", now: dt.datetime | None = None) -> CallbackRequest:
    """The caller at ``uniqueid`` (joined at ``joined_at``) asks to be called back at ``number``. Asking twice from
    the same queue visit gives the same request."""
    now = now or timezone.now()
    queue = Queue.objects.filter(pk=queue_id).first()
    if queue is None:
        raise ValidationError(_("Ukjent kø."))
    policy = policy_for(queue)
    e164 = norwegian_number(number)
    if uniqueid:
        existing = CallbackRequest.objects.filter(uniqueid=uniqueid).first()
        if existing is not None:
            return existing
    request = CallbackRequest(queue=queue, number=e164, caller_number=caller_number[:64], uniqueid=uniqueid,
                              joined_at=joined_at, expires_at=now + dt.timedelta(hours=policy.expire_hours))
    request.full_clean()
    request.save()
    callbacks_changed()
    return request


def callback_queue_position(*, joined_at: float, waiting_joined: Iterable[float]) -> int:
    """Where a callback's placeholder enters app_queue (``Queue(..., position)``, 1 = head): behind every entry still
    waiting that joined before the caller did, ahead of every later one. A placeholder's own entry counts with its
    request's ``joined_at``, not the time the placeholder entered."""
    return 1 + sum(1 for joined in waiting_joined if joined < joined_at)


def callback_claim(*, request_id: int, claimed_by: str, now: dt.datetime | None = None) -> CallbackRequest | None:
    """Claim the request's next attempt for dialling. Returns it, or None when it is not due, not in the calling
    window, already claimed or finished. One UPDATE: only one claimant can ever win an attempt."""
    now = now or timezone.now()
    request = CallbackRequest.objects.select_related("queue").filter(pk=request_id).first()
    if request is None or not claimed_by:
        return None
    policy = CallbackPolicy.objects.filter(queue_id=request.queue_id).first()
    if policy is None or next_window_start(now, policy) > now:
        return None
    won = (CallbackRequest.objects
           .filter(pk=request_id, state=CallbackState.WAITING, expires_at__gt=now)
           .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
           .update(state=CallbackState.DIALLING, attempts=F("attempts") + 1, claimed_by=claimed_by[:64],
                   updated_at=now))
    if not won:
        return None
    callbacks_changed()
    return CallbackRequest.objects.get(pk=request_id)


def _after_failed_attempt(request: CallbackRequest, policy: CallbackPolicy, result: str, now: dt.datetime) -> None:
    if request.attempts >= policy.max_attempts:
        request.state = CallbackState.FAILED
        return
    try:
        nxt = next_window_start(now + dt.timedelta(minutes=policy.retry_minutes), policy)
    except ValidationError:
        nxt = request.expires_at
    if nxt >= request.expires_at:
        request.state = CallbackState.EXPIRED
        return
    request.state = CallbackState.RETRY
    request.next_attempt_at = nxt


@transaction.atomic
def callback_attempt_result(*, request_id: int, claimed_by: str, result: str, agent_id: int | None = None,
                            now: dt.datetime | None = None) -> CallbackRequest | None:
    """Record how the claimed attempt went. Only the claimant of an attempt in ``dialling`` can settle it; a second
    report of the same attempt changes nothing."""
    if result not in RESULTS:
        raise ValidationError(_("Ukjent utfall: %(r)s") % {"r": result})
    now = now or timezone.now()
    request = (CallbackRequest.objects.select_for_update().select_related("queue")
               .filter(pk=request_id, state=CallbackState.DIALLING, claimed_by=claimed_by).first())
    if request is None:
        return None
    policy = CallbackPolicy.objects.get(queue_id=request.queue_id)
    request.outcome = f"{now:%Y-%m-%d %H:%M} forsøk {request.attempts}: {result}"[:200]
    if agent_id is not None:
        request.agent_id = agent_id
    if result == "answered":
        request.state, request.answered_at = CallbackState.DONE, now
    else:
        _after_failed_attempt(request, policy, result, now)
    request.claimed_by = ""
    request.save()
    callbacks_changed()
    return request


def callback_settle_interrupted(*, live_claims: Iterable[str], now: dt.datetime | None = None) -> list[int]:
    """After a restart: every attempt in ``dialling`` whose call is not among ``live_claims`` (the claim tokens on
    live channels) is settled as interrupted. It is not dialled again as the same attempt."""
    live = set(live_claims)
    settled = []
    for rid, token in CallbackRequest.objects.filter(state=CallbackState.DIALLING).values_list("pk", "claimed_by"):
        if token not in live and callback_attempt_result(request_id=rid, claimed_by=token, result="interrupted",
                                                         now=now):
            settled.append(rid)
    return settled


@transaction.atomic
def callback_retries_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The scheduled step (controlplane job): retries whose time has come wait for their place again; requests past
    their expiry expire."""
    now = now or timezone.now()
    expired = (CallbackRequest.objects.filter(state__in=[CallbackState.WAITING, CallbackState.RETRY],
                                              expires_at__lte=now)
               .update(state=CallbackState.EXPIRED, outcome="utløpt", updated_at=now))
    due = (CallbackRequest.objects.filter(state=CallbackState.RETRY, next_attempt_at__lte=now)
           .update(state=CallbackState.WAITING, updated_at=now))
    if expired or due:
        callbacks_changed()
    return {"expired": expired, "due": due}


def callback_pending_list(*, queue_ids: Iterable[int] | None = None) -> list[dict]:
    """Callbacks not finished, oldest place first, with their place among the queue's callbacks."""
    qs = CallbackRequest.objects.filter(state__in=[CallbackState.WAITING, CallbackState.RETRY,
                                                   CallbackState.DIALLING]).select_related("queue", "agent__person")
    if queue_ids is not None:
        qs = qs.filter(queue_id__in=list(queue_ids))
    rows, places = [], {}
    for r in qs.order_by("joined_at", "id"):
        places[r.queue_id] = places.get(r.queue_id, 0) + 1
        rows.append({"id": r.pk, "queue_id": r.queue_id, "queue": r.queue.name, "number": r.number,
                     "joined_at": r.joined_at, "state": r.state, "state_display": r.get_state_display(),
                     "attempts": r.attempts, "next_attempt_at": r.next_attempt_at, "place": places[r.queue_id],
                     "agent": str(r.agent.person) if r.agent else ""})
    return rows


def callback_figures(*, queue_ids: Iterable[int], now: dt.datetime | None = None) -> dict:
    """For the wallboard: callbacks not yet made (waiting, retry or dialling), and how long the oldest has had its
    place (seconds since its caller joined the queue)."""
    now = now or timezone.now()
    open_states = [CallbackState.WAITING, CallbackState.RETRY, CallbackState.DIALLING]
    qs = CallbackRequest.objects.filter(queue_id__in=list(queue_ids), state__in=open_states)
    oldest = qs.order_by("joined_at").values_list("joined_at", flat=True).first()
    return {"pending": qs.count(), "oldest_waited_s": int((now - oldest).total_seconds()) if oldest else None}
