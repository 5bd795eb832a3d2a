"""Faults without a real Asterisk: the AMI login guard, closing what a lost Asterisk cut (history services) and
how the wallboard counts it. The same paths run against a real Asterisk in tests/engine/test_faults_live.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from engine.ami import AmiLink
from engine.guard import UnsafeValue


def _link(secret: str, port: int, username: str = "controlplane") -> AmiLink:
    async def connected(link: AmiLink) -> None:
        return None

    return AmiLink(name="t", host="127.0.0.1", port=port, username=username, secret=secret,
                   on_event=lambda ev: None, on_connected=connected)


@pytest.mark.parametrize("secret,username", [("hemmelig\r\nAction: Originate\r\nChannel: PJSIP/nkh-p1", "cp"),
                                             ("hemmelig\nx", "cp"), ("hemmelig", "cp\r\nAction: Ping")])
def test_ami_login_with_crlf_is_refused_before_connecting(secret, username):
    """A secret or username with CR/LF could end the Login action and start another: refused, and no TCP
    connection is ever made to Asterisk."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)
    port = server.getsockname()[1]

    async def attempt() -> None:
        link = _link(secret, port, username)
        with pytest.raises(UnsafeValue, match="kontrolltegn"):
            link.start()
        with pytest.raises(UnsafeValue):
            await link._connect_once()

    try:
        asyncio.run(attempt())
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody connected
    finally:
        server.close()


def test_cancelled_login_is_an_ordinary_failed_attempt():
    """A hung Asterisk never answers the login; the link gives up and cancels it. panoramisk's callback would
    raise (asyncio logs a traceback per attempt); ours records a failed login."""
    from engine.ami import _Manager

    async def run() -> bool:
        manager = _Manager(loop=asyncio.get_running_loop(), host="127.0.0.1", port=1, username="u", secret="s")
        future = asyncio.get_running_loop().create_future()
        future.cancel()
        return manager.login(future)

    assert asyncio.run(run()) is False


@pytest.mark.django_db
def test_cut_calls_are_closed_with_reason_and_counted_apart_on_the_wallboard():
    from contactcenter import history
    from contactcenter.models import Call, QueueVisit
    from contactcenter.wallboard import wallboard_figures

    now = timezone.now()
    lost = now - dt.timedelta(seconds=30)
    with schema_context("nkh"):
        QueueVisit.objects.all().delete()
        answered_call = Call.objects.create(linkedid="9.1", direction="inbound", started_at=now - dt.timedelta(minutes=3),
                                            answered_at=now - dt.timedelta(minutes=2))
        waiting_call = Call.objects.create(linkedid="9.2", direction="inbound", started_at=now - dt.timedelta(minutes=1))
        live_call = Call.objects.create(linkedid="9.3", direction="inbound", started_at=now - dt.timedelta(minutes=1))
        common = {"queue_id": 1, "position_on_entry": 1}
        QueueVisit.objects.create(call=answered_call, uniqueid="9.1", entered_at=answered_call.started_at,
                                  outcome="answered", waited_seconds=60, answered_at=answered_call.answered_at,
                                  ended_at=answered_call.answered_at, **common)
        QueueVisit.objects.create(call=waiting_call, uniqueid="9.2", entered_at=waiting_call.started_at, **common)
        QueueVisit.objects.create(call=live_call, uniqueid="9.3", entered_at=live_call.started_at, **common)
        reason = "avbrutt: Asterisk startet på nytt"
        closed = history.calls_closed_after_loss(live_linkedids={"9.3"}, live_uniqueids={"9.3"}, before=now,
                                                 at=lost, reason=reason)
        again = history.calls_closed_after_loss(live_linkedids={"9.3"}, live_uniqueids={"9.3"}, before=now,
                                                at=lost, reason=reason)
        calls = {c.linkedid: c for c in Call.objects.filter(linkedid__startswith="9.")}
        visits = {v.uniqueid: v for v in QueueVisit.objects.all()}
        figs = wallboard_figures(queue_ids=[1], now=now)["queues"]["1"]["today"]
    assert closed == {"calls": 2, "visits": 2} and again == {"calls": 0, "visits": 0}
    assert calls["9.1"].ended_at == lost and calls["9.1"].end_reason == reason and calls["9.1"].talk_seconds == 90
    assert calls["9.2"].ended_at == lost and calls["9.3"].ended_at is None
    assert visits["9.1"].outcome == "answered" and visits["9.1"].talk_seconds == 90
    assert visits["9.2"].outcome == "cut" and visits["9.2"].waited_seconds == 30 and visits["9.2"].end_reason == reason
    assert visits["9.3"].outcome == "waiting"
    # The cut visit is a call, but neither answered nor abandoned: the abandon rate counts only callers who gave up.
    assert figs["calls"] == 3 and figs["answered"] == 1 and figs["abandoned"] == 0 and figs["cut"] == 1
    assert figs["abandon_rate_pct"] == 0.0 and figs["service_level_pct"] is not None


# Written by the managed Asterisk 22.10.1 here (cdr_csv as asterisk_conf/runtime.py configures it): 1007 called
# queue 7002, nobody answered, the caller hung up after 2 s.
CDR_LINE = ('"","1007","queue-3","t-fhi-dest",""""" <1007>","PJSIP/fhi-p7-00000000","","Queue","t-fhi-q3,t,,,600",'
            '"2026-11-22 07:05:01","2026-11-22 07:05:01","2026-11-22 07:05:03",2,2,"ANSWERED","DOCUMENTATION",'
            '"1795331101.0","","1795331101.0",0\n')


def test_cdr_rows_from_the_gap_become_one_call_per_agency(tmp_path):
    from engine import cdr

    path = tmp_path / "Master.csv"
    path.write_text(CDR_LINE + CDR_LINE[:40])  # the second line is still being written
    rows, offset = cdr.read_since(path, 0)
    assert len(rows) == 1 and offset == len(CDR_LINE.encode())
    utc = dt.UTC
    calls = cdr.calls_in_gap(rows, dt.datetime(2026, 11, 22, 7, 5, tzinfo=utc), dt.datetime(2026, 11, 22, 7, 6, tzinfo=utc))
    assert calls == [cdr.RecoveredCall(
        slug="fhi", linkedid="1795331101.0", direction="internal", caller_number="1007", dialed="",
        started_at=dt.datetime(2026, 11, 22, 7, 5, 1, tzinfo=utc), answered_at=None,
        ended_at=dt.datetime(2026, 11, 22, 7, 5, 3, tzinfo=utc))]
    # Outside the gap (it ended before the loss): not recovered; read again from the offset: nothing new.
    assert cdr.calls_in_gap(rows, dt.datetime(2026, 11, 22, 8, 0, tzinfo=utc), dt.datetime(2026, 11, 22, 9, 0, tzinfo=utc)) == []
    assert cdr.read_since(path, offset)[0] == []
