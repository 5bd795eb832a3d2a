"""The estimated wait per required skill: the history the engine reads names the agents who can take a queue's
callers, and only they count in the estimate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from contactcenter.models import Agent, AgentSkill, Call, Queue, QueueSkill, QueueVisit, Skill
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


def test_hang_up_rate_counts_callers_still_waiting() -> None:
    now = timezone.now()
    with schema_context("fhi"):
        queue = Queue.objects.order_by("id").first()
        QueueVisit.objects.filter(queue=queue).delete()
        call = Call.objects.create(linkedid="7.1", direction="inbound", started_at=now)
        for uid, outcome, waited, minutes_ago in (("7.1", "answered", 60, 10), ("7.2", "abandoned", 140, 9),
                                                  ("7.3", "waiting", None, 5), ("7.4", "waiting", None, 600)):
            QueueVisit.objects.create(call=call, queue=queue, uniqueid=uid, position_on_entry=1, outcome=outcome,
                                      entered_at=now - dt.timedelta(minutes=minutes_ago), waited_seconds=waited,
                                      talk_seconds=100 if outcome == "answered" else None)
        rate = queue_wait_history()[queue.pk]["abandon_rate"]
    # one hang-up in 60 + 140 s of finished waits and the 5 minutes (about) of the caller still waiting; the
    # caller "waiting" for 10 hours is a leftover, not a wait
    assert 1 / 520 < rate < 1 / 490
