"""Reads of the contact center (run inside the agency's schema)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from asterisk_conf import naming
from contactcenter.models import Agent, Call, HistoryGap, Inquiry, MusicOnHold, PauseReason, Queue, QueueVisit, Recording


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
    return list(MusicOnHold.objects.order_by("id").values("id", "name", "source"))


def console_role(*, user) -> dict:  # type: ignore[no-untyped-def]
    """What a console user may see: their agent (if any), supervisor or not, and the queue IDs."""
    agent = Agent.objects.select_related("person", "extension").filter(user=user).first()
    supervisor = bool(agent and agent.is_supervisor) or user.is_staff
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
