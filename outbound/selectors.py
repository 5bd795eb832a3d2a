"""Reads of the SMS app: audiences (who a send would reach, before anything is written), the log and progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from contactcenter.selectors import caller_numbers, inquiry_numbers, queue_categories
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
    SmsGroup,
    SmsMessage,
    SmsSend,
    SmsSettings,
    SmsTemplate,
)
from outbound.numbers import number_normalise, number_or_none
from outbound.text import SmsShape, sms_shape, template_fields, template_fill
from switchboard.holidays import norwegian_public_holidays

MAX_SERIES = 100_000


@dataclass
class Audience:
    """Recipients after deduplication and opt-outs; each recipient has its template values (``nummer`` always)."""

    label: str
    recipients: list[dict[str, str]] = field(default_factory=list)
    duplicates: int = 0
    opted_out: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.recipients)


def sms_settings() -> SmsSettings:
    return SmsSettings.objects.order_by("pk").first() or SmsSettings()


def opted_out_numbers() -> set[str]:
    return set(OptOut.objects.values_list("number", flat=True))


def audience_from_rows(*, label: str, rows: list[dict[str, str]], errors: list[str] | None = None) -> Audience:
    """Deduplicate by number (first row wins) and drop opted-out numbers."""
    out = Audience(label=label, errors=list(errors or []))
    blocked, seen = opted_out_numbers(), set()
    for row in rows:
        number = row["nummer"]
        if number in seen:
            out.duplicates += 1
        elif number in blocked:
            out.opted_out += 1
            seen.add(number)
        else:
            seen.add(number)
            out.recipients.append(row)
    return out


def audience_typed(*, text: str) -> Audience:
    rows, errors = [], []
    for part in [p for p in text.replace(";", ",").replace("\n", ",").split(",") if p.strip()]:
        try:
            rows.append({"nummer": number_normalise(part)})
        except ValueError as exc:
            errors.append(f"{exc}.")
    return audience_from_rows(label=", ".join(r["nummer"] for r in rows[:3]) + (" …" if len(rows) > 3 else ""),
                              rows=rows, errors=errors)


def audience_group(*, group_id: int) -> Audience:
    group = SmsGroup.objects.get(pk=group_id)
    rows = [{"nummer": n, "navn": name} for n, name in group.members.order_by("pk").values_list("number", "name")]
    return audience_from_rows(label=f"gruppe {group.name}", rows=rows)


def audience_series(*, first: str, last: str) -> Audience:
    """Every number from ``first`` to ``last`` (a customer-number series)."""
    a, b = number_normalise(first), number_normalise(last)
    start, end = int(a.lstrip("+")), int(b.lstrip("+"))
    if end < start or end - start >= MAX_SERIES or len(a) != len(b):
        raise ValueError(f"Serien må gå oppover, ha like lange numre og høyst {MAX_SERIES} numre.")
    return audience_from_rows(label=f"serie {a}–{b}", rows=[{"nummer": f"+{n}"} for n in range(start, end + 1)])


def audience_callers(*, since: dt.datetime, until: dt.datetime, queue_id: int | None = None,
                     dialed: str = "") -> Audience:
    """Everyone who called a queue (or a dialled number, or the agency) in the period."""
    raw = caller_numbers(since=since, until=until, queue_id=queue_id, dialed=dialed)
    rows = [{"nummer": n} for n in (number_or_none(r) for r in raw) if n]
    what = f"kø {queue_id}" if queue_id else (f"nummer {dialed}" if dialed else "etaten")
    return audience_from_rows(label=f"innringere til {what} {since:%d.%m.%Y}–{until:%d.%m.%Y}", rows=rows)


def audience_inquiry_category(*, category_id: int) -> Audience:
    rows = [{"nummer": n} for n in (number_or_none(r) for r in inquiry_numbers(category_id=category_id)) if n]
    return audience_from_rows(label=f"henvendelser i kategori {category_id}", rows=rows)


def message_preview(*, body: str, audience: Audience) -> dict:
    """What the user sees before sending: count, segments per message (worst case) and template problems."""
    shapes: list[SmsShape] = []
    missing: set[str] = set()
    for row in audience.recipients:
        try:
            shapes.append(sms_shape(template_fill(body, row)))
        except KeyError as exc:
            missing.add(str(exc.args[0]))
        except ValueError:
            return {"count": audience.count, "error": "Malen har en krøllparentes som ikke er lukket."}
    worst = max(shapes, key=lambda s: s.segments, default=sms_shape(body))
    return {"count": audience.count, "duplicates": audience.duplicates, "opted_out": audience.opted_out,
            "errors": audience.errors, "encoding": worst.encoding, "segments": worst.segments,
            "total_segments": sum(s.segments for s in shapes), "fields": template_fields(body),
            "missing": sorted(missing), "label": audience.label}


def send_progress(*, send_id: int) -> dict:
    send = SmsSend.objects.get(pk=send_id)
    counts = dict(send.messages.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    done = sum(counts.get(s, 0) for s in (MessageState.SENT, MessageState.DELIVERED, MessageState.UNDELIVERED,
                                          MessageState.FAILED))
    return {"id": send.pk, "status": send.status, "total": send.total, "done": done,
            "delivered": counts.get(MessageState.DELIVERED, 0), "failed": counts.get(MessageState.FAILED, 0),
            "undelivered": counts.get(MessageState.UNDELIVERED, 0),
            "created": date_format(timezone.localtime(send.created_at), "d.m.Y H:i"), "audience": send.audience,
            "status_label": str(send.get_status_display())}


def message_log(*, query: str = "", limit: int = 200) -> list[SmsMessage]:
    rows = SmsMessage.objects.select_related("sent_by").order_by("-id")
    if query:
        rows = rows.filter(Q(number__contains=query) | Q(body__icontains=query))
    return list(rows[:limit])


def group_list() -> list[SmsGroup]:
    return list(SmsGroup.objects.annotate(n=Count("members")).order_by("name"))


def group_exists(*, group_id: int) -> bool:
    return SmsGroup.objects.filter(pk=group_id).exists()


def send_page() -> dict:
    from contactcenter.selectors import inquiry_category_list, queue_list

    return {"groups": group_list(), "queues": list(queue_list().values("id", "name")),
            "templates": list(SmsTemplate.objects.order_by("name").values("id", "name", "body")),
            "categories": inquiry_category_list(), "sends": list(SmsSend.objects.order_by("-created_at")[:10])}


def send_exists(*, send_id: int) -> bool:
    return SmsSend.objects.filter(pk=send_id).exists()


# --- Dialer campaigns ------------------------------------------------------------------------------------------

OSLO = ZoneInfo("Europe/Oslo")


def campaign_window_open(*, campaign: Campaign, at: dt.datetime) -> bool:
    """Is ``at`` inside the campaign's calling window, in Norwegian time, on an allowed weekday that is not a
    public holiday (when the campaign skips them)?"""
    local = at.astimezone(OSLO)
    if str(local.isoweekday()) not in campaign.weekdays:
        return False
    if campaign.skip_holidays and local.date() in norwegian_public_holidays(local.year):
        return False
    return campaign.window_start <= local.time().replace(tzinfo=None) < campaign.window_end


def do_not_call_numbers() -> set[str]:
    return set(DoNotCall.objects.values_list("number", flat=True))


def campaign_running_ids() -> list[int]:
    return list(Campaign.objects.filter(status=CampaignStatus.RUNNING).values_list("pk", flat=True))


def campaign_get(*, campaign_id: int) -> Campaign:
    return Campaign.objects.select_related("queue").get(pk=campaign_id)


def campaign_stats(*, campaign_id: int) -> dict:
    """Progress and rates of a campaign for the supervisors' live view."""
    contacts = dict(CampaignContact.objects.filter(campaign_id=campaign_id).values_list("state")
                    .annotate(n=Count("id")).values_list("state", "n"))
    ended = CallAttempt.objects.filter(campaign_id=campaign_id, state=AttemptState.ENDED)
    outcomes = dict(ended.values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n"))
    attempts = sum(outcomes.values())
    answered = sum(outcomes.get(o, 0) for o in (AttemptOutcome.CONNECTED, AttemptOutcome.ABANDONED, AttemptOutcome.MACHINE))
    total = sum(contacts.values())
    return {
        "total": total, "pending": contacts.get(ContactState.PENDING, 0), "done": contacts.get(ContactState.DONE, 0),
        "failed": contacts.get(ContactState.FAILED, 0), "blocked": contacts.get(ContactState.BLOCKED, 0),
        "progress": (total - contacts.get(ContactState.PENDING, 0) - contacts.get(ContactState.DIALLING, 0)) / total
        if total else 0.0,
        "attempts": attempts, "outcomes": outcomes,
        "live": CallAttempt.objects.filter(campaign_id=campaign_id).exclude(state=AttemptState.ENDED).count(),
        "answer_rate": answered / attempts if attempts else 0.0,
        "abandon_rate": outcomes.get(AttemptOutcome.ABANDONED, 0) / answered if answered else 0.0,
    }


def campaign_list() -> list[Campaign]:
    return list(Campaign.objects.select_related("queue").order_by("name"))


def campaign_exists(*, campaign_id: int) -> bool:
    return Campaign.objects.filter(pk=campaign_id).exists()


_AGENT_STATES = {"idle": _("ledig"), "ringing": _("i samtale"), "in_call": _("i samtale"), "wrapup": _("etterarbeid"),
                 "paused": _("pause"), "logged_out": _("logget ut"), "unavailable": _("utilgjengelig")}


def campaign_agents(*, campaign: Campaign, live: dict | None, now: dt.datetime | None = None) -> list[dict]:
    """The agents of the campaign's queue: their state from the engine's live snapshot (``live``; None when the engine
    cannot be reached: state «ukjent») and their connected calls in this campaign today (Norwegian day)."""
    from contactcenter.selectors import queue_agent_rows

    day = (now or timezone.now()).astimezone(OSLO).replace(hour=0, minute=0, second=0, microsecond=0)
    connected = CallAttempt.objects.filter(campaign=campaign, outcome=AttemptOutcome.CONNECTED, ended_at__gte=day)
    by_id = dict(connected.filter(preview_agent__isnull=False).values_list("preview_agent_id")
                 .annotate(n=Count("id")).values_list("preview_agent_id", "n"))
    by_name = dict(connected.filter(preview_agent__isnull=True).values_list("agent")
                   .annotate(n=Count("id")).values_list("agent", "n"))
    rows = []
    for agent in queue_agent_rows(queue_id=campaign.queue_id):
        state = ((live or {}).get("agents", {}).get(str(agent["id"])) or {}).get("state", "logged_out")
        rows.append({"id": agent["id"], "name": agent["name"], "state": state if live is not None else "unknown",
                     "state_label": str(_AGENT_STATES.get(state, state)) if live is not None else str(_("ukjent")),
                     "connected_today": by_id.get(agent["id"], 0) + by_name.get(agent["name"], 0)})
    return rows


# The engine's states of a call in flight (engine/features/dialer/outcomes.Flight.state), as supervisors read them.
_FLIGHT_STATES = {"dialling": _("ringer"), "failing": _("feiler"), "agent": _("agenten svarte, ringer kontakten"),
                  "answered": _("besvart, venter på agent"), "connected": _("koblet til agent")}


def _dialer_calls(part: object, campaign_id: int) -> list[dict] | None:
    """The campaign's calls in the engine's ``dialer`` snapshot part ({"campaigns": {"<id>": [call, ...]}}), or
    None when the engine gave no such part."""
    if not isinstance(part, dict) or not isinstance(part.get("campaigns"), dict):
        return None
    calls = part["campaigns"].get(str(campaign_id), [])
    return [c for c in calls if isinstance(c, dict)] if isinstance(calls, list) else []


def campaign_calls_now(*, campaign: Campaign, live: dict | None) -> list[dict]:
    """The campaign's calls now: those the engine has in flight (its ``dialer`` snapshot part: state as the engine
    sees it, number masked), then the open attempts the engine does not have (contacts reserved for an agent in
    preview, or every open attempt when the engine cannot be reached)."""
    calls = _dialer_calls((live or {}).get("dialer"), campaign.pk) or []
    flying = {c.get("id") for c in calls}
    rows = (CallAttempt.objects.filter(campaign=campaign).exclude(state=AttemptState.ENDED).exclude(pk__in=flying)
            .select_related("contact", "preview_agent__person").order_by("id"))
    return [{"number": str(c.get("number", "")), "state": str(_FLIGHT_STATES.get(c.get("state"), c.get("state", ""))),
             "agent": str(c.get("agent", "")), "since": c.get("since")} for c in calls] + [
        {"number": a.contact.number, "state": str(a.get_state_display()),
         "agent": a.agent or (str(a.preview_agent.person) if a.preview_agent else ""),
         "since": (a.answered_at or a.dialled_at or a.claimed_at).timestamp()} for a in rows]


def campaign_live(*, campaign_id: int, live: dict | None = None, with_live: bool = False) -> dict:
    """The supervisors' live view: status, progress and rates, the last attempts and (``with_live``) the queue's
    agents and the calls now, from the engine's live snapshot ``live`` (None when the engine cannot be reached)."""
    campaign = campaign_get(campaign_id=campaign_id)
    extra = {"agents": campaign_agents(campaign=campaign, live=live), "calls_now": campaign_calls_now(
        campaign=campaign, live=live), "engine": live is not None} if with_live else {}
    recent = CallAttempt.objects.filter(campaign_id=campaign_id).select_related(
        "contact", "disposition", "preview_agent__person")[:15]
    return {"id": campaign.pk, "name": campaign.name, "status": campaign.status,
            "status_label": campaign.get_status_display(), "mode_label": campaign.get_mode_display(),
            "abandon_cap": float(campaign.abandon_cap), "queue": campaign.queue.name,
            **campaign_stats(campaign_id=campaign_id),
            "recent": [{"number": a.contact.number, "state": a.get_state_display(),
                        "outcome": a.get_outcome_display() if a.outcome else "",
                        "agent": a.agent or (str(a.preview_agent.person) if a.preview_agent else ""),
                        "disposition": a.disposition.name if a.disposition else ""} for a in recent], **extra}


def campaign_config_rows() -> list[dict]:
    """What the dialplan needs of each campaign that is not finished (asterisk_conf renders the dialer context)."""
    return list(Campaign.objects.exclude(status=CampaignStatus.DONE).order_by("id").values("id", "name", "queue_id", "amd"))
def sms_message_list():  # type: ignore[no-untyped-def]
    """The SMS log (the API's read list), newest first."""
    return SmsMessage.objects.select_related("send").order_by("-send__created_at", "-id")


# --- Preview mode: the agent's campaign panel in the console ---------------------------------------------------

def attempt_agent_last_connected(*, agent_id: int, agent_name: str) -> CallAttempt | None:
    """The agent's last attempt that reached the contact (shown to them in preview, or connected to them by name)."""
    mine = Q(preview_agent_id=agent_id) | (Q(preview_agent__isnull=True) & Q(agent=agent_name) & ~Q(agent=""))
    return (CallAttempt.objects.select_related("campaign", "contact", "disposition")
            .filter(mine).filter(Q(state=AttemptState.ANSWERED) | Q(outcome=AttemptOutcome.CONNECTED))
            .order_by(F("answered_at").desc(nulls_last=True), "-id").first())


def _preview_attempt_row(attempt: CallAttempt) -> dict:
    contact = attempt.contact
    return {"id": attempt.pk, "campaign_id": attempt.campaign_id, "campaign": attempt.campaign.name,
            "number": contact.number, "data": [[str(k), str(v)] for k, v in (contact.data or {}).items()],
            "attempts": contact.attempts, "max_attempts": attempt.campaign.max_attempts,
            "state": attempt.state, "state_label": str(attempt.get_state_display())}


def preview_panel(*, agent_id: int, attempt: CallAttempt | None) -> dict | None:
    """What the agent's «Kampanje» panel shows: the contact claimed for them (``attempt``, from
    ``services.attempt_preview_claim``), their last connected campaign call with its disposition and the categories
    it may get. None when the agent has nothing to do with a campaign (no panel)."""
    from contactcenter.selectors import agent_name, agent_queue_ids

    campaigns = list(Campaign.objects.filter(mode=CampaignMode.PREVIEW, status=CampaignStatus.RUNNING,
                                             queue_id__in=agent_queue_ids(agent_id=agent_id))
                     .order_by("name", "id").values("id", "name"))
    last = attempt_agent_last_connected(agent_id=agent_id, agent_name=agent_name(agent_id=agent_id))
    if not campaigns and attempt is None and last is None:
        return None
    last_row = None
    if last is not None:
        last_row = {"id": last.pk, "number": last.contact.number, "campaign": last.campaign.name,
                    "disposition_id": last.disposition_id, "disposition": last.disposition.name if last.disposition else "",
                    "categories": queue_categories(queue_ids=[last.campaign.queue_id])[last.campaign.queue_id]}
    return {"campaigns": campaigns, "attempt": _preview_attempt_row(attempt) if attempt else None, "last": last_row}


def campaign_api_list():  # type: ignore[no-untyped-def]
    """The campaigns (the API's read list) with their contacts counted per state, newest first."""
    return (Campaign.objects.select_related("queue").order_by("-created_at", "-id")
            .annotate(contacts_total=Count("contacts", distinct=True),
                      contacts_pending=Count("contacts", filter=Q(contacts__state=ContactState.PENDING), distinct=True),
                      contacts_done=Count("contacts", filter=Q(contacts__state=ContactState.DONE), distinct=True),
                      contacts_failed=Count("contacts", filter=Q(contacts__state=ContactState.FAILED), distinct=True)))


def call_attempt_list():  # type: ignore[no-untyped-def]
    """The campaigns' call attempts (the API's read list), newest first."""
    return CallAttempt.objects.select_related("contact", "disposition").order_by("-claimed_at", "-id")
# --- what the engine's dialer reads (engine/features/dialer) -----------------------------------------------------

def _caller_ids() -> tuple[dict[int, str], str]:
    """Each queue's public number (the first number that leads to it) and the agency's first public number."""
    from switchboard.selectors import did_list

    by_queue: dict[int, str] = {}
    first = ""
    for number, kind, ref in did_list().values_list("number", "dest_kind", "dest_ref"):
        first = first or number
        if kind == "queue" and ref is not None:
            by_queue.setdefault(int(ref), number)
    return by_queue, first


def dialer_campaign_rows(*, at: dt.datetime) -> list[dict]:
    """Running campaigns whose window is open now, with what the engine needs to dial them: mode, queue, ring
    time, abandon cap and the caller ID (the queue's public number, else the agency's)."""
    by_queue, first = _caller_ids()
    out = []
    for c in Campaign.objects.filter(status=CampaignStatus.RUNNING).order_by("id"):
        if campaign_window_open(campaign=c, at=at):
            out.append({"id": c.pk, "mode": c.mode, "queue_id": c.queue_id, "ring_seconds": c.ring_seconds,
                        "abandon_cap": float(c.abandon_cap), "caller_id": by_queue.get(c.queue_id, first)})
    return out


def dialer_caller_id(*, queue_id: int) -> str:
    by_queue, first = _caller_ids()
    return by_queue.get(queue_id, first)


def attempts_open() -> list[dict]:
    """Attempts not ended (the engine settles them after a start)."""
    return list(CallAttempt.objects.exclude(state=AttemptState.ENDED).order_by("id").values(
        "id", "campaign_id", "state", "channel_id", "preview_agent_id", "agent", "contact__number"))


def attempt_preview_row(*, attempt_id: int) -> dict | None:
    """A preview attempt as the engine's preview command checks it (None if there is no such attempt)."""
    row = (CallAttempt.objects.filter(pk=attempt_id)
           .values("id", "state", "preview_agent_id", "campaign_id", "campaign__mode", "campaign__queue_id",
                   "campaign__ring_seconds", "contact__number").first())
    if row is None:
        return None
    return {"id": row["id"], "state": row["state"], "preview_agent_id": row["preview_agent_id"],
            "campaign_id": row["campaign_id"], "mode": row["campaign__mode"], "queue_id": row["campaign__queue_id"],
            "ring_seconds": row["campaign__ring_seconds"], "number": row["contact__number"],
            "caller_id": dialer_caller_id(queue_id=row["campaign__queue_id"])}
