"""Reads of the contact center (run inside the agency's schema)."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from asterisk_conf import naming
from contactcenter.models import Agent, MusicOnHold, PauseReason, Queue
from contactcenter.models_voice import MohFile
from contactcenter.roles import ADMIN_GROUP, SUPERVISOR_GROUP


def queue_list() -> QuerySet[Queue]:
    return Queue.objects.select_related("music_on_hold").prefetch_related("skill_requirements").order_by("id")


def music_on_hold_list() -> QuerySet[MusicOnHold]:
    return MusicOnHold.objects.order_by("id")


def agent_list() -> QuerySet[Agent]:
    return Agent.objects.select_related("person", "extension").prefetch_related("skills", "queues").order_by("id")


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
    from contactcenter.models import InquiryCategory

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
