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

from tests.engine.test_engine_live import _agent_id, _phone, _public_number, pytestmark, redis_layer  # noqa: F401
from tests.harness.baresip_harness import Baresip
from tests.harness.engine_harness import asterisk_with_engine

pytestmark = pytestmark  # noqa: PLW0127  (Asterisk, baresip, Redis)
RINGS = {"CALL_INCOMING", "CALL_ESTABLISHED"}  # the phones answer by themselves


POLICY = {"enabled": True, "weekdays_only": False, "window_opens": dt.time(0, 0), "window_closes": dt.time(23, 59, 59),
          "caller_id": "+4721077000"}


@pytest.fixture(scope="module")
def live(django_db_setup, django_db_blocker, redis_layer):  # type: ignore[no-untyped-def]
    """Asterisk started with Sentralbord (7000) offering callbacks in its config, and the engine."""
    import shutil
    import tempfile
    from pathlib import Path

    from contactcenter.models import CallbackPolicy

    base = Path(tempfile.mkdtemp(prefix="cp-callback-"))
    with django_db_blocker.unblock():
        with schema_context("fhi"):
            CallbackPolicy.objects.update_or_create(queue_id=1, defaults=POLICY)
        try:
            with asterisk_with_engine(base) as (ast, et):
                yield ast, et
        finally:
            with schema_context("fhi"):
                CallbackPolicy.objects.filter(queue_id=1).delete()
    shutil.rmtree(base, ignore_errors=True)


def _ua(ast, tmp_path, ext: str, rtp: int, answer: str = "auto") -> Baresip:  # type: ignore[no-untyped-def]
    user, password = _phone("fhi", ext)
    ua = Baresip(tmp_path / f"fhi{ext}", username=user, password=password, sip_port=ast.profile.sip_port,
                 rtp_base=rtp, answermode=answer, tone_seconds=60)
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
        CallbackPolicy.objects.update_or_create(queue_id=1, defaults=POLICY)
        now = dt.datetime.now(dt.UTC)
        req = CallbackRequest.objects.create(queue_id=1, joined_at=now - dt.timedelta(minutes=1),
                                             expires_at=now + dt.timedelta(hours=1), **fields)
        made.append(req.pk)
        return req.pk

    def get(pk: int):  # type: ignore[no-untyped-def]
        return _own_connection(lambda: CallbackRequest.objects.get(pk=pk))

    yield request, get
    _own_connection(lambda: CallbackRequest.objects.filter(pk__in=made).delete())


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
            slug_live.parts.setdefault("callback", {})["settled"] = False
        settled = et.wait_for(lambda: (r := get(pk)).state != "dialling" and r, timeout=15)
        assert settled.state == "retry" and settled.attempts == 1 and settled.claimed_by == ""
        assert customer.wait_event(RINGS, timeout=3) is None
    finally:
        customer.stop()


def _in_app(ast, prefix: str, app: str) -> bool:  # type: ignore[no-untyped-def]
    return any(ln.startswith(prefix) and f"!{app}!" in ln for ln in ast.cli("core show channels concise").splitlines())


def test_caller_presses_1_types_a_number_keeps_the_place_and_is_called_back(live, committed, tmp_path):
    """In the queue: 1 for a callback; not the caller ID (an extension) but another number, typed; the receipt;
    the caller hangs up. Then an agent logs in and the typed number is called, once."""
    from contactcenter import live_services as services
    from contactcenter.models import CallbackRequest

    ast, et = live
    _request, get = committed
    caller = _ua(ast, tmp_path, "1005", 24500, answer="manual")
    prefix = f"PJSIP/{_phone('fhi', '1005')[0]}-"
    ingrid = _agent_id("fhi", "1001")
    agent, customer = _ua(ast, tmp_path, "1001", 24540), _ua(ast, tmp_path, "1004", 24580)
    try:
        caller.command("dial", "7000")
        waiting = et.wait_for(lambda: et.engine.snapshot("fhi")["queues"]["t-fhi-q1"]["callers"], timeout=10)
        joined = waiting[0]["joined_at"]
        et.wait_for(lambda: _in_app(ast, prefix, "Queue"), timeout=10)
        caller.command("sndcode", "1")  # "1": callback
        et.wait_for(lambda: _in_app(ast, prefix, "Read"), timeout=20)  # "if this is correct, press 1"
        caller.command("sndcode", "2")  # no: another number
        et.wait_for(lambda: _in_app(ast, prefix, "Read") and not _in_app(ast, prefix, "Playback"), timeout=20)
        time.sleep(2.5)  # the "enter the number" prompt
        for digit in "21077013#":
            caller.command("sndcode", digit)
            time.sleep(0.3)
        et.wait_for(lambda: not _in_app(ast, prefix, ""), timeout=30)  # receipt, goodbye, hung up
        req = et.wait_for(lambda: _own_connection(lambda: CallbackRequest.objects.filter(caller_number="1005")
                                                  .order_by("-id").first()), timeout=10)
        assert req.number == "+4721077013" and req.state == "waiting"
        assert abs(req.joined_at.timestamp() - joined) < 2, "the request keeps the time the caller joined the queue"
        services.agent_login(agency="fhi", agent_id=ingrid, queue_ids=[1])
        assert agent.wait_event(RINGS, timeout=20), "the agent is offered the callback"
        assert customer.wait_event(RINGS, timeout=20), "the typed number is called"
        assert et.wait_for(lambda: get(req.pk).state == "done", timeout=20)
        customer.command("hangup")
        time.sleep(2)
        assert customer.wait_event(RINGS, timeout=1) is None and get(req.pk).attempts == 1
        _own_connection(lambda: CallbackRequest.objects.filter(pk=req.pk).delete())
    finally:
        services.agent_logout(agency="fhi", agent_id=ingrid)
        for ua in (caller, agent, customer):
            ua.stop()
