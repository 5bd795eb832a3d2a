"""Writes of the SMS app: groups, opt-outs, sends (created atomically with one row per recipient and the job that
sends them), the sender run, delivery reports and inbound messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter.selectors import number_call_count, queue_categories
from contactcenter.services import message_inquiry_register
from outbound.gateway import SmsGateway, gateway_from_settings
from outbound.imports import rows_from_file
from outbound.models import (
    AttemptOutcome,
    AttemptState,
    CallAttempt,
    Campaign,
    CampaignContact,
    CampaignMode,
    CampaignStatus,
    ContactState,
    DoNotCall,
    MessageState,
    OptOut,
    SendStatus,
    SmsGroup,
    SmsGroupMember,
    SmsMessage,
    SmsSend,
)
from outbound.numbers import number_normalise, number_or_none
from outbound.selectors import (
    Audience,
    attempt_agent_last_connected,
    campaign_window_open,
    do_not_call_numbers,
    sms_settings,
)
from outbound.sender import run_rows
from outbound.text import sms_shape, template_fill

REPORT_SALT = "outbound.sms-report"
MAX_BODY = 1600


@transaction.atomic
def sms_group_create(*, name: str, numbers: list[tuple[str, str]]) -> SmsGroup:
    """A saved group from (number, name) pairs; a bad number is a ValidationError naming it, nothing is saved."""
    group = SmsGroup(name=name.strip())
    group.full_clean()
    group.save()
    members, seen = [], set()
    for raw, person in numbers:
        try:
            number = number_normalise(raw)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if number not in seen:
            seen.add(number)
            members.append(SmsGroupMember(group=group, number=number, name=person.strip()[:100]))
    SmsGroupMember.objects.bulk_create(members)
    return group


@transaction.atomic
def optout_add(*, number: str, source: str = "sms") -> OptOut:
    optout, _created = OptOut.objects.get_or_create(number=number_normalise(number), defaults={"source": source})
    return optout


def _messages(body: str, audience: Audience) -> list[tuple[str, str, str, int]]:
    if not body.strip():
        raise ValidationError(_("Skriv en melding."))
    out = []
    for row in audience.recipients:
        try:
            text = template_fill(body, row)
        except KeyError as exc:
            raise ValidationError(_("Variabelen {%(name)s} mangler for %(number)s.")
                                  % {"name": exc.args[0], "number": row["nummer"]}) from exc
        except ValueError as exc:
            raise ValidationError(_("Malen har en krøllparentes som ikke er lukket.")) from exc
        if len(text) > MAX_BODY:
            raise ValidationError(_("Meldingen er for lang (høyst %(n)s tegn).") % {"n": MAX_BODY})
        shape = sms_shape(text)
        out.append((row["nummer"], text, shape.encoding, shape.segments))
    return out


@transaction.atomic
def sms_send_create(*, user_id: int | None, audience: Audience, body: str,
                    scheduled_at: dt.datetime | None = None) -> SmsSend:
    """Create the send with one logged row per recipient and queue the job that sends it (at ``scheduled_at``)."""
    from outbound.tasks import sms_send_job

    if audience.count == 0:
        raise ValidationError(_("Ingen mottakere å sende til."))
    if scheduled_at is not None and scheduled_at < timezone.now() - dt.timedelta(minutes=1):
        raise ValidationError(_("Tidspunktet for sending har allerede vært."))
    rows = _messages(body, audience)
    send = SmsSend.objects.create(created_by_id=user_id, audience=audience.label[:300], body=body,
                                  scheduled_at=scheduled_at, total=len(rows))
    SmsMessage.objects.bulk_create(
        [SmsMessage(send=send, number=n, body=t, encoding=e, segments=s, sent_by_id=user_id) for n, t, e, s in rows],
        batch_size=2000)
    job = sms_send_job.configure(schedule_at=scheduled_at) if scheduled_at else sms_send_job
    job.defer(slug=connection.schema_name, send_id=send.pk)
    return send


def report_url(*, slug: str, message_id: int) -> str:
    token = signing.Signer(salt=REPORT_SALT).sign(f"{slug}.{message_id}")
    return f"{settings.SMS_CALLBACK_BASE.rstrip('/')}/sms/report/?r={quote(token, safe='')}"


def report_target(*, token: str) -> tuple[str, int] | None:
    """The (agency, message) a signed report token names, or None if it was not made by us."""
    try:
        slug, _sep, msg = signing.Signer(salt=REPORT_SALT).unsign(token).rpartition(".")
        return slug, int(msg)
    except (signing.BadSignature, ValueError):
        return None


def sms_send_run(*, send_id: int, gateway: SmsGateway | None = None, grace_seconds: float | None = None) -> int:
    """Send what is left of a send (the job's body; safe to run again after a kill)."""
    send = SmsSend.objects.get(pk=send_id)
    if send.status in (SendStatus.CANCELLED, SendStatus.DONE):
        return 0
    SmsSend.objects.filter(pk=send_id).update(status=SendStatus.RUNNING, heartbeat_at=timezone.now())
    config, slug, own = sms_settings(), connection.schema_name, gateway is None
    gateway = gateway or gateway_from_settings()
    try:
        handed = run_rows(
            send_id=send_id, gateway=gateway, sender=config.sender, rate=config.max_per_second,
            report_url=lambda mid: report_url(slug=slug, message_id=mid),
            heartbeat=lambda: SmsSend.objects.filter(pk=send_id).update(heartbeat_at=timezone.now()),
            grace_seconds=settings.SMS_RECONCILE_SECONDS if grace_seconds is None else grace_seconds)
    finally:
        if own:
            gateway.close()
    SmsSend.objects.filter(pk=send_id, status=SendStatus.RUNNING).update(status=SendStatus.DONE)
    return handed


@transaction.atomic
def sms_send_cancel(*, send_id: int) -> int:
    """Stop a send: rows not yet claimed are marked failed ('avbrutt'); returns how many."""
    SmsSend.objects.filter(pk=send_id).update(status=SendStatus.CANCELLED)
    return SmsMessage.objects.filter(send_id=send_id, state=MessageState.PENDING).update(
        state=MessageState.FAILED, error=_("avbrutt"))


# Kannel dlr types: 8 = accepted by the SMSC, 1 = delivered to the phone, 2 / 16 = not delivered / rejected.
_FINAL = {1: MessageState.DELIVERED, 2: MessageState.UNDELIVERED, 16: MessageState.UNDELIVERED}


def sms_report_record(*, message_id: int, kind: int, gateway_id: str = "") -> bool:
    """Apply a delivery report to the logged message (one UPDATE); False if the message or report type is unknown.
    An SMSC-accepted report (8) never overrides a final one (1, 2, 16), whichever arrives first."""
    if kind != 8 and kind not in _FINAL:
        return False
    now = timezone.now()
    fields: dict = {"sent_at": Coalesce("sent_at", Value(now))}
    if kind == 8:
        fields["smsc_accepted_at"] = Coalesce("smsc_accepted_at", Value(now))
        fields["state"] = Case(When(state__in=[MessageState.PENDING, MessageState.CLAIMED], then=Value(MessageState.SENT)),
                               default=F("state"))
    else:
        fields["state"] = Value(_FINAL[kind])
        if kind == 1:
            fields["delivered_at"] = Value(now)
    if gateway_id:
        fields["gateway_id"] = Case(When(gateway_id="", then=Value(gateway_id[:100])), default=F("gateway_id"))
    return SmsMessage.objects.filter(pk=message_id).update(**fields) == 1


def sms_inbound_receive(*, from_number: str, text: str, picture: bytes | None = None, picture_type: str = "") -> dict:
    """An SMS/MMS to the agency: an opt-out keyword adds the sender to the opt-out list; anything else becomes an
    inquiry (with the picture), matched against the directory and call history."""
    from switchboard.selectors import person_by_number

    number = number_or_none(from_number) or from_number.strip()[:20]
    keywords = {k.strip().upper() for k in sms_settings().optout_keywords.split(",") if k.strip()}
    if picture is None and text.strip().upper() in keywords:
        optout_add(number=number)
        return {"optout": True}
    inquiry = message_inquiry_register(channel="mms" if picture is not None else "sms", from_number=number,
                                       message=text, picture=picture, picture_type=picture_type)
    person = person_by_number(number=number)
    return {"optout": False, "inquiry_id": inquiry.pk, "person": str(person) if person else "",
            "earlier_calls": number_call_count(number=number)}


# --- Dialer campaigns ------------------------------------------------------------------------------------------

@dataclass
class ContactImport:
    """What an import of a contact list did (or, in a dry run, would do)."""

    added: int = 0
    duplicates: int = 0  # already on the list, or twice in the file
    do_not_call: int = 0  # on the agency's do-not-call list, not added
    errors: list[str] = field(default_factory=list)  # one Norwegian line per unreadable row


@transaction.atomic
def campaign_contacts_import(*, campaign_id: int, name: str, data: bytes, dry_run: bool) -> ContactImport:
    """Add the numbers of a CSV/Excel file to a campaign's list. A dry run writes nothing; a real import with any
    row error writes nothing either (ValidationError listing the rows), so a list is never half imported."""
    try:
        parsed = rows_from_file(name=name, data=data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    result = ContactImport(errors=list(parsed.errors))
    blocked = do_not_call_numbers()
    seen = set(CampaignContact.objects.filter(campaign_id=campaign_id).values_list("number", flat=True))
    new = []
    for row in parsed.rows:
        number = row.pop("nummer")
        if number in blocked:
            result.do_not_call += 1
        elif number in seen:
            result.duplicates += 1
        else:
            seen.add(number)
            new.append(CampaignContact(campaign_id=campaign_id, number=number, data=row))
    result.added = len(new)
    if dry_run:
        return result
    if result.errors:
        raise ValidationError(result.errors)
    CampaignContact.objects.bulk_create(new, batch_size=2000)
    return result


_TRANSITIONS = {"start": ([CampaignStatus.DRAFT], CampaignStatus.RUNNING),
                "pause": ([CampaignStatus.RUNNING], CampaignStatus.PAUSED),
                "resume": ([CampaignStatus.PAUSED], CampaignStatus.RUNNING),
                "finish": ([CampaignStatus.DRAFT, CampaignStatus.RUNNING, CampaignStatus.PAUSED], CampaignStatus.DONE)}


def campaign_status_change(*, campaign_id: int, action: str) -> None:
    """Start, pause, resume or finish a campaign (one conditional UPDATE); a paused campaign dials nothing new,
    calls already ringing finish normally."""
    if action not in _TRANSITIONS:
        raise ValidationError(_("Ukjent handling."))
    allowed, target = _TRANSITIONS[action]
    if Campaign.objects.filter(pk=campaign_id, status__in=allowed).update(status=target) != 1:
        raise ValidationError(_("Kampanjen kan ikke endres slik nå (status er en annen)."))


@transaction.atomic
def do_not_call_add(*, number: str, reason: str = "") -> DoNotCall:
    """Put a number on the agency's do-not-call list; it leaves every campaign list that has not called it yet."""
    try:
        normalised = number_normalise(number)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc
    entry, _created = DoNotCall.objects.get_or_create(number=normalised, defaults={"reason": reason.strip()[:200]})
    CampaignContact.objects.filter(number=normalised, state=ContactState.PENDING).update(state=ContactState.BLOCKED)
    return entry


@transaction.atomic
def attempt_claim(*, campaign_id: int, at: dt.datetime | None = None) -> CallAttempt | None:
    """Claim the next due contact of a running campaign inside its window: the contact moves pending -> dialling
    and an attempt row is created in the same transaction, before anything is dialled. Concurrent claimers skip
    locked rows; the partial unique index allows one open attempt per contact."""
    at = at or timezone.now()
    campaign = Campaign.objects.filter(pk=campaign_id, status=CampaignStatus.RUNNING).first()
    if campaign is None or not campaign_window_open(campaign=campaign, at=at):
        return None
    contact = (CampaignContact.objects.select_for_update(skip_locked=True)
               .filter(campaign_id=campaign_id, state=ContactState.PENDING)
               .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at))
               .exclude(number__in=DoNotCall.objects.values("number"))
               .order_by(F("next_attempt_at").asc(nulls_first=True), "id").first())
    if contact is None:
        return None
    CampaignContact.objects.filter(pk=contact.pk, state=ContactState.PENDING).update(
        state=ContactState.DIALLING, attempts=F("attempts") + 1)
    return CallAttempt.objects.create(campaign_id=campaign_id, contact=contact)


