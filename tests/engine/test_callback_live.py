# ruff: noqa: F811  (pytest fixtures imported from test_engine_live are parameters here)
"""A callback request dialled for real: the agent's phone rings first, then the caller's, once; the request is
done. And a request left «dialling» by an engine that stopped is never dialled again by the next one."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from django_tenants.utils import schema_context

from tests.engine.test_engine_live import _agent_id, _phone, _public_number, live, pytestmark, redis_layer  # noqa: F401
from tests.harness.baresip_harness import Baresip

pytestmark = pytestmark  # noqa: PLW0127  (Asterisk, baresip, Redis)
RINGS = {"CALL_INCOMING", "CALL_ESTABLISHED"}  # the phones answer by themselves


def _ua(ast, tmp_path, ext: str, rtp: int) -> Baresip:  # type: ignore[no-untyped-def]
    user, password = _phone("fhi", ext)
    ua = Baresip(tmp_path / f"fhi{ext}", username=user, password=password, sip_port=ast.profile.sip_port,
                 rtp_base=rtp, answermode="auto", tone_seconds=30)
    for _ in range(50):
        if f"{user}/sip:" in ast.cli("pjsip show contacts"):
            return ua
        time.sleep(0.1)
    raise AssertionError(f"{user} registrerte seg ikke")


def _own_connection(fn):  # type: ignore[no-untyped-def]
    """Run ``fn`` on a connection of its own (a thread), so its writes are committed and the engine sees them; the
    test's own connection is inside the test's transaction."""
    from django.db import connection

    out: list = []

    def run() -> None:
        try:
            with schema_context("fhi"):
                out.append(fn())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return out[0] if out else None


@pytest.fixture
def committed():  # type: ignore[no-untyped-def]
    """Rows the engine must see (its own connection): committed, and removed afterwards."""
    from contactcenter.models import CallbackPolicy, CallbackRequest

    made: list[int] = []

    def request(**fields) -> int:  # type: ignore[no-untyped-def]
        return _own_connection(lambda: _create(fields))

    def _create(fields: dict) -> int:
        CallbackPolicy.objects.update_or_create(queue_id=1, defaults={
            "enabled": True, "weekdays_only": False, "window_opens": dt.time(0, 0),
            "window_closes": dt.time(23, 59, 59), "caller_id": "+4721077000"})
        now = dt.datetime.now(dt.UTC)
        req = CallbackRequest.objects.create(queue_id=1, joined_at=now - dt.timedelta(minutes=1),
                                             expires_at=now + dt.timedelta(hours=1), **fields)
        made.append(req.pk)
        return req.pk

    def get(pk: int):  # type: ignore[no-untyped-def]
        return _own_connection(lambda: CallbackRequest.objects.get(pk=pk))

    yield request, get
    _own_connection(lambda: (CallbackRequest.objects.filter(pk__in=made).delete(),
                             CallbackPolicy.objects.filter(queue_id=1).delete()))


def test_agent_first_then_the_caller_once_and_the_request_is_done(live, committed, tmp_path):
    from contactcenter import live_services as services

    ast, et = live
    request, get = committed
    ingrid = _agent_id("fhi", "1001")
    agent, customer = _ua(ast, tmp_path, "1001", 24400), _ua(ast, tmp_path, "1004", 24440)
    try:
        services.agent_login(agency="fhi", agent_id=ingrid, queue_ids=[1])
        et.wait_for(lambda: et.engine.snapshot("fhi")["agents"].get(str(ingrid), {}).get("state") == "idle")
        pk = request(number=_public_number("fhi", "1004"), caller_number="21077013")
        offered = agent.wait_event(RINGS, timeout=20)
        assert offered and "21077013" in json.dumps(offered), "the agent is offered the callback first, with the number"
        dialled = customer.wait_event(RINGS, timeout=20)
        assert dialled and "21077000" in json.dumps(dialled), "then the caller, from the queue's number"
        done = et.wait_for(lambda: (r := get(pk)).state == "done" and r, timeout=20)
        assert done.attempts == 1 and done.agent_id == ingrid and done.answered_at is not None
        customer.command("hangup")
        time.sleep(3)
        assert customer.wait_event(RINGS, timeout=1) is None, "never dialled twice"
        assert get(pk).attempts == 1
    finally:
        services.agent_logout(agency="fhi", agent_id=ingrid)
        agent.stop()
        customer.stop()


def test_an_attempt_left_dialling_by_a_stopped_engine_is_not_dialled_again(live, committed, tmp_path):
    """The engine restarted mid-callback: the attempt is settled (interrupted), and the customer's phone never
    rings for it."""
    ast, et = live
    request, get = committed
    customer = _ua(ast, tmp_path, "1004", 24480)
    try:
        pk = request(number=_public_number("fhi", "1004"), state="dialling", attempts=1,
                     claimed_by="old-engine|PJSIP/fhi-p1|deadbeef")
        for slug_live in et.engine.runtimes["test"].state.agencies.values():  # as a fresh engine: settle first
            slug_live.extra.get("callback", {})["settled"] = False
        settled = et.wait_for(lambda: (r := get(pk)).state != "dialling" and r, timeout=15)
        assert settled.state == "retry" and settled.attempts == 1 and settled.claimed_by == ""
        assert customer.wait_event(RINGS, timeout=3) is None
    finally:
        customer.stop()
