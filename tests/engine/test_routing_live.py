# ruff: noqa: F811  (pytest fixtures imported from test_engine_live are parameters here)
"""Skill routing with real calls: the stronger agent first, the weaker only after the circle widens.

Sentralbord (7000) requires the skill Sentralbord; Ola (1002) has level 6 (penalty 4), Ingrid (1001) level 5
(penalty 5). The queue's routing starts at level 6 and widens one level after 3 seconds. What happened is read from
app_queue's own queue_log (ENTERQUEUE, RINGNOANSWER, CONNECT per caller), in order.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest

from tests.engine.test_engine_live import _agent_id, _phone, pytestmark, redis_layer  # noqa: F401
from tests.harness.baresip_harness import Baresip
from tests.harness.engine_harness import asterisk_with_engine

pytestmark = pytestmark  # noqa: PLW0127  (Asterisk, baresip, Redis)
WIDEN_S = 3


@pytest.fixture(scope="module")
def routed(django_db_setup, django_db_blocker, redis_layer):  # type: ignore[no-untyped-def]
    """Asterisk started with Sentralbord's skill routing in its config, and the engine."""
    from django_tenants.utils import schema_context

    from contactcenter.models import QueueRouting

    base = Path(tempfile.mkdtemp(prefix="cp-routing-"))
    with django_db_blocker.unblock():
        with schema_context("fhi"):
            QueueRouting.objects.create(queue_id=1, start_level=6, widen_after_seconds=WIDEN_S, widen_levels=1)
        try:
            with asterisk_with_engine(base) as (ast, et):
                yield ast, et
        finally:
            with schema_context("fhi"):
                QueueRouting.objects.filter(queue_id=1).delete()
    shutil.rmtree(base, ignore_errors=True)


def _ua(ast, tmp_path: Path, ext: str, rtp: int, answer: str = "auto") -> Baresip:  # type: ignore[no-untyped-def]
    user, password = _phone("fhi", ext)
    ua = Baresip(tmp_path / f"fhi{ext}", username=user, password=password, sip_port=ast.profile.sip_port,
                 rtp_base=rtp, answermode=answer, tone_seconds=30)
    for _ in range(50):
        if f"{user}/sip:" in ast.cli("pjsip show contacts"):
            return ua
        time.sleep(0.1)
    raise AssertionError(f"{user} registrerte seg ikke")


def _queue_log(ast, uniqueid: str) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """(event, agent, data) of one caller in queue_log, in order."""
    rows = []
    for line in ast.profile.queue_log.read_text().splitlines():
        parts = line.split("|")
        if len(parts) >= 5 and parts[1] == uniqueid:
            rows.append((parts[4], parts[3], "|".join(parts[5:])))
    return rows


def _entered(ast, skip: int) -> str | None:  # type: ignore[no-untyped-def]
    lines = ast.profile.queue_log.read_text().splitlines()[skip:]
    return next((ln.split("|")[1] for ln in lines if "|t-fhi-q1|" in ln and "|ENTERQUEUE|" in ln), None)


def _call_and_connect(ast, et, caller: Baresip) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    log = ast.profile.queue_log
    skip = len(log.read_text().splitlines()) if log.exists() else 0
    caller.command("dial", "7000")
    uniqueid = et.wait_for(lambda: log.exists() and _entered(ast, skip), timeout=10)
    return et.wait_for(lambda: (rows := _queue_log(ast, uniqueid)) and rows[-1][0] == "CONNECT" and rows,
                       timeout=20)


@pytest.fixture
def agents(routed, tmp_path):  # type: ignore[no-untyped-def]
    from contactcenter import live_services as services

    ast, et = routed
    ids = {"ingrid": _agent_id("fhi", "1001"), "ola": _agent_id("fhi", "1002")}
    phones = {"ingrid": _ua(ast, tmp_path, "1001", 24200), "ola": _ua(ast, tmp_path, "1002", 24240)}
    try:
        for agent_id in ids.values():
            services.agent_login(agency="fhi", agent_id=agent_id, queue_ids=[1])
        et.wait_for(lambda: all(et.engine.snapshot("fhi")["agents"].get(str(i), {}).get("state") in ("idle", "wrapup")
                                for i in ids.values()), timeout=10)
        yield ids, phones
    finally:
        for agent_id in ids.values():
            services.agent_logout(agency="fhi", agent_id=agent_id)
        for ua in phones.values():
            ua.stop()


def test_both_free_the_stronger_agent_gets_the_call(routed, agents, tmp_path):
    ast, et = routed
    ids, _phones = agents
    caller = _ua(ast, tmp_path, "1005", 24280, answer="manual")
    try:
        rows = _call_and_connect(ast, et, caller)
    finally:
        caller.stop()
    events = [(event, agent) for event, agent, _data in rows]
    assert events[0][0] == "ENTERQUEUE"
    assert events[-1] == ("CONNECT", f"fhi-a{ids['ola']}")
    assert ("RINGNOANSWER", f"fhi-a{ids['ingrid']}") not in events


def test_stronger_busy_the_weaker_gets_it_only_after_the_circle_widens(routed, agents, tmp_path):
    ast, et = routed
    ids, phones = agents
    busy_with = _ua(ast, tmp_path, "1003", 24320)
    caller = _ua(ast, tmp_path, "1005", 24360, answer="manual")
    try:
        phones["ola"].command("dial", "1003")  # Ola is on another call
        et.wait_for(lambda: et.engine.snapshot("fhi")["agents"][str(ids["ola"])]["state"] == "in_call", timeout=10)
        rows = _call_and_connect(ast, et, caller)
    finally:
        caller.stop()
        busy_with.stop()
    assert rows[0][0] == "ENTERQUEUE"
    event, agent, data = rows[-1]
    assert (event, agent) == ("CONNECT", f"fhi-a{ids['ingrid']}")
    assert int(data.split("|")[0]) >= WIDEN_S, "Ingrid was offered the call before the circle widened to her level"
    assert not any(a == f"fhi-a{ids['ola']}" for _e, a, _d in rows)
