"""Callback requests: the caller's place, one dial per attempt (also across restarts), retries in the calling window,
expiry, and Norwegian numbers only."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from contactcenter.callbacks import (
    OSLO,
    callback_attempt_result,
    callback_claim,
    callback_pending_list,
    callback_queue_position,
    callback_request_create,
    callback_retries_due,
    callback_settle_interrupted,
    norwegian_number,
)
from contactcenter.models import CallbackPolicy, CallbackRequest

pytestmark = pytest.mark.django_db

MONDAY_10 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=OSLO)


@pytest.fixture
def fhi():  # type: ignore[no-untyped-def]
    with schema_context("fhi"):
        CallbackPolicy.objects.update_or_create(queue_id=1, defaults={
            "enabled": True, "retry_minutes": 10, "max_attempts": 3, "expire_hours": 8})
        yield


def _request(minutes_ago: int, uid: str, number: str = "22 22 22 22", queue_id: int = 1) -> CallbackRequest:
    return callback_request_create(queue_id=queue_id, number=number, uniqueid=uid, caller_number="22222222",
                                   joined_at=MONDAY_10 - dt.timedelta(minutes=minutes_ago), now=MONDAY_10)


@pytest.mark.parametrize(("raw", "e164"), [("22 22 22 22", "+4722222222"), ("+47 912 34 567", "+4791234567"),
                                           ("004791234567", "+4791234567")])
def test_norwegian_numbers_are_accepted(raw, e164):
    assert norwegian_number(raw) == e164


@pytest.mark.parametrize("raw", ["12345", "+46 8 123 456 78", "", "9123456a", "+47 0000 0000"])
def test_other_numbers_are_refused_in_norwegian(raw):
    with pytest.raises(ValidationError, match="ikke et gyldig norsk telefonnummer"):
        norwegian_number(raw)


def test_queue_without_callbacks_refuses(fhi):
    with pytest.raises(ValidationError, match="tilbyr ikke tilbakeringing"):
        callback_request_create(queue_id=2, number="22222222", joined_at=MONDAY_10, now=MONDAY_10)
    assert not CallbackRequest.objects.exists()


def test_asking_twice_from_the_same_visit_gives_one_request(fhi):
    first = _request(5, "1700000000.1")
    assert _request(5, "1700000000.1").pk == first.pk
    assert CallbackRequest.objects.count() == 1


def test_the_placeholder_enters_between_earlier_and_later_callers():
    joined = 1000.0
    # Two callers joined before the callback's caller, one after: the placeholder enters third, ahead of the later one.
    assert callback_queue_position(joined_at=joined, waiting_joined=[joined - 60, joined + 60, joined - 5]) == 3
    # Everyone still waiting came later (a retry an hour on): the callback is at the head again.
    assert callback_queue_position(joined_at=joined, waiting_joined=[joined + 3600, joined + 60]) == 1
    assert callback_queue_position(joined_at=joined, waiting_joined=[]) == 1


def test_only_queues_inside_their_calling_window_get_placeholders(fhi):
    from contactcenter.selectors import callback_due_rows

    req = _request(3, "u-window", number="22 22 22 22")
    CallbackPolicy.objects.filter(queue_id=1).update(weekdays_only=False, window_opens=dt.time(0, 0),
                                                    window_closes=dt.time(23, 59, 59))
    assert [r["id"] for r in callback_due_rows()] == [req.pk]
    window = (dt.time(0, 0), dt.time(1, 0)) if dt.datetime.now(OSLO).hour >= 12 else (dt.time(23, 0), dt.time(23, 59))
    CallbackPolicy.objects.filter(queue_id=1).update(window_opens=window[0], window_closes=window[1])
    assert callback_due_rows() == [], "outside the calling window no placeholder takes an agent"


def test_an_attempt_is_claimed_once(fhi):
    req = _request(5, "1700000000.2")
    assert callback_claim(request_id=req.pk, claimed_by="engine-a:1", now=MONDAY_10) is not None
    assert callback_claim(request_id=req.pk, claimed_by="engine-b:1", now=MONDAY_10) is None
    req.refresh_from_db()
    assert (req.state, req.attempts, req.claimed_by) == ("dialling", 1, "engine-a:1")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_engines_racing_for_one_attempt_dial_once():
    from contactcenter.models import Queue

    with schema_context("fhi"):  # an earlier transactional test may have emptied the demo data: bring a queue
        queue = Queue.objects.order_by("id").first() or Queue.objects.create(name="Kappløp")
        CallbackPolicy.objects.update_or_create(queue=queue, defaults={"enabled": True})
        req = _request(5, "1700000000.3", queue_id=queue.pk)
    wins: list[object] = []
    barrier = threading.Barrier(4)

    def claim(name: str) -> None:
        with schema_context("fhi"):
            barrier.wait()
            wins.append(callback_claim(request_id=req.pk, claimed_by=name, now=MONDAY_10))
        connection.close()

    threads = [threading.Thread(target=claim, args=(f"engine-{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(1 for w in wins if w is not None) == 1


def test_restart_mid_callback_settles_the_attempt_and_never_redials_it(fhi):
    req = _request(5, "1700000000.4")
    callback_claim(request_id=req.pk, claimed_by="engine:1", now=MONDAY_10)
    # The engine restarts; Asterisk has no channel carrying the claim any more.
    assert callback_settle_interrupted(live_claims=[], now=MONDAY_10) == [req.pk]
    req.refresh_from_db()
    assert req.state == "retry" and req.attempts == 1
    assert callback_claim(request_id=req.pk, claimed_by="engine:2", now=MONDAY_10) is None
    # A late report from the old attempt changes nothing.
    assert callback_attempt_result(request_id=req.pk, claimed_by="engine:1", result="answered", now=MONDAY_10) is None
    # A call still up after the restart is left alone.
    other = _request(4, "1700000000.5")
    callback_claim(request_id=other.pk, claimed_by="engine:3", now=MONDAY_10)
    assert callback_settle_interrupted(live_claims=["engine:3"], now=MONDAY_10) == []


def test_no_answer_retries_in_the_window_then_fails(fhi):
    req = _request(5, "1700000000.6")
    now = MONDAY_10
    for attempt in (1, 2):
        assert callback_claim(request_id=req.pk, claimed_by=f"e:{attempt}", now=now)
        done = callback_attempt_result(request_id=req.pk, claimed_by=f"e:{attempt}", result="no_answer", now=now)
        assert done.state == "retry" and done.next_attempt_at == now + dt.timedelta(minutes=10)
        assert callback_claim(request_id=req.pk, claimed_by="early", now=now + dt.timedelta(minutes=5)) is None
        now += dt.timedelta(minutes=10)
        assert callback_retries_due(now=now) == {"expired": 0, "due": 1}
    assert callback_claim(request_id=req.pk, claimed_by="e:3", now=now)
    assert callback_attempt_result(request_id=req.pk, claimed_by="e:3", result="busy", now=now).state == "failed"


def test_retry_waits_for_the_next_morning_and_answered_is_done(fhi):
    req = _request(5, "1700000000.7")
    late = dt.datetime(2026, 12, 4, 15, 25, tzinfo=OSLO)  # a Friday, five minutes before the window closes
    CallbackRequest.objects.filter(pk=req.pk).update(expires_at=late + dt.timedelta(days=4))
    assert callback_claim(request_id=req.pk, claimed_by="e:1", now=late)
    done = callback_attempt_result(request_id=req.pk, claimed_by="e:1", result="no_answer", now=late)
    assert done.next_attempt_at == dt.datetime(2026, 12, 7, 8, 0, tzinfo=OSLO)  # Monday morning, not the weekend
    assert callback_claim(request_id=req.pk, claimed_by="e:2", now=dt.datetime(2026, 12, 5, 12, 0, tzinfo=OSLO)) is None
    callback_retries_due(now=done.next_attempt_at)
    assert callback_claim(request_id=req.pk, claimed_by="e:2", now=done.next_attempt_at)
    final = callback_attempt_result(request_id=req.pk, claimed_by="e:2", result="answered", agent_id=1,
                                    now=done.next_attempt_at)
    assert final.state == "done" and final.agent_id == 1 and final.answered_at == done.next_attempt_at


def test_expired_requests_are_never_dialled(fhi):
    req = _request(5, "1700000000.8")
    later = MONDAY_10 + dt.timedelta(hours=8, minutes=1)
    assert callback_claim(request_id=req.pk, claimed_by="e:1", now=later) is None
    assert callback_retries_due(now=later)["expired"] == 1
    req.refresh_from_db()
    assert req.state == "expired"


def test_pending_list_shows_the_place(fhi):
    later = _request(2, "1700000000.9", number="91234567")
    earlier = _request(9, "1700000000.10")
    rows = callback_pending_list(queue_ids=[1])
    assert [(r["id"], r["place"]) for r in rows] == [(earlier.pk, 1), (later.pk, 2)]
    assert rows[1]["number"] == "+4791234567" and rows[0]["queue"] == "Sentralbord"


def test_wallboard_counts_pending_callbacks_and_the_oldest(fhi):
    from contactcenter.wallboard import wallboard_figures

    _request(2, "1700000001.1")
    oldest = _request(9, "1700000001.2")
    done = _request(20, "1700000001.3")
    CallbackRequest.objects.filter(pk=done.pk).update(state="done")
    figs = wallboard_figures(queue_ids=[1], now=MONDAY_10)["callbacks"]
    assert figs == {"pending": 2, "oldest_waited_s": int((MONDAY_10 - oldest.joined_at).total_seconds())}
    assert wallboard_figures(queue_ids=[2], now=MONDAY_10)["callbacks"] == {"pending": 0, "oldest_waited_s": None}
