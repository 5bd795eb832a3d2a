"""Writes of the contact center. Config writes go through switchboard's config_object_save,
so every change is validated and announced for rendering."""

from __future__ import annotations

from contactcenter.models import (
    Agent,
    AgentSkill,
    InquiryCategory,
    MusicOnHold,
    PauseReason,
    Queue,
    QueueSkill,
    Skill,
)
from switchboard.models import Extension, Person
from switchboard.services import config_object_save


def music_on_hold_create(*, name: str, source: str = "platform") -> MusicOnHold:
    moh = MusicOnHold(name=name, source=source)
    config_object_save(obj=moh)
    return moh


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


def skill_create(*, name: str) -> Skill:
    skill = Skill(name=name)
    config_object_save(obj=skill)
    return skill


def queue_skill_require(*, queue: Queue, skill: Skill, min_level: int = 1) -> QueueSkill:
    req = QueueSkill(queue=queue, skill=skill, min_level=min_level)
    config_object_save(obj=req)
    return req


def agent_create(*, person: Person, extension: Extension, is_supervisor: bool = False,
                 queues: list[Queue] | None = None, skills: dict[Skill, int] | None = None, user=None) -> Agent:  # type: ignore[no-untyped-def]
    agent = Agent(person=person, extension=extension, is_supervisor=is_supervisor, user=user)
    config_object_save(obj=agent)
    if queues:
        agent.queues.set(queues)
    for skill, level in (skills or {}).items():
        config_object_save(obj=AgentSkill(agent=agent, skill=skill, level=level))
    return agent


def inquiry_category_create(*, queue: Queue, code: str, name: str) -> InquiryCategory:
    cat = InquiryCategory(queue=queue, code=code, name=name)
    config_object_save(obj=cat)
    return cat


def pause_reason_create(*, code: str, name: str) -> PauseReason:
    reason = PauseReason(code=code, name=name)
    config_object_save(obj=reason)
    return reason
