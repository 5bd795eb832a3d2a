"""Reads of the contact center (run inside the agency's schema)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from asterisk_conf import naming
from contactcenter.models import (
    Agent,
    Call,
    HistoryGap,
    Inquiry,
    InquiryCategory,
    MusicOnHold,
    PauseReason,
    Queue,
    QueueVisit,
    Recording,
)
from contactcenter.models_voice import MohFile
from contactcenter.roles import ADMIN_GROUP, SUPERVISOR_GROUP


def queue_list() -> QuerySet[Queue]:
    return Queue.objects.select_related("music_on_hold").prefetch_related("skill_requirements").order_by("id")


def music_on_hold_list() -> QuerySet[MusicOnHold]:
    return MusicOnHold.objects.order_by("id")


def agent_list() -> QuerySet[Agent]:
    return Agent.objects.select_related("person", "extension").prefetch_related("skills", "queues").order_by("id")


def agent_queue_ids(*, agent_id: int) -> list[int]:
    """The queues the agent serves (membership, as the console shows them)."""
    return list(Queue.objects.filter(agents__pk=agent_id).order_by("id").values_list("id", flat=True))


def queue_agent_rows(*, queue_id: int) -> list[dict]:
    """The agents of a queue: id and name (as the history and the engine name them), by name."""
    agents = Agent.objects.select_related("person").filter(queues__pk=queue_id).distinct()
    return sorted(({"id": a.pk, "name": str(a.person)} for a in agents), key=lambda r: r["name"])


def agent_name(*, agent_id: int) -> str:
    agent = Agent.objects.select_related("person").filter(pk=agent_id).first()
    return str(agent.person) if agent else ""


def pause_reason_list() -> QuerySet[PauseReason]:
    return PauseReason.objects.order_by("name")


def agent_queue_penalties(*, agent: Agent) -> dict[int, int]:
    """Queues the agent may serve, with the penalty derived from skills.

    An agent serves a queue if they meet every skill requirement; the penalty is
    10 minus their lowest level among the required skills (higher skill = rings first).
    """
    levels = {s.skill_id: s.level for s in agent.skills.all()}
    out: dict[int, int] = {}
    for queue in agent.queues.prefetch_related("skill_requirements"):
        reqs = list(queue.skill_requirements.all())
        if any(levels.get(r.skill_id, 0) < r.min_level for r in reqs):
            continue
        lowest = min((levels[r.skill_id] for r in reqs), default=10)
        out[queue.pk] = max(0, 10 - lowest)
    return out


def queue_config_rows() -> list[dict]:
    """Flat rows for the config renderer."""
    return list(Queue.objects.order_by("id").values(
        "id", "name", "number", "strategy", "ring_seconds", "wrapup_seconds", "max_wait_seconds", "music_on_hold_id",
        "announce_position", "announce_holdtime", "periodic_announce_seconds", "service_level_seconds",
        "dest_kind", "dest_ref", "dest_number"))


def music_on_hold_config_rows() -> list[dict]:
    """Classes with their uploaded files (the file list makes musiconhold.conf change, so Asterisk reloads it)."""
    rows = list(MusicOnHold.objects.order_by("id").values("id", "name", "source"))
    files: dict[int, list[dict]] = {}
    for f in MohFile.objects.order_by("moh_id", "file_name").values("moh_id", "file_name", "title", "licence"):
        files.setdefault(f["moh_id"], []).append(f)
    for row in rows:
        row["files"] = files.get(row["id"], [])
    return rows


def console_role(*, user) -> dict:  # type: ignore[no-untyped-def]
    """What a console user may see: their agent (if any), supervisor or not, and the queue IDs."""
    agent = Agent.objects.select_related("person", "extension").filter(user=user).first()
    supervisor = (bool(agent and agent.is_supervisor) or user.is_staff
                  or user.groups.filter(name__in=[SUPERVISOR_GROUP, ADMIN_GROUP]).exists())
    if supervisor:
        queue_ids = list(Queue.objects.order_by("id").values_list("id", flat=True))
    elif agent:
        queue_ids = list(agent.queues.order_by("id").values_list("id", flat=True))
    else:
        queue_ids = []
    return {"agent": agent, "supervisor": supervisor, "queue_ids": queue_ids}


def queue_categories(*, queue_ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {q: [] for q in queue_ids}
    for cat in InquiryCategory.objects.filter(queue_id__in=queue_ids, is_active=True).order_by("name"):
        out[cat.queue_id].append({"id": cat.pk, "name": cat.name})
    return out


def last_answered_visit(*, agent: Agent):  # type: ignore[no-untyped-def]
    from contactcenter.models import QueueVisit

    return (QueueVisit.objects.filter(answered_by=agent, inquiries__isnull=True).select_related("queue")
            .order_by("-answered_at").first())


def agent_channel_prefixes(*, agent: Agent | None) -> tuple[str, ...]:
    """The channel-name prefixes of the agent's active phones in this agency (what the agent may control)."""
    if agent is None:
        return ()
    return tuple(naming.phone_channel_prefix(connection.schema_name, p.pk)
                 for p in agent.extension.phones.filter(is_active=True).order_by("id"))


