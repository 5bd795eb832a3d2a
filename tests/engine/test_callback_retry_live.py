# ruff: noqa: F811  (pytest fixtures imported from test_engine_live are parameters here)
"""Callback attempts that are not answered, for real: the caller's phone answers busy (486) on the first attempt, the
outcome is recorded, the retry job (as the app runs it) brings the request back after the policy's interval, and the
second attempt is answered. And an engine restart after the claim, while the caller's phone rings: the new engine
decides from the caller's leg, not the agent's (the agent is bridged with the placeholder before the caller answers):
never answered -> «no answer» (and failed after the last attempt), answered -> answered, once; never dialled twice."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import pytest
from django_tenants.utils import schema_context

from tests.engine.test_callback_live import POLICY, RINGS, _own_connection, _ua
from tests.engine.test_engine_live import _agent_id, _public_number, pytestmark, redis_layer  # noqa: F401
from tests.harness.engine_harness import asterisk_with_replaceable_engine, engine_for

pytestmark = pytestmark  # noqa: PLW0127  (Asterisk, baresip, Redis)
RING_SECONDS = 45  # the caller's phone (1004) rings this long: room for an engine restart while it rings


@pytest.fixture(scope="module")
def live(django_db_setup, django_db_blocker, redis_layer):  # type: ignore[no-untyped-def]
    """Asterisk with Sentralbord offering callbacks, 1004 ringing RING_SECONDS, and a restartable engine."""
    import shutil
    import tempfile
    from pathlib import Path

    from contactcenter.models import CallbackPolicy
    from switchboard.models import Extension

    base = Path(tempfile.mkdtemp(prefix="cp-cbretry-"))
    with django_db_blocker.unblock():
        with schema_context("fhi"):
            CallbackPolicy.objects.update_or_create(queue_id=1, defaults=POLICY)
            ring_before = Extension.objects.get(number="1004").ring_seconds
            Extension.objects.filter(number="1004").update(ring_seconds=RING_SECONDS)
        try:
            with asterisk_with_replaceable_engine(base) as box:
                yield box
        finally:
            with schema_context("fhi"):
                CallbackPolicy.objects.filter(queue_id=1).delete()
                Extension.objects.filter(number="1004").update(ring_seconds=ring_before)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def made():  # type: ignore[no-untyped-def]
    """A committed request under the queue's policy with ``policy`` changes; removed afterwards."""
    from contactcenter.models import CallbackPolicy, CallbackRequest

    pks: list[int] = []

    def request(policy: dict, **fields) -> int:  # type: ignore[no-untyped-def]
        def create() -> int:
            CallbackPolicy.objects.update_or_create(queue_id=1, defaults={**POLICY, **policy})
            now = dt.datetime.now(dt.UTC)
            return CallbackRequest.objects.create(queue_id=1, joined_at=now - dt.timedelta(minutes=1),
                                                  expires_at=now + dt.timedelta(hours=1), **fields).pk

        pks.append(_own_connection(create))
        return pks[-1]

    yield request
    _own_connection(lambda: CallbackRequest.objects.filter(pk__in=pks).delete())


def _get(pk: int):  # type: ignore[no-untyped-def]
    from contactcenter.models import CallbackRequest

    return _own_connection(lambda: CallbackRequest.objects.get(pk=pk))


def _retry_job() -> None:
    """The periodic job ``contactcenter.callback_retries`` as the worker runs it: deferred (committed, on a
    connection of its own), then run."""
    from procrastinate.exceptions import AlreadyEnqueued

    from contactcenter.tasks import callback_retries
    from controlplane.jobs import run_pending_jobs

    def run() -> None:
        try:
            callback_retries.defer(timestamp=int(time.time()))
        except AlreadyEnqueued:
            pass  # one is queued already (its queueing lock): that one runs
        run_pending_jobs(queues=["callbacks"])

    _own_connection(run)


