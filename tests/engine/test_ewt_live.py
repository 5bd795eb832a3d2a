# ruff: noqa: F811  (pytest fixtures imported from test_engine_live are parameters here)
"""The estimated wait said to a real caller waiting in a real queue (Asterisk + baresip + the engine).

Two agents of Sentralbord (7000) are logged in and busy on a call with each other; the queue has a history of
answered calls. A third phone calls 7000 and waits: the engine computes the estimate and whispers it into the
caller's channel (ARI snoop) at join and again after the periodic interval.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django_tenants.utils import schema_context

from tests.engine.test_engine_live import _agent_id, _phone, live, pytestmark, redis_layer  # noqa: F401
from tests.harness.baresip_harness import Baresip

pytestmark = pytestmark  # noqa: PLW0127  (the same real components: Asterisk, baresip, Redis)


def _ua(ast, tmp_path, slug: str, ext: str, rtp: int) -> Baresip:  # type: ignore[no-untyped-def]
    """A phone whose call lasts a minute (the queue waits here are longer than the default ten-second tone)."""
    user, password = _phone(slug, ext)
    ua = Baresip(tmp_path / f"{slug}{ext}", username=user, password=password, sip_port=ast.profile.sip_port,
                 rtp_base=rtp, tone_seconds=60)
    for _ in range(50):
        if f"{user}/sip:" in ast.cli("pjsip show contacts"):
            return ua
        time.sleep(0.1)
    raise AssertionError(f"{user} registrerte seg ikke")


def _seed_history(queue_id: int, n: int = 30) -> None:
    from contactcenter.models import Call, QueueVisit

    now = dt.datetime.now(dt.UTC)
    for i in range(n):
        at = now - dt.timedelta(minutes=10 * (i + 1))
        call = Call.objects.create(linkedid=f"1.{900000 + i}", direction="inbound", caller_number="99999999",
                                   started_at=at)
        QueueVisit.objects.create(call=call, queue_id=queue_id, uniqueid=f"1.{900000 + i}", entered_at=at,
                                  position_on_entry=1, outcome="answered", waited_seconds=30,
                                  talk_seconds=180 + 7 * i)


@pytest.fixture(scope="module")
def history(live, django_db_blocker):  # type: ignore[no-untyped-def]
    """Committed (the engine reads it on its own connection): a history of answered calls in Sentralbord, and a
    short periodic interval."""
    from contactcenter.models import Call, Queue

    with django_db_blocker.unblock(), schema_context("fhi"):
        _seed_history(1)
        Queue.objects.filter(pk=1).update(periodic_announce_seconds=8, announce_holdtime=True)
    yield
    with django_db_blocker.unblock(), schema_context("fhi"):
        Call.objects.filter(caller_number="99999999").delete()
        Queue.objects.filter(pk=1).update(periodic_announce_seconds=60)


@pytest.fixture
def busy_agents(live, history, tmp_path):  # type: ignore[no-untyped-def]
    """Ingrid (1001) and Ola (1002), both in Sentralbord, on a direct call with each other."""
    from contactcenter import live_services as services

    ast, et = live
    ids = [_agent_id("fhi", ext) for ext in ("1001", "1002")]
    a, b = _ua(ast, tmp_path, "fhi", "1001", 24000), _ua(ast, tmp_path, "fhi", "1002", 24040)
    try:
        for agent_id in ids:
            services.agent_login(agency="fhi", agent_id=agent_id, queue_ids=[1])
        a.command("dial", "1002")
        assert b.wait_event({"CALL_INCOMING"}, timeout=10)
        b.command("accept")
        et.wait_for(lambda: all(et.engine.snapshot("fhi")["agents"].get(str(i), {}).get("state") == "in_call"
                                for i in ids), timeout=10)
        yield ids
    finally:
        for agent_id in ids:
            services.agent_logout(agency="fhi", agent_id=agent_id)
        a.stop()
        b.stop()


def test_waiting_caller_hears_the_estimate_at_join_and_periodically(live, busy_agents, tmp_path):
    ast, et = live
    caller = _ua(ast, tmp_path, "fhi", "1005", 24080)
    snoops: list[str] = []

    def heard(times: int):  # type: ignore[no-untyped-def]
        snoops.extend(ln for ln in ast.cli("core show channels concise").splitlines() if ln.startswith("Snoop/"))
        waits = et.engine.snapshot("fhi")["waits"]
        return next((w for w in waits.values() if w["count"] >= times), None)

    try:
        caller.command("dial", "7000")
        waiting = et.wait_for(lambda: et.engine.snapshot("fhi")["queues"]["t-fhi-q1"]["callers"])
        uniqueid = waiting[0]["uniqueid"]
        first = et.wait_for(lambda: heard(1), timeout=25, interval=0.05)
        assert first["queue"] == "t-fhi-q1" and first["position"] == 1 and first["kind"] == "about"
        assert first["played"] == "done"
        assert first["media"][0] == "sound:queue-holdtime" and first["media"][-2] == f"number:{first['minutes']}"
        assert first["text"].startswith("Forventet ventetid er omtrent ")
        assert any(ln.startswith(f"Snoop/{uniqueid}") for ln in snoops), "the prompt is whispered to the caller"
        assert et.engine.snapshot("fhi")["queues"]["t-fhi-q1"]["callers"][0]["uniqueid"] == uniqueid
        second = et.wait_for(lambda: heard(2), timeout=30, interval=0.05)
        assert second["played"] == "done"
    finally:
        caller.stop()


def test_nothing_is_said_when_nobody_serves(live, tmp_path):
    """Vaksinetelefonen (7002) has nobody logged in: no number is said."""
    ast, et = live
    caller = _ua(ast, tmp_path, "fhi", "1006", 24120)
    try:
        caller.command("dial", "7002")
        et.wait_for(lambda: et.engine.snapshot("fhi")["queues"].get("t-fhi-q3", {}).get("callers"))
        record = et.wait_for(lambda: next(iter(et.engine.snapshot("fhi")["waits"].values()), None), timeout=20)
        assert record["kind"] == "unknown" and record["media"] == [] and record["played"] == "nothing to say"
        time.sleep(1)
        assert not any(ln.startswith("Snoop/") for ln in ast.cli("core show channels concise").splitlines())
    finally:
        caller.stop()


def test_logins_and_logouts_are_recorded_as_sessions(live, history):  # type: ignore[no-untyped-def]
    """Logged in from the console service, app_queue adds the member, the engine records the session; logged out,
    it is closed. (What the estimated wait learns the usual logins from.)"""
    from asterisk_conf import naming
    from contactcenter import live_services as services
    from contactcenter.models import AgentSession

    _ast, et = live
    agent_id = _agent_id("fhi", "1003")

    def in_queue(name: str) -> bool:
        return name in et.engine.snapshot("fhi")["agents"].get(str(agent_id), {}).get("queues", [])

    def sessions(queue_id: int) -> list[tuple]:
        with schema_context("fhi"):
            rows = AgentSession.objects.filter(agent_id=agent_id, queue_id=queue_id)
            return list(rows.values_list("started_at", "ended_at"))

    with schema_context("fhi"):
        AgentSession.objects.filter(agent_id=agent_id).delete()
    try:
        queue_id = services.agent_login(agency="fhi", agent_id=agent_id)[0]
        name = naming.queue_name("fhi", queue_id)
        et.wait_for(lambda: in_queue(name), timeout=15)
        et.flush_history()
        [(started, ended)] = sessions(queue_id)
        assert ended is None
        services.agent_logout(agency="fhi", agent_id=agent_id)
        et.wait_for(lambda: not in_queue(name), timeout=15)
        et.flush_history()
        [(started_again, ended)] = sessions(queue_id)
        assert started_again == started and ended is not None and ended >= started
    finally:
        services.agent_logout(agency="fhi", agent_id=agent_id)
        with schema_context("fhi"):
            AgentSession.objects.filter(agent_id=agent_id).delete()