def console_queues(*, queue_ids: list[int]) -> list[dict]:
    """The queues a console shows: id, name, the live key and whether a category is required."""
    return [{"id": q.pk, "name": q.name, "key": naming.queue_name(connection.schema_name, q.pk),
             "require_category": q.require_category}
            for q in Queue.objects.filter(pk__in=queue_ids).order_by("id")]


def console_page(*, user) -> dict:  # type: ignore[no-untyped-def]
    """Everything the console page needs for ``user``: role, pause reasons, categories, queues, agent names."""
    role = console_role(user=user)
    agent = role["agent"]
    visible = Agent.objects.select_related("person", "extension")
    if not role["supervisor"]:
        visible = visible.filter(queues__in=role["queue_ids"]).distinct()
    return {
        "agent": agent,
        "supervisor": role["supervisor"],
        "pause_reasons": list(pause_reason_list()),
        "categories": queue_categories(queue_ids=role["queue_ids"]),
        "queues": console_queues(queue_ids=role["queue_ids"]),
        "agent_names": {str(a.pk): f"{a.person} ({a.extension.number})" for a in visible},
        "own_prefixes": list(agent_channel_prefixes(agent=agent)),
        "message_inquiries": message_inquiries(limit=10),
    }


def recording_policy_config_rows() -> dict[int, dict]:
    """Queue id -> how it records (only queues that record): mode, the notice's sound and the opt-out key."""
    from contactcenter.models_voice import RecordingPolicy
    from contactcenter.prompts import prompt_sound

    out: dict[int, dict] = {}
    for policy in RecordingPolicy.objects.select_related("notice").exclude(mode="never").order_by("queue_id"):
        out[policy.queue_id] = {"mode": policy.mode, "digit": policy.opt_out_digit,
                                "notice": prompt_sound(agency=connection.schema_name, prompt=policy.notice)}
    return out


def queue_welcome_config_rows() -> dict[int, str]:
    """Queue id -> the sound (absolute path without extension) of its welcome announcement."""
    from contactcenter.models_voice import QueueWelcome
    from contactcenter.prompts import prompt_sound

    return {w.queue_id: prompt_sound(agency=connection.schema_name, prompt=w.prompt)
            for w in QueueWelcome.objects.select_related("prompt").order_by("queue_id")}


def schedule_announcement_config_rows() -> dict[int, dict[str, str]]:
    """Schedule id -> {"closed": sound, "holiday": sound} (absolute paths without extension; holiday falls back to
    the closed announcement). Sound paths come from the prompts' checked file names only."""
    from contactcenter.models_voice import ScheduleAnnouncement
    from contactcenter.prompts import prompt_sound

    out: dict[int, dict[str, str]] = {}
    for row in ScheduleAnnouncement.objects.select_related("closed_prompt", "holiday_prompt").order_by("schedule_id"):
        sounds = {kind: prompt_sound(agency=connection.schema_name, prompt=prompt)
                  for kind, prompt in (("closed", row.closed_prompt), ("holiday", row.holiday_prompt)) if prompt}
        sounds.setdefault("holiday", sounds.get("closed", ""))
        out[row.schedule_id] = {k: v for k, v in sounds.items() if v}
    return out


