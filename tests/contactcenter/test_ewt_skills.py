"""The estimated wait per required skill: the history the engine reads names the agents who can take a queue's
callers, and only they count in the estimate."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from contactcenter.models import Agent, AgentSkill, Queue, QueueSkill, Skill
from contactcenter.selectors import queue_wait_history, wait_estimate

pytestmark = pytest.mark.django_db

HISTORY = [240.0 + 10 * i for i in range(40)]


def test_only_agents_with_the_queues_skill_at_its_level_count() -> None:
    with schema_context("fhi"):
        queue = Queue.objects.order_by("id").first()
        skilled, unskilled = list(Agent.objects.order_by("id")[:2])
        QueueSkill.objects.filter(queue=queue).delete()  # only the skill of this test
        skill = Skill.objects.create(name="Nordsamisk, tolk")
        QueueSkill.objects.create(queue=queue, skill=skill, min_level=5)
        AgentSkill.objects.create(agent=skilled, skill=skill, level=7)
        AgentSkill.objects.create(agent=unskilled, skill=skill, level=3)  # below the queue's minimum
        view = queue_wait_history()[queue.pk]
    assert view["required"] == ["Nordsamisk, tolk"] and view["agent_skills"] == {skilled.pk: ["Nordsamisk, tolk"]}
    has = view["agent_skills"]
    agents = [(None, None, has.get(unskilled.pk, [])), (None, None, has.get(unskilled.pk, [])),
              (60.0, None, has.get(skilled.pk, [])), (90.0, None, has.get(skilled.pk, []))]
    anyone = wait_estimate(position=2, agents=agents, handle_times=HISTORY)
    skill_only = wait_estimate(position=2, agents=agents, handle_times=HISTORY, required=view["required"])
    assert anyone["minutes"] == 1 and skill_only["kind"] == "about" and skill_only["minutes"] >= 3
    free_but_unskilled = wait_estimate(position=1, agents=agents[:2], handle_times=HISTORY, required=view["required"])
    assert free_but_unskilled["kind"] == "unknown" and free_but_unskilled["text"] == ""


def test_a_queue_without_skills_counts_every_agent() -> None:
    with schema_context("fhi"):
        queue = Queue.objects.order_by("id").first()
        QueueSkill.objects.filter(queue=queue).delete()
        view = queue_wait_history()[queue.pk]
    assert view["required"] == [] and view["agent_skills"] == {}
