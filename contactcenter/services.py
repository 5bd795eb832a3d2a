"""Writes of the contact center. Config writes go through switchboard's config_object_save,
so every change is validated and announced for rendering. Every write is atomic: all or nothing,
announced once on commit (tenants.events)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from contactcenter.history import inquiry_register, message_inquiry_register, register_inquiry_hook
from contactcenter.models import (
    Agent,
    AgentSkill,
    Inquiry,
    InquiryCategory,
    MusicOnHold,
    PauseReason,
    Queue,
    QueueSkill,
    Skill,
)
from switchboard.models import Extension, Person
from switchboard.services import config_object_save

# SMS/MMS inquiries (outbound app) are written in history.py; other apps hook into inquiries there (outbound: dispositions)
__all__ = ["message_inquiry_register", "register_inquiry_hook"]


@transaction.atomic
def music_on_hold_create(*, name: str, source: str = "platform") -> MusicOnHold:
    moh = MusicOnHold(name=name, source=source)
    config_object_save(obj=moh)
    return moh


@transaction.atomic
def queue_create(*, name: str, number: str | None = None, strategy: str = "rrmemory", ring_seconds: int = 15,
                 wrapup_seconds: int = 30, max_wait_seconds: int = 900, music_on_hold: MusicOnHold | None = None,
                 announce_position: bool = True, announce_holdtime: bool = True,
                 periodic_announce_seconds: int = 60, service_level_seconds: int = 20,
                 require_category: bool = True, dest_kind: str = "hangup", dest_ref: int | None = None,
                 dest_number: str = "") -> Queue:
    queue = Queue(name=name, number=number or None, strategy=strategy, ring_seconds=ring_seconds,
                  wrapup_seconds=wrapup_seconds, max_wait_seconds=max_wait_seconds, music_on_hold=music_on_hold,
                  announce_position=announce_position, announce_holdtime=announce_holdtime,
                  periodic_announce_seconds=periodic_announce_seconds, service_level_seconds=service_level_seconds,
                  require_category=require_category, dest_kind=dest_kind, dest_ref=dest_ref, dest_number=dest_number)
    config_object_save(obj=queue)
    return queue


@transaction.atomic
def skill_create(*, name: str) -> Skill:
    skill = Skill(name=name)
    config_object_save(obj=skill)
    return skill


@transaction.atomic
def queue_skill_require(*, queue: Queue, skill: Skill, min_level: int = 1) -> QueueSkill:
    req = QueueSkill(queue=queue, skill=skill, min_level=min_level)
    config_object_save(obj=req)
    return req


@transaction.atomic
def agent_create(*, person: Person, extension: Extension, is_supervisor: bool = False,
                 queues: list[Queue] | None = None, skills: dict[Skill, int] | None = None, user=None) -> Agent:  # type: ignore[no-untyped-def]
    agent = Agent(person=person, extension=extension, is_supervisor=is_supervisor, user=user)
    config_object_save(obj=agent)
    if queues:
        agent.queues.set(queues)
    for skill, level in (skills or {}).items():
        config_object_save(obj=AgentSkill(agent=agent, skill=skill, level=level))
    return agent


@transaction.atomic
def inquiry_category_create(*, queue: Queue, code: str, name: str) -> InquiryCategory:
    cat = InquiryCategory(queue=queue, code=code, name=name)
    config_object_save(obj=cat)
    return cat


@transaction.atomic
def pause_reason_create(*, code: str, name: str) -> PauseReason:
    reason = PauseReason(code=code, name=name)
    config_object_save(obj=reason)
    return reason


@transaction.atomic
def console_inquiry_register(*, agent_id: int, queue_id: int | None, category_id: int | None, note: str,
                             allowed_queue_ids: set[int]) -> Inquiry:
    """Register an inquiry from the console: for the given queue, or else the queue of the agent's last
    answered call without an inquiry (linked to that call). PermissionError outside ``allowed_queue_ids``."""
    from contactcenter.selectors import last_answered_visit

    agent = Agent.objects.get(pk=agent_id)
    visit = last_answered_visit(agent=agent)
    queue_id = queue_id or (visit.queue_id if visit else None)
    if not isinstance(queue_id, int) or queue_id not in allowed_queue_ids:
        raise PermissionError("Du har ikke tilgang til denne køen.")
    queue = Queue.objects.get(pk=queue_id)
    category = None
    if category_id:
        category = InquiryCategory.objects.filter(pk=category_id).first()
        if category is None:
            raise ValidationError("Ukjent kategori.")
    return inquiry_register(agent=agent, queue=queue, visit=visit if visit and visit.queue_id == queue_id else None,
                            category=category, note=note)


# --- callbacks: the state machine's writes (contactcenter.callbacks), for the engine's dispatcher -----------------

def callback_claim(*, request_id: int, claimed_by: str):  # type: ignore[no-untyped-def]
    """Claim the next attempt of a callback (one conditional UPDATE; None when someone else has it)."""
    from contactcenter import callbacks

    return callbacks.callback_claim(request_id=request_id, claimed_by=claimed_by)


def callback_attempt_result(*, request_id: int, claimed_by: str, result: str, agent_id: int | None = None):  # type: ignore[no-untyped-def]
    from contactcenter import callbacks

    return callbacks.callback_attempt_result(request_id=request_id, claimed_by=claimed_by, result=result,
                                             agent_id=agent_id)


def callback_settle_interrupted(*, live_claims: list[str]) -> list[int]:
    from contactcenter import callbacks

    return callbacks.callback_settle_interrupted(live_claims=live_claims)


def callback_request_create(*, queue_id: int, number: str, joined_at, caller_number: str = "",  # type: ignore[no-untyped-def]
                            uniqueid: str = ""):
    """A caller asked to be called back (contactcenter.callbacks.callback_request_create); a bad number raises
    ValidationError in Norwegian."""
    from contactcenter import callbacks

    return callbacks.callback_request_create(queue_id=queue_id, number=number, joined_at=joined_at,
                                             caller_number=caller_number, uniqueid=uniqueid)