def _until(predicate: Callable[[], object], timeout: float, interval: float = 0.5) -> object:
    """Wait in the test's thread (a predicate that reads the database must not block the engine's loop)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("tidsavbrudd")


def _dialling(pk: int):  # type: ignore[no-untyped-def]
    return _until(lambda: (r := _get(pk)).state == "dialling" and r, timeout=20)


def _restart(live: dict) -> None:
    live["et"].stop()
    live["et"] = engine_for(live["ast"].profile)  # a new engine: nothing in memory


@pytest.fixture
def ingrid(live):  # type: ignore[no-untyped-def]
    """Agent Ingrid (1001, answers by herself) logged in to Sentralbord."""
    from contactcenter import live_services as services

    agent_id = _agent_id("fhi", "1001")
    yield agent_id
    services.agent_logout(agency="fhi", agent_id=agent_id)


def _login(live: dict, agent_id: int) -> None:
    from contactcenter import live_services as services

    services.agent_login(agency="fhi", agent_id=agent_id, queue_ids=[1])
    live["et"].wait_for(lambda: live["et"].engine.snapshot("fhi")["agents"].get(str(agent_id), {}).get("state")
                        == "idle", timeout=50)  # after the test before: its wrap-up first


def test_busy_then_the_retry_job_brings_it_back_and_the_second_attempt_is_answered(live, made, ingrid, tmp_path):
    ast = live["ast"]
    agent, customer = _ua(ast, tmp_path, "1001", 43600), _ua(ast, tmp_path, "1004", 43640, answer="manual")
    try:
        _login(live, ingrid)
        pk = made({"retry_minutes": 1, "max_attempts": 2}, number=_public_number("fhi", "1004"))
        assert agent.wait_event(RINGS, timeout=20), "the agent is offered the callback"
        assert customer.wait_event({"CALL_INCOMING"}, timeout=20), "then the caller's phone rings"
        customer.command("hangup")  # rejected while ringing: 486 Busy Here
        first = _until(lambda: (r := _get(pk)).state != "dialling" and r, timeout=20)
        assert first.state == "retry" and first.attempts == 1 and first.outcome.endswith("busy"), first.outcome
        assert dt.timedelta(seconds=55) <= first.next_attempt_at - first.updated_at <= dt.timedelta(seconds=65)
        _retry_job()
        assert _get(pk).state == "retry", "not before the policy's interval"
        assert customer.wait_event({"CALL_INCOMING"}, timeout=2) is None
        again = _until(lambda: (_retry_job(), r := _get(pk))[1].state != "retry" and r, timeout=100, interval=3)
        assert again.state == "waiting" and dt.datetime.now(dt.UTC) >= first.next_attempt_at
        assert agent.wait_event(RINGS, timeout=30), "the agent is offered the retry"
        assert customer.wait_event({"CALL_INCOMING"}, timeout=30), "the caller is dialled again"
        customer.command("accept")
        done = _until(lambda: (r := _get(pk)).state == "done" and r, timeout=20)
        assert done.attempts == 2 and done.outcome.endswith("answered") and done.agent_id == ingrid
        customer.command("hangup")
        assert customer.wait_event({"CALL_INCOMING"}, timeout=4) is None and _get(pk).attempts == 2
    finally:
        agent.stop()
        customer.stop()


def test_a_restart_while_the_caller_rings_unanswered_is_no_answer_and_never_redialled(live, made, ingrid, tmp_path):
    """The last attempt: the engine restarts while the caller's phone rings; it never answers -> «no answer»,
    failed (no attempts left); the retry job does not bring it back, the phone never rings again."""
    ast = live["ast"]
    agent, customer = _ua(ast, tmp_path, "1001", 43680), _ua(ast, tmp_path, "1004", 43720, answer="manual")
    try:
        _login(live, ingrid)
        pk = made({"max_attempts": 1}, number=_public_number("fhi", "1004"))
        assert agent.wait_event(RINGS, timeout=20)
        assert customer.wait_event({"CALL_INCOMING"}, timeout=20)
        _dialling(pk)
        _restart(live)
        ended = _until(lambda: (r := _get(pk)).state != "dialling" and r, timeout=RING_SECONDS + 20)
        assert ended.outcome.endswith("no_answer"), f"not answered: the caller never answered ({ended.outcome})"
        assert ended.state == "failed" and ended.attempts == 1 and ended.answered_at is None
        _retry_job()
        assert _get(pk).state == "failed"
        assert customer.wait_event({"CALL_INCOMING"}, timeout=5) is None, "never dialled twice"
    finally:
        agent.stop()
        customer.stop()


def test_a_restart_while_the_caller_rings_then_answers_is_answered_once(live, made, ingrid, tmp_path):
    ast = live["ast"]
    agent, customer = _ua(ast, tmp_path, "1001", 43760), _ua(ast, tmp_path, "1004", 43800, answer="manual")
    try:
        _login(live, ingrid)
        pk = made({}, number=_public_number("fhi", "1004"))
        assert agent.wait_event(RINGS, timeout=20)
        assert customer.wait_event({"CALL_INCOMING"}, timeout=20)
        _dialling(pk)
        _restart(live)
        et = live["et"]
        et.wait_for(lambda: et.engine.snapshot("fhi")["callbacks"]["in_flight"], timeout=15)  # watching again
        assert _get(pk).state == "dialling", "the caller has not answered: not settled yet"
        customer.command("accept")
        done = _until(lambda: (r := _get(pk)).state != "dialling" and r, timeout=20)
        assert done.state == "done" and done.attempts == 1 and done.outcome.endswith("answered")
        assert done.agent_id == ingrid
        customer.command("hangup")
        assert customer.wait_event({"CALL_INCOMING"}, timeout=5) is None and _get(pk).attempts == 1
    finally:
        agent.stop()
        customer.stop()
