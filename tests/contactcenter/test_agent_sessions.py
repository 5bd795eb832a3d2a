"""Agent sessions (logged in to a queue, recorded by the engine) and the usual logins the estimated wait learns
from them: the same weekday of the last weeks, less those who already came today."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from contactcenter import history
from contactcenter.models import Agent, AgentSession, Queue
from contactcenter.selectors import queue_expected_logins, queue_wait_history

pytestmark = pytest.mark.django_db

# A Tuesday 08:55 (Oslo), far from the days other tests use.
NOW = timezone.make_aware(dt.datetime(2031, 3, 11, 8, 55))


def _at(weeks_ago: int, hh: int, mm: int) -> dt.datetime:
    day = NOW - dt.timedelta(weeks=weeks_ago)
    return day.replace(hour=hh, minute=mm)


def _agents_and_queue() -> tuple[list[Agent], Queue]:
    """Three agents and a queue, and no sessions but this test's (live tests log agents in and commit theirs)."""
    AgentSession.objects.all().delete()
    return list(Agent.objects.order_by("id")[:3]), Queue.objects.order_by("id").first()


def test_sessions_are_recorded_once_and_closed() -> None:
    with schema_context("fhi"):
        (agent, *_rest), queue = _agents_and_queue()
        start, end = _at(0, 8, 1), _at(0, 11, 30)
        history.agent_session_started(agent_id=agent.pk, queue_id=queue.pk, at=start)
        history.agent_session_started(agent_id=agent.pk, queue_id=queue.pk, at=start)  # the same event again
        assert history.agent_session_ended(agent_id=agent.pk, queue_id=queue.pk, at=end) == 1
        rows = list(AgentSession.objects.filter(agent=agent, queue=queue).values_list("started_at", "ended_at"))
        assert rows == [(start, end)]
        assert history.agent_session_started(agent_id=99999, queue_id=queue.pk, at=start) is None  # unknown agent


def test_usual_logins_at_this_time_of_day_on_this_weekday() -> None:
    with schema_context("fhi"):
        agents, queue = _agents_and_queue()
        for weeks_ago in (1, 2):  # two earlier Tuesdays: two agents at 09:0x, one at 10:02
            history.agent_session_started(agent_id=agents[0].pk, queue_id=queue.pk, at=_at(weeks_ago, 9, 2))
            history.agent_session_started(agent_id=agents[1].pk, queue_id=queue.pk, at=_at(weeks_ago, 9, 7))
            history.agent_session_started(agent_id=agents[2].pk, queue_id=queue.pk, at=_at(weeks_ago, 10, 2))
        # a Wednesday's logins do not count for a Tuesday
        history.agent_session_started(agent_id=agents[2].pk, queue_id=queue.pk,
                                      at=_at(1, 9, 1) + dt.timedelta(days=1))
        got = queue_expected_logins(queue_id=queue.pk, now=NOW, horizon=1800)
        assert got == [(450.0, 1.0), (750.0, 1.0)]  # 09:00–09:05 and 09:05–09:10: one each
        # the first one came early today: only the second is still expected
        history.agent_session_started(agent_id=agents[0].pk, queue_id=queue.pk, at=NOW - dt.timedelta(minutes=10))
        assert queue_expected_logins(queue_id=queue.pk, now=NOW, horizon=1800) == [(750.0, 1.0)]
        # the queue's callers need a skill only agents[1] has: only that agent's logins count
        assert queue_expected_logins(queue_id=queue.pk, now=NOW, horizon=1800, agent_ids=[agents[1].pk]) == [
            (750.0, 1.0)]
        assert queue_expected_logins(queue_id=queue.pk, now=NOW, horizon=1800, agent_ids=[agents[2].pk]) == []


def test_no_sessions_recorded_nothing_expected_and_the_history_carries_the_logins() -> None:
    with schema_context("fhi"):
        _agents, queue = _agents_and_queue()
        assert queue_expected_logins(queue_id=queue.pk, now=NOW) == []
        assert queue_wait_history()[queue.pk]["logins"] == []


def test_sessions_past_their_retention_are_deleted() -> None:
    from agencydata.gdpr.retention import retention_apply

    with schema_context("fhi"):
        (agent, *_rest), queue = _agents_and_queue()
        now = timezone.now()
        history.agent_session_started(agent_id=agent.pk, queue_id=queue.pk, at=now - dt.timedelta(days=43))
        history.agent_session_started(agent_id=agent.pk, queue_id=queue.pk, at=now - dt.timedelta(days=8))
        run = retention_apply(now=now)
        assert run.deleted["agent_sessions"] == 1  # 6 weeks by default: the estimate reads the last 5
        assert list(AgentSession.objects.values_list("started_at", flat=True)) == [now - dt.timedelta(days=8)]