def recordings_list(*, limit: int = 200) -> list:
    """Recordings newest first, with call, queue, who started it and the legal basis (for the recordings page)."""
    from contactcenter.models import Recording

    return list(Recording.objects.select_related("call", "queue", "started_by__person", "legal_basis")
                .order_by("-started_at")[:limit])


def recording_access_ticket(*, access_id: int, user, max_age_seconds: int = 7200):  # type: ignore[no-untyped-def]
    """The logged access (play/download) ``user`` opened, while still fresh; None otherwise."""
    import datetime as dt

    from django.utils import timezone

    from contactcenter.models_voice import RecordingAccess

    return (RecordingAccess.objects.select_related("recording")
            .filter(pk=access_id, user=user, at__gte=timezone.now() - dt.timedelta(seconds=max_age_seconds)).first())


def legal_bases_active() -> list:
    """The agency's legal bases an agent may record an abusive call under (the console's choice)."""
    from contactcenter.models_voice import LegalBasis

    return list(LegalBasis.objects.filter(is_active=True).order_by("name"))
def caller_numbers(*, since: dt.datetime, until: dt.datetime, queue_id: int | None = None,
                   dialed: str = "") -> list[str]:
    """The distinct caller numbers of inbound calls in a period: to one queue, or to one dialled number."""
    if queue_id is not None:
        rows = QueueVisit.objects.filter(queue_id=queue_id, entered_at__gte=since, entered_at__lt=until)
        return sorted({n for n in rows.values_list("caller_number", flat=True) if n})
    calls = Call.objects.filter(direction="inbound", started_at__gte=since, started_at__lt=until)
    if dialed:
        calls = calls.filter(dialed=dialed)
    return sorted({n for n in calls.values_list("caller_number", flat=True) if n})


def inquiry_numbers(*, category_id: int) -> list[str]:
    """The numbers behind every inquiry of a category (the caller of the call, or the sender of the message)."""
    rows = Inquiry.objects.filter(category_id=category_id).values_list("from_number", "visit__caller_number")
    return sorted({a or b for a, b in rows if a or b})


def number_call_count(*, number: str) -> int:
    """How many calls the agency has had from this number (an SMS sender matched against the history)."""
    digits = number.lstrip("+")
    variants = {number, digits, digits[2:] if digits.startswith("47") else digits, "+" + digits}
    return Call.objects.filter(caller_number__in=variants).count()


def message_inquiries(*, limit: int = 50) -> list[dict]:
    """The latest inquiries that came as SMS/MMS, for the console."""
    rows = Inquiry.objects.filter(channel__in=["sms", "mms"]).order_by("-created_at")[:limit]
    from switchboard.selectors import person_by_number

    out = []
    for i in rows:
        person = person_by_number(number=i.from_number)
        out.append({"id": i.pk, "channel": i.channel, "from_number": i.from_number, "message": i.message,
                    "has_picture": i.picture is not None, "created_at": i.created_at,
                    "person": str(person) if person else "", "earlier_calls": number_call_count(number=i.from_number)})
    return out


def inquiry_picture(*, inquiry_id: int) -> tuple[bytes, str] | None:
    row = Inquiry.objects.filter(pk=inquiry_id, picture__isnull=False).values_list("picture", "picture_type").first()
    return (bytes(row[0]), row[1]) if row else None


def inquiry_category_list() -> list[dict]:
    return list(InquiryCategory.objects.filter(is_active=True).order_by("queue__name", "name")
                .values("id", "name", "queue__name"))
# --- Read side for the API (history, inquiries, recordings) -------------------------------------------------------

