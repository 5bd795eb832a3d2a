# ruff: noqa: F811  (pytest fixtures imported from test_engine_live are parameters here)
"""The callback really keeps the caller's place in app_queue (a placeholder at the caller's position): caller A joins,
caller B joins after, A asks for a callback and hangs up; when an agent becomes available the agent gets A's callback
first (A's phone rings after the agent answered) and B only after. And an engine restart with the placeholder waiting
neither duplicates it nor dials A twice."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django_tenants.utils import schema_context

from tests.engine.test_callback_live import POLICY, RINGS, _in_app, _own_connection, _ua, committed  # noqa: F401
from tests.engine.test_engine_live import _agent_id, _phone, _public_number, pytestmark, redis_layer  # noqa: F401
from tests.harness.engine_harness import asterisk_with_replaceable_engine, engine_for

pytestmark = pytestmark  # noqa: PLW0127  (Asterisk, baresip, Redis)


@pytest.fixture(scope="module")
def live(django_db_setup, django_db_blocker, redis_layer):  # type: ignore[no-untyped-def]
    """Asterisk with Sentralbord (7000) offering callbacks, and the engine (``box["et"]``: a test may restart it)."""
    import shutil
    import tempfile
    from pathlib import Path

    from contactcenter.models import CallbackPolicy

    base = Path(tempfile.mkdtemp(prefix="cp-cbplace-"))
    with django_db_blocker.unblock():
        with schema_context("fhi"):
            CallbackPolicy.objects.update_or_create(queue_id=1, defaults=POLICY)
        try:
            with asterisk_with_replaceable_engine(base) as box:
                yield box
        finally:
            with schema_context("fhi"):
                CallbackPolicy.objects.filter(queue_id=1).delete()
    shutil.rmtree(base, ignore_errors=True)


def _waiting(snapshot: dict) -> list[str]:
    return [c["channel"] for c in snapshot["queues"]["t-fhi-q1"]["callers"]]


def _app_queue_order(ast) -> list[str]:  # type: ignore[no-untyped-def]
    """The callers in Sentralbord's queue in app_queue's own order (``queue show``: ``1. <channel> (wait ..)``)."""
    lines = ast.cli("queue show t-fhi-q1").split("Callers:")[-1].splitlines()
    return [ln.split()[1] for ln in lines if ln.strip()[:1].isdigit() and "wait:" in ln]


def _next_call_from(phone, number: str) -> bool:  # type: ignore[no-untyped-def]
    """The phone's next call (incoming or established) that shows ``number``; events of the call before are skipped."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        event = phone.wait_event(RINGS, timeout=max(deadline - time.monotonic(), 0.1))
        if event is not None and number in json.dumps(event):
            return True
    return False


