# ruff: noqa: F811  (pytest fixtures imported from test_engine_live are parameters here)
"""Logins, logouts and pauses made in Asterisk while the engine was stopped (an admin at the Asterisk CLI, or
events lost with the AMI link) are set right in the history when the next engine resyncs: the agent report and the
estimated wait never count an agent logged in for days after a missed logout."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.engine.test_engine_live import _agent_id, _phone, pytestmark, redis_layer  # noqa: F401
from tests.harness.asterisk_harness import prepare
from tests.harness.engine_harness import EngineThread, node_for

pytestmark = pytestmark  # noqa: PLW0127  (Asterisk, baresip, Redis)


@pytest.fixture
def node(django_db_setup, django_db_blocker, redis_layer):  # type: ignore[no-untyped-def]
    base = Path(tempfile.mkdtemp(prefix="cp-presence-"))
    with django_db_blocker.unblock():
        ast = prepare(base)
        ast.start()
        try:
            yield ast
        finally:
            ast.stop()
    shutil.rmtree(base, ignore_errors=True)


def _engine(ast) -> EngineThread:  # type: ignore[no-untyped-def]
    et = EngineThread([node_for(ast.profile)])
    et.wait_for(lambda: et.engine.runtimes["test"].last_closing, timeout=20)  # resynced and the history set right
    return et


def _rows(since: dt.datetime, *agent_ids: int) -> tuple[list, list]:
    from contactcenter.models import AgentPause, AgentSession

    with schema_context("fhi"):
        return (list(AgentSession.objects.filter(agent_id__in=agent_ids, started_at__gte=since).order_by("started_at")),
                list(AgentPause.objects.filter(agent_id__in=agent_ids, started_at__gte=since)))


def test_changes_made_while_the_engine_was_stopped_reach_the_history(node, django_db_blocker):
    from contactcenter import live_services as services

    ast, since = node, timezone.now() - dt.timedelta(seconds=1)
    ingrid, kari = _agent_id("fhi", "1001"), _agent_id("fhi", "1003")
    kari_phone = f"PJSIP/{_phone('fhi', '1003')[0]}"
    with django_db_blocker.unblock():
        et = _engine(ast)
        try:
            services.agent_login(agency="fhi", agent_id=ingrid)
            et.wait_for(lambda: et.engine.snapshot("fhi")["agents"].get(str(ingrid), {}).get("queues"))
            ingrid_phone = et.snapshot("fhi")["agents"][str(ingrid)]["interface"]
            et.flush_history()
        finally:
            et.stop()
        [before], _ = _rows(since, ingrid)
        assert before.ended_at is None  # logged in, as the engine saw it
        stopped = timezone.now()
        ast.cli(f"queue remove member {ingrid_phone} from t-fhi-q1")  # nobody tells the control plane
        ast.cli(f"queue add member {kari_phone} to t-fhi-q1 penalty 0 as fhi-a{kari} state_interface {kari_phone}")
        ast.cli(f"queue pause member {kari_phone} queue t-fhi-q1 reason lunsj")
        et = _engine(ast)
        try:
            sessions, pauses = _rows(since, ingrid, kari)
            by_agent = {s.agent_id: s for s in sessions}
            assert by_agent[ingrid].ended_at is not None and by_agent[ingrid].ended_at >= stopped
            assert by_agent[kari].ended_at is None and by_agent[kari].started_at >= stopped - dt.timedelta(seconds=1)
            assert [(p.agent_id, p.reason, p.ended_at) for p in pauses] == [(kari, "lunsj", None)]
            closing = et.engine.runtimes["test"].last_closing
            assert closing["sessions"] == 2  # one closed, one opened; a second resync changes nothing
            et.run(et.engine.resync_node("test"))
            et.wait_for(lambda: et.engine.runtimes["test"].last_closing is not closing, timeout=15)
            assert et.engine.runtimes["test"].last_closing["sessions"] == 0
        finally:
            ast.cli(f"queue remove member {kari_phone} from t-fhi-q1")
            et.flush_history()
            et.stop()
    sessions, pauses = _rows(since, kari)
    assert sessions[0].ended_at is not None and pauses[0].ended_by_logout  # the removal, seen live


def test_a_new_reason_starts_a_new_pause_and_leaving_one_of_two_queues_keeps_it(node, django_db_blocker):
    """Real Asterisk, engine running: an agent in two queues pauses for lunch, then for a meeting (the console's
    pause again, with another reason), then leaves one queue (still paused in the other), then the other. The
    report must count lunch and meeting apart, and the meeting pause lasts until the last queue is left."""
    from contactcenter import live_services as services

    ast, since = node, timezone.now() - dt.timedelta(seconds=1)
    kari = _agent_id("fhi", "1003")
    kari_phone = f"PJSIP/{_phone('fhi', '1003')[0]}"
    with django_db_blocker.unblock():
        et = _engine(ast)
        try:
            for queue in ("t-fhi-q1", "t-fhi-q2"):
                ast.cli(f"queue add member {kari_phone} to {queue} penalty 0 as fhi-a{kari} state_interface "
                        f"{kari_phone}")
            et.wait_for(lambda: len(et.engine.snapshot("fhi")["agents"].get(str(kari), {}).get("queues", [])) == 2)
            services.agent_pause(agency="fhi", agent_id=kari, reason_code="lunsj")
            et.wait_for(lambda: et.engine.snapshot("fhi")["agents"][str(kari)].get("paused_reason") == "lunsj")
            time.sleep(1.1)  # the next pause starts in a later second
            services.agent_pause(agency="fhi", agent_id=kari, reason_code="mote")
            et.wait_for(lambda: et.engine.snapshot("fhi")["agents"][str(kari)].get("paused_reason") == "mote")
            ast.cli(f"queue remove member {kari_phone} from t-fhi-q1")
            et.wait_for(lambda: et.engine.snapshot("fhi")["agents"][str(kari)].get("queues") == ["t-fhi-q2"])
            et.flush_history()
            _sessions, pauses = _rows(since, kari)
            assert [(p.reason, p.ended_at is None) for p in sorted(pauses, key=lambda p: p.started_at)] == [
                ("lunsj", False), ("mote", True)]  # still paused in the other queue
        finally:
            ast.cli(f"queue remove member {kari_phone} from t-fhi-q2")
            et.flush_history()
            et.stop()
    sessions, pauses = _rows(since, kari)
    lunch, meeting = sorted(pauses, key=lambda p: p.started_at)
    assert lunch.ended_at == meeting.started_at and not lunch.ended_by_logout
    assert meeting.ended_by_logout and all(s.ended_at is not None for s in sessions) and len(sessions) == 2