def call_list() -> QuerySet[Call]:
    return Call.objects.order_by("-started_at", "-id")


def queue_visit_list() -> QuerySet[QueueVisit]:
    return QueueVisit.objects.select_related("call").order_by("-entered_at", "-id")


def inquiry_list() -> QuerySet[Inquiry]:
    return Inquiry.objects.select_related("category").order_by("-created_at", "-id")


def recording_list() -> QuerySet[Recording]:
    return Recording.objects.select_related("call").order_by("-started_at", "-id")


def history_gap_list() -> QuerySet[HistoryGap]:
    return HistoryGap.objects.order_by("-started_at")


def agent_session_list() -> QuerySet:
    from contactcenter.models import AgentSession

    return AgentSession.objects.order_by("-started_at", "-id")


def agent_pause_list() -> QuerySet:
    from contactcenter.models import AgentPause

    return AgentPause.objects.order_by("-started_at", "-id")


def recording_folders() -> list[Path]:
    """The current agency's own recordings folders (where the engine's MixMonitor writes: the spool folder of
    the configured nodes and of the managed local Asterisk)."""
    slug = naming.checked_slug(connection.schema_name)
    roots = {Path(settings.ASTERISK_SPOOL_DIR), Path(settings.PLATFORM_DATA_DIR) / "asterisk" / "spool"}
    return [(root / slug / "recordings").resolve() for root in sorted(roots)]


def recording_file(*, recording: Recording) -> Path | None:
    """The recording's file if it exists inside this agency's own recordings folder, else None (a path
    elsewhere, a link out of the folder or ``..`` are never served)."""
    try:
        path = Path(recording.path).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    if not path.is_file() or not any(path.is_relative_to(folder) for folder in recording_folders()):
        return None
    return path
# --- estimated wait (contactcenter.ewt) ---------------------------------------------------------------------------

def queue_wait_history(*, limit: int = 100) -> dict[int, dict]:
    """Per queue, what the wait estimate needs from history: the last ``limit`` handling times (talk plus the
    queue's wrap-up) of answered callers, how often callers hung up per second waited, and the queue's
    announcement settings. The hang-up rate counts the time the callers still waiting (who came in the last hour)
    have waited so far: without it the rate is too high while a queue builds up."""
    from datetime import timedelta

    from django.utils import timezone

    from contactcenter.ewt import hang_up_rate
    from contactcenter.models import QueueOutcome, QueueVisit

    now = timezone.now()
    out: dict[int, dict] = {}
    for q in Queue.objects.select_related("callback_policy").order_by("id"):
        visits = QueueVisit.objects.filter(queue=q).exclude(outcome=QueueOutcome.WAITING).order_by("-entered_at")
        recent = list(visits.values("outcome", "talk_seconds", "waited_seconds")[: 2 * limit])
        handle = [v["talk_seconds"] + q.wrapup_seconds for v in recent
                  if v["outcome"] == QueueOutcome.ANSWERED and v["talk_seconds"]][:limit]
        still = QueueVisit.objects.filter(queue=q, outcome=QueueOutcome.WAITING, entered_at__gte=now - timedelta(hours=1))
        rate = hang_up_rate([(v["waited_seconds"] or 0, v["outcome"] == QueueOutcome.ABANDONED) for v in recent],
                            [(now - at).total_seconds() for at in still.values_list("entered_at", flat=True)])
        policy = getattr(q, "callback_policy", None)
        skill_view = queue_skill_view(queue=q)
        able = ([a for a, has in skill_view["agent_skills"].items() if len(has) == len(skill_view["required"])]
                if skill_view["required"] else None)
        stamp = now.timestamp()
        logins = [(stamp + ahead, n) for ahead, n in queue_expected_logins(queue_id=q.pk, now=now, agent_ids=able)]
        out[q.pk] = {"handle_times": handle, "abandon_rate": rate,
                     "announce": q.announce_holdtime, "periodic": q.periodic_announce_seconds,
                     "callback_above": policy.offer_above_seconds if policy and policy.enabled else None,
                     "logins": logins, **skill_view}
    return out


