"""After a resync the history's agent sessions and pauses are set right against what Asterisk has (QueueStatus
recorded from a real Asterisk: tests/fixtures/ami/resync_pairing.ami, one member, paused for lunch)."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from contactcenter.history import agent_presence_reconciled
from contactcenter.models import AgentPause, AgentSession
from engine import presence
from tests.engine.test_engine_replay import events

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)  # when contact was lost (after the recording)


def _status() -> tuple[dict, dict]:
    """The recorded QueueStatus answer (the engine's first resync action), collected as the resync does."""
    found = presence.empty()
    answer = [e for e in events("resync_pairing.ami") if e.get("ActionID") == "resync-0"]
    for ev in answer:
        presence.collect(ev, found)
    [member] = [e for e in answer if e["Event"] == "QueueMember"]
    return found, member


def _epoch(value: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)


def test_queue_status_gives_the_members_login_and_pause():
    found, member = _status()
    assert found["agencies"] == {"fhi", "nkh"} and "nkh" not in found["members"]  # nkh: queues, nobody in
    assert found["members"]["fhi"] == [{"agent_id": 1, "queue_id": 1, "login_at": float(member["LoginTime"]),
                                        "paused": True, "paused_at": float(member["LastPause"]), "reason": "lunsj"}]


def test_missed_logins_logouts_and_pauses_are_set_right_once():
    """Before: agent 1's session from long ago (it logged out and in again unseen), agent 2's session still open
    (it logged out unseen), agent 2 on an open pause, agent 1's pause not known."""
    found, member = _status()
    login = _epoch(member["LoginTime"])
    with schema_context("fhi"):
        for model in (AgentPause, AgentSession):  # only this test's rows (the transaction is rolled back)
            model.objects.all().delete()
        old = AgentSession.objects.create(agent_id=1, queue_id=1, started_at=login - dt.timedelta(days=3))
        gone = AgentSession.objects.create(agent_id=2, queue_id=1, started_at=login - dt.timedelta(hours=2))
        coffee = AgentPause.objects.create(agent_id=2, reason="kaffe", started_at=login - dt.timedelta(hours=1))
        got = agent_presence_reconciled(members=found["members"]["fhi"], at=AT)
        assert got == {"sessions_closed": 2, "sessions_opened": 1, "pauses": 2}
        old.refresh_from_db(), gone.refresh_from_db(), coffee.refresh_from_db()
        assert old.ended_at == login and gone.ended_at == AT
        assert AgentSession.objects.get(agent_id=1, ended_at__isnull=True).started_at == login
        assert coffee.ended_at == AT and coffee.ended_by_logout  # agent 2 is no member any more
        lunch = AgentPause.objects.get(agent_id=1, ended_at__isnull=True)
        assert (lunch.reason, lunch.started_at) == ("lunsj", _epoch(member["LastPause"]))
        again = agent_presence_reconciled(members=found["members"]["fhi"], at=AT + dt.timedelta(minutes=5))
        assert again == {"sessions_closed": 0, "sessions_opened": 0, "pauses": 0}
