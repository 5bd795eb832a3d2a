# ruff: noqa: F811  (pytest fixtures imported from test_engine_live are parameters here)
"""Priority callers with real calls: a caller on the agency's priority list, and a caller who dialled a public
number marked priority, are put ahead of a caller who joined before them, and the first free agent gets them first.

Three baresip phones call Sentralbord (queue 1, 7000) while no agent is logged in: 1003 dials 7000 (ordinary), 1004
dials 21077090 (a DID to the same queue, marked priority), 1005 dials 7000 (1005 is on the priority list). Asterisk's
own `queue show` lists the order; app_queue's queue_log says whom the agent got first.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.engine.test_engine_live import _agent_id, _phone, pytestmark, redis_layer  # noqa: F401
from tests.engine.test_routing_live import _entered, _queue_log, _ua
from tests.harness.engine_harness import asterisk_with_engine

pytestmark = pytestmark  # noqa: PLW0127  (Asterisk, baresip, Redis)
RTP = int(os.environ.get("TEST_RTP_START", "26000")) + 800
PRIORITY_DID = "+4721077090"


@pytest.fixture(scope="module")
def prioritised(django_db_setup, django_db_blocker, redis_layer):  # type: ignore[no-untyped-def]
    """Asterisk started with a priority caller (1005) and a priority DID to Sentralbord, and the engine."""
    from django_tenants.utils import schema_context

    from contactcenter.models import PriorityCaller
    from switchboard import services as sb
    from switchboard.models import Did

    base = Path(tempfile.mkdtemp(prefix="cp-prio-"))
    with django_db_blocker.unblock():
        with schema_context("fhi"):
            PriorityCaller.objects.create(number="1005", note="Test: prioritert innringer")
            sb.did_create(number=PRIORITY_DID, dest_kind="queue", dest_ref=1, label="Fastleger (prioritert)",
                          priority=True)
        try:
            with asterisk_with_engine(base) as (ast, et):
                yield ast, et
        finally:
            with schema_context("fhi"):
                PriorityCaller.objects.filter(number="1005").delete()
                Did.objects.filter(number=PRIORITY_DID).delete()
    shutil.rmtree(base, ignore_errors=True)


def _join(ast, et, ua, number: str) -> str:  # type: ignore[no-untyped-def]
    """``ua`` dials ``number``; the uniqueid app_queue logged when the call entered Sentralbord."""
    log = ast.profile.queue_log
    skip = len(log.read_text().splitlines()) if log.exists() else 0
    ua.command("dial", number)
    return et.wait_for(lambda: log.exists() and _entered(ast, skip), timeout=15)


def _waiting_order(ast) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """(endpoint, prio) of the callers in Sentralbord, in app_queue's order (`queue show`)."""
    out = ast.cli("queue show t-fhi-q1")
    return [(m.group(1), int(m.group(2))) for m in re.finditer(r"\d+\. PJSIP/(\S+)-[0-9a-f]+ .*?prio: (\d+)", out)]


def test_priority_callers_are_served_before_an_earlier_ordinary_caller(prioritised, tmp_path):
    from contactcenter import live_services as services

    ast, et = prioritised
    ingrid = _agent_id("fhi", "1001")
    users = {ext: _phone("fhi", ext)[0] for ext in ("1003", "1004", "1005")}
    phones = {ext: _ua(ast, tmp_path, ext, RTP + 40 * i, answer="manual") for i, ext in enumerate(users)}
    agent = _ua(ast, tmp_path, "1001", RTP + 160)
    try:
        ordinary = _join(ast, et, phones["1003"], "7000")
        by_did = _join(ast, et, phones["1004"], "21077090")
        by_number = _join(ast, et, phones["1005"], "7000")
        order = et.wait_for(lambda: len(o := _waiting_order(ast)) == 3 and o, timeout=10)
        assert order == [(users["1004"], 10), (users["1005"], 10), (users["1003"], 0)], ast.cli("queue show t-fhi-q1")
        services.agent_login(agency="fhi", agent_id=ingrid, queue_ids=[1])
        first = et.wait_for(lambda: next((uid for uid in (ordinary, by_did, by_number)
                                          if any(r[0] == "CONNECT" for r in _queue_log(ast, uid))), None), timeout=20)
        assert first == by_did  # the earliest of the priority callers; the ordinary caller who came first waits
        assert not any(r[0] == "CONNECT" for r in _queue_log(ast, ordinary))
    finally:
        services.agent_logout(agency="fhi", agent_id=ingrid)
        for ua in (*phones.values(), agent):
            ua.stop()