def call_taken_by(*, linkedid: str) -> str | None:
    """The name of the agent who took the call ``linkedid`` in a queue (the last visit answered), or None."""
    from contactcenter.models import QueueVisit

    visit = (QueueVisit.objects.filter(call__linkedid=linkedid, answered_by__isnull=False)
             .select_related("answered_by__person").order_by("-answered_at").first())
    return str(visit.answered_by.person) if visit else None


AFTER_CALL_S = 10.0  # a pause or logout this soon after a call's wrap-up counts as "away after the call"


def agent_away_history(*, limit: int = 100) -> dict:
    """What the estimated wait learns live about pauses (engine.features.ewt.learn), read back from the recorded
    history so that it does not start empty after an engine restart: ``away_times``, the lengths of the last
    ``limit`` pauses that ended with the agent back (not logged out); ``after_calls``, for the last ``limit``
    answered queue calls, whether the agent paused or logged out after the call. Oldest first."""
    from datetime import timedelta

    from contactcenter.models import AgentPause, AgentSession, QueueOutcome, QueueVisit

    pauses = AgentPause.objects.filter(ended_at__isnull=False, ended_by_logout=False).order_by("-started_at")[:limit]
    away_times = [(p.ended_at - p.started_at).total_seconds() for p in reversed(pauses)]
    visits = list(QueueVisit.objects.filter(outcome=QueueOutcome.ANSWERED, answered_by__isnull=False,
                                            answered_at__isnull=False, talk_seconds__isnull=False)
                  .select_related("queue").order_by("-answered_at")[:limit])
    spans = [(v.answered_by_id, v.answered_at + timedelta(seconds=v.talk_seconds),
              timedelta(seconds=(v.queue.wrapup_seconds if v.queue else 0) + AFTER_CALL_S)) for v in reversed(visits)]
    if not spans:
        return {"away_times": away_times, "after_calls": []}
    lo, hi = min(end for _a, end, _w in spans), max(end + w for _a, end, w in spans)
    agents = {a for a, _e, _w in spans}
    away = [*AgentPause.objects.filter(agent_id__in=agents, started_at__range=(lo, hi)).values_list("agent_id", "started_at"),
            *AgentSession.objects.filter(agent_id__in=agents, ended_at__range=(lo, hi)).values_list("agent_id", "ended_at")]
    after = [any(a == agent and end <= at <= end + wait for a, at in away) for agent, end, wait in spans]
    return {"away_times": away_times, "after_calls": after}


LOGIN_WEEKS = 5  # the usual logins: the same weekday of the last 5 weeks


def queue_expected_logins(*, queue_id: int, now: dt.datetime, weeks: int = LOGIN_WEEKS, horizon: float = 3600.0,
                          step: float = 300.0, agent_ids: list[int] | None = None) -> list[tuple[float, float]]:
    """The agents who usually log in to the queue over the next ``horizon`` seconds at this time of day on this
    weekday, less those who already came today: (seconds from ``now``, expected number) per ``step``
    (``contactcenter.ewt.expected_logins``). From the recorded agent sessions of the same weekday in the last
    ``weeks`` weeks, only days since sessions were first recorded (before that nothing is known, not "nobody").
    ``agent_ids``: count only these agents' logins (those with the skills the queue's callers need)."""
    from django.utils import timezone

    from contactcenter.ewt import expected_logins
    from contactcenter.models import AgentSession

    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    first = AgentSession.objects.order_by("started_at").values_list("started_at", flat=True).first()
    if first is None:
        return []
    sessions = AgentSession.objects.filter(queue_id=queue_id)
    if agent_ids is not None:
        sessions = sessions.filter(agent_id__in=agent_ids)

    def of_day(start: dt.datetime) -> list[float]:  # the day's logins, seconds since its local midnight
        rows = sessions.filter(started_at__gte=start, started_at__lt=start + dt.timedelta(days=1))
        return [(at - start).total_seconds() for at in rows.values_list("started_at", flat=True)]

    days = [midnight - dt.timedelta(weeks=w) for w in range(1, weeks + 1)]
    history = [of_day(d) for d in days if d + dt.timedelta(days=1) > first]
    today = [t for t in of_day(midnight) if t <= (local - midnight).total_seconds()]
    return expected_logins(history, today, (local - midnight).total_seconds(), horizon=horizon, step=step)