def _placeholders(ast, pk: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [ln for ln in ast.cli("core show channels concise").splitlines() if ln.startswith(f"Local/cb{pk}@")]


def _ask_callback(ast, et, caller, prefix: str, typed: str) -> None:  # type: ignore[no-untyped-def]
    """In the queue: 1 for a callback, 2 (not this number), the number typed, #; receipt and goodbye."""
    caller.command("sndcode", "1")
    et.wait_for(lambda: _in_app(ast, prefix, "Read"), timeout=20)
    caller.command("sndcode", "2")
    et.wait_for(lambda: _in_app(ast, prefix, "Read") and not _in_app(ast, prefix, "Playback"), timeout=20)
    time.sleep(2.5)  # the "enter the number" prompt
    for digit in f"{typed}#":
        caller.command("sndcode", digit)
        time.sleep(0.3)
    et.wait_for(lambda: not _in_app(ast, prefix, ""), timeout=30)  # receipt, goodbye, hung up


def test_a_callback_keeps_its_place_ahead_of_a_later_caller(live, committed, tmp_path):
    from contactcenter import live_services as services
    from contactcenter.models import CallbackRequest

    ast, et = live["ast"], live["et"]
    _request, get = committed
    a = _ua(ast, tmp_path, "1005", 20100, answer="manual")
    b = _ua(ast, tmp_path, "1003", 20140, answer="manual")
    a_prefix, b_prefix = f"PJSIP/{_phone('fhi', '1005')[0]}-", f"PJSIP/{_phone('fhi', '1003')[0]}-"
    ingrid = _agent_id("fhi", "1001")
    agent, a_phone = _ua(ast, tmp_path, "1001", 20180), _ua(ast, tmp_path, "1004", 20220)
    a_number = _public_number("fhi", "1004")  # the number A types: A's own phone
    try:
        a.command("dial", "7000")
        et.wait_for(lambda: _in_app(ast, a_prefix, "Queue"), timeout=10)
        time.sleep(1.2)  # B joins a second later (join times have whole seconds)
        b.command("dial", "7000")
        et.wait_for(lambda: _in_app(ast, b_prefix, "Queue"), timeout=10)
        _ask_callback(ast, et, a, a_prefix, a_number.removeprefix("+47"))
        req = et.wait_for(lambda: _own_connection(lambda: CallbackRequest.objects.filter(caller_number="1005")
                                                  .order_by("-id").first()), timeout=10)
        assert req.state == "waiting"
        et.wait_for(lambda: len(_waiting(et.engine.snapshot("fhi"))) == 2, timeout=15)
        order = _app_queue_order(ast)
        assert order[0].startswith(f"Local/cb{req.pk}@") and order[1].startswith(b_prefix), \
            "A's placeholder is back at A's place, ahead of B who joined later"
        services.agent_login(agency="fhi", agent_id=ingrid, queue_ids=[1])
        offered = agent.wait_event(RINGS, timeout=20)
        assert offered and a_number.removeprefix("+47") in json.dumps(offered), "the agent gets A's callback first"
        assert a_phone.wait_event(RINGS, timeout=20), "A's phone rings after the agent answered"
        assert _in_app(ast, b_prefix, "Queue"), "B still waits"
        done = et.wait_for(lambda: (r := get(req.pk)).state == "done" and r, timeout=20)
        assert done.attempts == 1 and done.agent_id == ingrid
        a_phone.command("hangup")
        assert _next_call_from(agent, "1003"), "B only after"
        assert a_phone.wait_event(RINGS, timeout=1) is None and get(req.pk).attempts == 1, "A is dialled once"
        _own_connection(lambda: CallbackRequest.objects.filter(pk=req.pk).delete())
    finally:
        services.agent_logout(agency="fhi", agent_id=ingrid)
        for ua in (a, b, agent, a_phone):
            ua.stop()


def test_an_engine_restart_keeps_the_waiting_placeholder_and_dials_once(live, committed, tmp_path):
    from contactcenter import live_services as services

    ast = live["ast"]
    request, get = committed
    ingrid = _agent_id("fhi", "1001")
    a_phone = _ua(ast, tmp_path, "1004", 20260)
    pk = request(number=_public_number("fhi", "1004"), caller_number="1005")
    live["et"].wait_for(lambda: len(_placeholders(ast, pk)) == 2, timeout=15)  # ;1 in the queue, ;2 waiting
    live["et"].stop()
    live["et"] = et = engine_for(ast.profile)  # a new engine: nothing in memory
    time.sleep(20)  # longer than a placement takes to be seen, and than the grace for one not yet seen
    assert len(_placeholders(ast, pk)) == 2, "the placeholder is kept, not duplicated"
    assert [c for c in _waiting(et.snapshot("fhi")) if c.startswith(f"Local/cb{pk}@")], "the new engine sees it in the queue"
    agent = _ua(ast, tmp_path, "1001", 20300)
    try:
        services.agent_login(agency="fhi", agent_id=ingrid, queue_ids=[1])
        assert agent.wait_event(RINGS, timeout=20), "the agent gets the callback"
        assert a_phone.wait_event(RINGS, timeout=20), "then A's phone"
        assert et.wait_for(lambda: get(pk).state == "done", timeout=20)
        a_phone.command("hangup")
        time.sleep(3)
        assert a_phone.wait_event(RINGS, timeout=1) is None, "A is dialled exactly once"
        assert get(pk).attempts == 1 and get(pk).joined_at < dt.datetime.now(dt.UTC)
    finally:
        services.agent_logout(agency="fhi", agent_id=ingrid)
        agent.stop()
        a_phone.stop()


def test_a_placeholder_whose_request_was_cancelled_leaves_the_queue(live, committed, tmp_path):
    """The request stops waiting (cancelled here; expired is the same) while its placeholder waits: the placeholder
    leaves the queue, so no agent is handed a call that would dial nobody."""
    from contactcenter.models import CallbackRequest

    ast, et = live["ast"], live["et"]
    request, _get = committed
    pk = request(number=_public_number("fhi", "1004"), caller_number="1005")
    et.wait_for(lambda: len(_placeholders(ast, pk)) == 2, timeout=15)
    _own_connection(lambda: CallbackRequest.objects.filter(pk=pk).update(state="cancelled"))
    et.wait_for(lambda: not _placeholders(ast, pk), timeout=15)
    assert not [c for c in _waiting(et.snapshot("fhi")) if c.startswith(f"Local/cb{pk}@")]
