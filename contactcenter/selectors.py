"""Reads of the contact center (run inside the agency's schema)."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from asterisk_conf import naming
from contactcenter.models import Agent, MusicOnHold, PauseReason, Queue


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


# --- estimated wait (contactcenter.ewt) ---------------------------------------------------------------------------

def queue_wait_history(*, limit: int = 100) -> dict[int, dict]:
    """Per queue, what the wait estimate needs from history: the last ``limit`` handling times (talk plus the
    queue's wrap-up) of answered callers, how often callers hung up per second waited, and the queue's
    announcement settings."""
    from contactcenter.models import QueueOutcome, QueueVisit

    out: dict[int, dict] = {}
    for q in Queue.objects.select_related("callback_policy").order_by("id"):
        visits = QueueVisit.objects.filter(queue=q).exclude(outcome=QueueOutcome.WAITING).order_by("-entered_at")
        recent = list(visits.values("outcome", "talk_seconds", "waited_seconds")[: 2 * limit])
        handle = [v["talk_seconds"] + q.wrapup_seconds for v in recent
                  if v["outcome"] == QueueOutcome.ANSWERED and v["talk_seconds"]][:limit]
        waited = sum(v["waited_seconds"] or 0 for v in recent)
        gave_up = sum(1 for v in recent if v["outcome"] == QueueOutcome.ABANDONED)
        policy = getattr(q, "callback_policy", None)
        out[q.pk] = {"handle_times": handle, "abandon_rate": gave_up / waited if waited else 0.0,
                     "announce": q.announce_holdtime, "periodic": q.periodic_announce_seconds,
                     "callback_above": policy.offer_above_seconds if policy and policy.enabled else None}
    return out


def wait_estimate(*, position: int, agents: list[tuple[float | None, float | None]], handle_times: list[float],
                  abandon_rate: float = 0.0) -> dict:
    """The estimated wait for the caller at ``position`` (contactcenter.ewt): ``agents`` are (busy_for, free_in)
    of each agent who can take the call. Returns kind ("about", "more_than", "unknown"), seconds, minutes and the
    Norwegian sentence."""
    from contactcenter.ewt import AgentLoad, WaitInput, estimate_wait, said_text

    est = estimate_wait(WaitInput(position=position, agents=[AgentLoad(busy_for=b, free_in=f) for b, f in agents],
                                  handle_times=handle_times, abandon_rate=abandon_rate))
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
    """Callback requests waiting for their place and due now, oldest place first, with their queue's caller ID."""
    from django.db.models import Q
    from django.utils import timezone

    from contactcenter.models import CallbackRequest, CallbackState

    now = timezone.now()
    rows = (CallbackRequest.objects.filter(state=CallbackState.WAITING, expires_at__gt=now)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).order_by("joined_at", "id")
            .values("id", "queue_id", "number", "joined_at", "queue__callback_policy__caller_id"))
    return [{"id": r["id"], "queue_id": r["queue_id"], "number": r["number"], "joined_at": r["joined_at"].timestamp(),
             "caller_id": r["queue__callback_policy__caller_id"] or ""} for r in rows]


def callbacks_to_start(*, pending: list[tuple[int, float]], waiting_joined: list[float], free_agents: int) -> list[int]:
    """Which callbacks start now (contactcenter.callbacks.callbacks_to_start): the place is kept."""
    from contactcenter import callbacks

    return callbacks.callbacks_to_start(pending=pending, waiting_joined=waiting_joined, free_agents=free_agents)


def callback_dialling_claims() -> list[dict]:
    """Attempts in «dialling» and their claim tokens (the dispatcher settles them after a start)."""
    from contactcenter.models import CallbackRequest, CallbackState

    return [{"id": pk, "token": token} for pk, token in
            CallbackRequest.objects.filter(state=CallbackState.DIALLING).values_list("pk", "claimed_by")]


def callback_queue_ids() -> set[int]:
    """Queues that offer callbacks (for the config renderer)."""
    from contactcenter.models import CallbackPolicy

    return set(CallbackPolicy.objects.filter(enabled=True).values_list("queue_id", flat=True))