def attempt_dialling(*, attempt_id: int, channel_id: str = "") -> bool:
    """claimed -> dialling, just before the engine originates; False if someone else moved it (never dial then).
    ``channel_id`` is the uniqueid the engine gives the call (AMI Originate ChannelId), stored in the same UPDATE."""
    fields: dict = {"state": AttemptState.DIALLING, "dialled_at": timezone.now()}
    if channel_id:
        fields["channel_id"] = channel_id[:64]
    return CallAttempt.objects.filter(pk=attempt_id, state=AttemptState.CLAIMED).update(**fields) == 1


def attempt_answered(*, attempt_id: int) -> bool:
    return CallAttempt.objects.filter(pk=attempt_id, state=AttemptState.DIALLING).update(
        state=AttemptState.ANSWERED, answered_at=timezone.now()) == 1


def _retry_minutes(campaign: Campaign, outcome: str) -> int:
    return {AttemptOutcome.BUSY: campaign.retry_busy_minutes, AttemptOutcome.MACHINE: campaign.retry_machine_minutes,
            AttemptOutcome.ABANDONED: campaign.retry_abandoned_minutes}.get(outcome, campaign.retry_noanswer_minutes)


@transaction.atomic
def attempt_end(*, attempt_id: int, outcome: str, agent: str = "", at: dt.datetime | None = None) -> bool:
    """Record how an attempt ended (once: a second report is ignored) and schedule the contact's retry by outcome,
    or close it (connected, or out of attempts)."""
    if outcome not in AttemptOutcome.values:
        raise ValidationError(_("Ukjent utfall."))
    now = at or timezone.now()
    if CallAttempt.objects.filter(pk=attempt_id).exclude(state=AttemptState.ENDED).update(
            state=AttemptState.ENDED, outcome=outcome, ended_at=now, agent=agent[:100]) != 1:
        return False
    attempt = CallAttempt.objects.select_related("campaign", "contact").get(pk=attempt_id)
    contact, campaign = attempt.contact, attempt.campaign
    if outcome == AttemptOutcome.CONNECTED:
        state, next_at = ContactState.DONE, None
    elif contact.attempts >= campaign.max_attempts:
        state, next_at = ContactState.FAILED, None
    else:
        state, next_at = ContactState.PENDING, now + dt.timedelta(minutes=_retry_minutes(campaign, outcome))
    CampaignContact.objects.filter(pk=contact.pk, state=ContactState.DIALLING).update(
        state=state, next_attempt_at=next_at, last_outcome=outcome)
    return True