def queue_skill_view(*, queue: Queue) -> dict:
    """What the wait estimate needs to count only the agents who can take this queue's callers: the required
    skills' names, and per agent ID the required skills the agent has at the queue's minimum level or above."""
    from contactcenter.models import AgentSkill

    reqs = {r.skill_id: (r.skill.name, r.min_level) for r in queue.skill_requirements.select_related("skill")}
    skills: dict[int, list[str]] = {}
    for row in AgentSkill.objects.filter(skill_id__in=reqs).values("agent_id", "skill_id", "level"):
        name, min_level = reqs[row["skill_id"]]
        if row["level"] >= min_level:
            skills.setdefault(row["agent_id"], []).append(name)
    return {"required": sorted(name for name, _lvl in reqs.values()), "agent_skills": skills}


def wait_estimate(*, position: int, agents: list[tuple], handle_times: list[float], abandon_rate: float = 0.0,
                  away_share: float = 0.0, away_times: list[float] | None = None,
                  required: list[str] | None = None, logins: list[tuple[float, float]] | None = None) -> dict:
    """The estimated wait for the caller at ``position`` (contactcenter.ewt): ``agents`` are (busy_for, free_in)
    or (busy_for, free_in, skills) of each agent logged in and not paused (skills: None when not known);
    ``away_share``/``away_times``: how often agents paused or logged out after a call lately, and for how long;
    ``required``: the skills the caller needs; ``logins``: agents usually logging in soon, (seconds from now,
    expected number) (``queue_expected_logins``). Returns kind ("about", "more_than", "unknown"), seconds, minutes
    and the Norwegian sentence."""
    from contactcenter.ewt import AgentLoad, WaitInput, estimate_wait, said_text

    loads = [AgentLoad(busy_for=a[0], free_in=a[1], skills=None if len(a) < 3 or a[2] is None else frozenset(a[2]))
             for a in agents]
    est = estimate_wait(WaitInput(position=position, agents=loads, handle_times=handle_times, abandon_rate=abandon_rate,
                                  away_share=away_share, away_times=away_times or (),
                                  required=frozenset(required or ()), logins=logins or ()))
    return {"kind": est.kind, "seconds": est.seconds, "minutes": est.minutes, "text": said_text(est)}


# --- skills and priority routing ----------------------------------------------------------------------------------

def queue_routing_rows() -> dict[int, dict]:
    """Queue ID -> its skill routing (start level, widening), for the config renderer."""
    from contactcenter.models import QueueRouting

    return {r["queue_id"]: r for r in QueueRouting.objects.values(
        "queue_id", "start_level", "widen_after_seconds", "widen_levels")}


def priority_numbers() -> list[str]:
    """Caller numbers served ahead of others (digits, as caller ID arrives: with and without +)."""
    from contactcenter.models import PriorityCaller

    return list(PriorityCaller.objects.order_by("number").values_list("number", flat=True))


# --- callbacks (contactcenter.callbacks; the engine's dispatcher reads these) ----------------------------------------