def attempt_dispose(*, attempt_id: int, category_id: int) -> None:
    """The agent's disposition after the call: one of the campaign queue's inquiry categories."""
    attempt = CallAttempt.objects.select_related("campaign").filter(pk=attempt_id).first()
    if attempt is None:
        raise ValidationError(_("Fant ikke samtalen."))
    allowed = {c["id"] for c in queue_categories(queue_ids=[attempt.campaign.queue_id])[attempt.campaign.queue_id]}
    if category_id not in allowed:
        raise ValidationError(_("Velg en kategori fra kampanjens kø."))
    CallAttempt.objects.filter(pk=attempt_id).update(disposition_id=category_id)


# --- Preview mode: the agent's side (the console's campaign panel) ---------------------------------------------

_PREVIEW_LOCK = 7411  # pg_advisory_xact_lock namespace: one preview claim at a time per agent


def _preview_campaigns(*, agent_id: int) -> list[Campaign]:
    from contactcenter.selectors import agent_queue_ids

    return list(Campaign.objects.filter(mode=CampaignMode.PREVIEW, status=CampaignStatus.RUNNING,
                                        queue_id__in=agent_queue_ids(agent_id=agent_id)).order_by("name", "id"))


@transaction.atomic
def attempt_preview_claim(*, agent_id: int, campaign_id: int | None = None,
                          at: dt.datetime | None = None) -> CallAttempt | None:
    """The agent's open preview attempt, or the next due contact of a running preview campaign of the agent's queues
    claimed for this agent only (``preview_agent``). At most one open preview attempt per agent: claims of one agent
    are serialised by a transaction-scoped advisory lock, and concurrent agents skip each other's locked contacts."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_PREVIEW_LOCK, agent_id])
    open_attempt = (CallAttempt.objects.select_related("campaign", "contact")
                    .filter(preview_agent_id=agent_id).exclude(state=AttemptState.ENDED).first())
    if open_attempt is not None:
        return open_attempt
    for campaign in _preview_campaigns(agent_id=agent_id):
        if campaign_id is not None and campaign.pk != campaign_id:
            continue
        attempt = attempt_claim(campaign_id=campaign.pk, at=at)
        if attempt is not None:
            CallAttempt.objects.filter(pk=attempt.pk).update(preview_agent_id=agent_id)
            return CallAttempt.objects.select_related("campaign", "contact").get(pk=attempt.pk)
    return None


def _own_preview(*, attempt_id: int, agent_id: int) -> CallAttempt:
    attempt = CallAttempt.objects.select_related("campaign", "contact").filter(pk=attempt_id).first()
    if attempt is None or attempt.preview_agent_id != agent_id:
        raise PermissionError(_("Dette kampanjenummeret er ikke vist til deg."))
    return attempt


@transaction.atomic
def attempt_preview_skip(*, attempt_id: int, agent_id: int, at: dt.datetime | None = None,
                         keep_place: bool = False) -> None:
    """«Hopp over»: the agent does not call this contact now. Only a claimed attempt (nothing dialled) of this agent;
    the attempt row is removed (no call was made, so there is nothing to report) and the contact goes back to the
    list with its attempt count as before, behind the contacts not yet tried (next attempt = now). With
    ``keep_place`` (a console closed, nobody chose to skip) the contact keeps its place in the list."""
    attempt = _own_preview(attempt_id=attempt_id, agent_id=agent_id)
    if CallAttempt.objects.filter(pk=attempt.pk, state=AttemptState.CLAIMED).delete()[0] != 1:
        raise ValidationError(_("Nummeret er alt ringt og kan ikke hoppes over."))
    place = {} if keep_place else {"next_attempt_at": at or timezone.now()}
    CampaignContact.objects.filter(pk=attempt.contact_id, state=ContactState.DIALLING).update(
        state=ContactState.PENDING, attempts=Greatest(F("attempts") - 1, 0), **place)


def attempt_preview_release(*, agent_id: int, attempt_ids: list[int]) -> int:
    """The agent's console closed: the contacts it showed (``attempt_ids``) that are still claimed for the agent and
    not dialled go back to their place in the list. Only those: a console opened meanwhile keeps the contact it
    shows."""
    released = 0
    mine = CallAttempt.objects.filter(pk__in=attempt_ids, preview_agent_id=agent_id, state=AttemptState.CLAIMED)
    for pk in mine.values_list("pk", flat=True):
        try:
            attempt_preview_skip(attempt_id=pk, agent_id=agent_id, keep_place=True)
            released += 1
        except ValidationError:
            pass  # dialled meanwhile
    return released


def attempt_agent_dispose(*, agent_id: int, attempt_id: int, category_id: int) -> None:
    """The agent sets or changes the disposition of their last connected attempt (and only that one)."""
    from contactcenter.selectors import agent_name

    last = attempt_agent_last_connected(agent_id=agent_id, agent_name=agent_name(agent_id=agent_id))
    if last is None or last.pk != attempt_id:
        raise PermissionError(_("Du kan bare sette kategori på din siste kampanjesamtale."))
    attempt_dispose(attempt_id=attempt_id, category_id=category_id)


def attempt_dispose_from_inquiry(inquiry) -> bool:  # type: ignore[no-untyped-def]
    """Hook for ``contactcenter.history.register_inquiry_hook``: the inquiry's category becomes the disposition of the
    campaign attempt of its call (the attempt's ``channel_id`` is the call's id in the history). An inquiry without a
    call (a preview call does not pass a queue) goes to the agent's last connected attempt of the inquiry's queue
    that has no disposition yet. A category from another queue than the campaign's is left out; never raises."""
    if inquiry.category_id is None:
        return False
    ids = {i for i in (getattr(inquiry.call, "linkedid", ""), getattr(inquiry.visit, "uniqueid", "")) if i}
    attempts = CallAttempt.objects.filter(channel_id__in=ids) if ids else CallAttempt.objects.none()
    if not attempts.exists() and inquiry.agent_id is not None:
        attempts = _last_campaign_call_of(inquiry)
    return attempts.filter(campaign__queue_id=inquiry.category.queue_id).update(
        disposition_id=inquiry.category_id) > 0


def _last_campaign_call_of(inquiry):  # type: ignore[no-untyped-def]
    """The agent's last connected campaign call, when the inquiry is about it: it ended within the hour, has no
    category yet, and came after the queue call the console linked the inquiry to (if any)."""
    last = attempt_agent_last_connected(agent_id=inquiry.agent_id, agent_name=str(inquiry.agent.person))
    if last is None or last.disposition_id is not None:
        return CallAttempt.objects.none()
    recent = last.ended_at is None or last.ended_at > timezone.now() - dt.timedelta(hours=1)
    visit_at = getattr(inquiry.visit, "answered_at", None)
    later = visit_at is None or (last.answered_at is not None and last.answered_at > visit_at)
    return CallAttempt.objects.filter(pk=last.pk) if recent and later else CallAttempt.objects.none()


def preview_panel_next(*, agent_id: int) -> dict | None:
    """The agent's campaign panel with a contact claimed for them if they have none (the console's initial state and
    its refresh after each action)."""
    from outbound.selectors import preview_panel

    return preview_panel(agent_id=agent_id, attempt=attempt_preview_claim(agent_id=agent_id))


def attempt_preview_dialable(*, attempt_id: int, agent_id: int) -> None:
    """Before the console asks the engine to dial: the attempt is this agent's and nothing is dialled yet."""
    attempt = _own_preview(attempt_id=attempt_id, agent_id=agent_id)
    if attempt.state != AttemptState.CLAIMED:
        raise ValidationError(_("Nummeret er alt ringt."))