def callback_due_rows() -> list[dict]:
    """Callback requests waiting for their place and due now, in a queue whose calling window is open, oldest place
    first, with their queue's caller ID."""
    from django.db.models import Q
    from django.utils import timezone

    from contactcenter.callbacks import next_window_start
    from contactcenter.models import CallbackPolicy, CallbackRequest, CallbackState

    now = timezone.now()
    open_queues = [p.queue_id for p in CallbackPolicy.objects.filter(enabled=True) if next_window_start(now, p) <= now]
    rows = (CallbackRequest.objects.filter(state=CallbackState.WAITING, expires_at__gt=now, queue_id__in=open_queues)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).order_by("joined_at", "id")
            .values("id", "queue_id", "number", "joined_at", "queue__callback_policy__caller_id"))
    return [{"id": r["id"], "queue_id": r["queue_id"], "number": r["number"], "joined_at": r["joined_at"].timestamp(),
             "caller_id": r["queue__callback_policy__caller_id"] or ""} for r in rows]


def callback_queue_position(*, joined_at: float, waiting_joined: list[float]) -> int:
    """Where a callback's placeholder enters the queue (contactcenter.callbacks.callback_queue_position)."""
    from contactcenter import callbacks

    return callbacks.callback_queue_position(joined_at=joined_at, waiting_joined=waiting_joined)


def callback_dialling_claims() -> list[dict]:
    """Attempts in «dialling» and their claim tokens (the dispatcher settles them after a start)."""
    from contactcenter.models import CallbackRequest, CallbackState

    return [{"id": pk, "token": token} for pk, token in
            CallbackRequest.objects.filter(state=CallbackState.DIALLING).values_list("pk", "claimed_by")]


def callback_queue_ids() -> set[int]:
    """Queues that offer callbacks (for the config renderer)."""
    from contactcenter.models import CallbackPolicy

    return set(CallbackPolicy.objects.filter(enabled=True).values_list("queue_id", flat=True))


# --- callbacks in the console and on the wallboard (docs/tilbakeringing.md) -------------------------------------------

def _callback_interface(token: str) -> str:
    """The agent's phone interface in a claim token ``node|PJSIP/<endpoint>|nonce`` ('' when it has none)."""
    parts = token.split("|")
    return parts[1] if len(parts) == 3 else ""


def _agents_by_interface() -> dict[str, tuple[int, str]]:
    """Each active phone's interface (``PJSIP/<endpoint>``) -> (agent ID, agent name), in this agency."""
    out: dict[str, tuple[int, str]] = {}
    for agent in Agent.objects.select_related("person", "extension").prefetch_related("extension__phones"):
        for phone in agent.extension.phones.all():
            if phone.is_active:
                out[naming.phone_interface(connection.schema_name, phone.pk)] = (agent.pk, str(agent.person))
    return out


def console_callbacks(*, queue_ids: list[int] | None = None) -> list[dict]:
    """Callbacks not yet made (waiting, retry, dialling) in ``queue_ids`` (None: all), oldest place first, as JSON:
    place in its queue, number, queue, state, attempts, when the caller joined (epoch s), and the agent who is
    offered it while it is being dialled (from the claim token) or who handled the last attempt."""
    from contactcenter.callbacks import callback_pending_list
    from contactcenter.models import CallbackRequest

    rows = callback_pending_list(queue_ids=queue_ids)
    tokens = dict(CallbackRequest.objects.filter(pk__in=[r["id"] for r in rows]).values_list("pk", "claimed_by"))
    agents = _agents_by_interface() if any(tokens.values()) else {}
    out = []
    for r in rows:
        offered = agents.get(_callback_interface(tokens.get(r["id"], "")))
        out.append({"id": r["id"], "place": r["place"], "queue_id": r["queue_id"], "queue": r["queue"],
                    "number": r["number"], "joined_at": r["joined_at"].timestamp(), "state": r["state"],
                    "state_display": str(r["state_display"]), "attempts": r["attempts"],
                    "next_attempt_at": r["next_attempt_at"].timestamp() if r["next_attempt_at"] else None,
                    "offered_agent_id": offered[0] if offered else None,
                    "offered_agent": offered[1] if offered else r["agent"]})
    return out


def callback_list():  # type: ignore[no-untyped-def]
    """Every callback request (the API's read list), newest place first."""
    from contactcenter.models import CallbackRequest

    return CallbackRequest.objects.select_related("queue").order_by("-joined_at", "-id")
