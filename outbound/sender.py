"""The mass sender: per-recipient rows claimed atomically before the gateway is called, so a send killed mid-way
and resumed never sends a message twice.

Row states: pending -> claimed (``UPDATE .. WHERE state = 'pending' .. FOR UPDATE SKIP LOCKED``, committed before
the HTTP call) -> sent (gateway accepted) -> delivered / undelivered (delivery report). A row left ``claimed`` by
a killed sender is the one message in flight at the kill: nobody knows whether the gateway got it. It is decided
by the delivery report: the platform asks Kannel for the SMSC-accepted report (dlr 8) carrying the row's own id;
a report moves the row on (it was sent). A claimed row still without a report once the reports for every message
handed over before it have arrived (and ``grace`` seconds more) is released to pending and sent again: the
gateway never handed it to the operator, so resending cannot duplicate it. The rows in flight at a kill are at
most one batch (40). If an operator accepts a message but its report is lost, that one message is sent twice
(the log shows both); a gateway that never reports has its claimed rows released after ten times ``grace``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from outbound.gateway import GatewayError, Outgoing, SmsGateway
from outbound.models import MessageState, SmsMessage

Row = tuple[int, str, str, str]  # id, number, body, encoding


class Pacer:
    """At most ``rate`` calls per second across threads (the agency's throttle)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / max(rate, 0.001)
        self.next = time.monotonic()
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            slot = max(self.next, now)
            self.next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


def claim(*, send_id: int, limit: int) -> list[Row]:
    """Claim up to ``limit`` pending rows of a send (committed before anything is sent)."""
    table = SmsMessage._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} SET state = %s, claimed_at = now() WHERE id IN ("
            f" SELECT id FROM {table} WHERE send_id = %s AND state = %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)"
            " RETURNING id, number, body, encoding",
            [MessageState.CLAIMED, send_id, MessageState.PENDING, limit])
        return sorted(cur.fetchall())


def release_stale(*, send_id: int, grace_seconds: float) -> int:
    """Claimed rows without a report go back to pending once the reports have caught up with them: every row
    handed over before them has its report, the last of those came more than ``grace`` seconds ago (reports come
    roughly in the order the messages went out, so a backlog is waited out rather than taken for lost messages).
    After ten times ``grace`` they are released regardless (a gateway that never reports)."""
    now = timezone.now()
    cutoff = now - timezone.timedelta(seconds=grace_seconds)
    rows = SmsMessage.objects.filter(send_id=send_id)
    stale = rows.filter(state=MessageState.CLAIMED, claimed_at__lt=cutoff, smsc_accepted_at__isnull=True)
    first = stale.aggregate(first=Min("pk"), claimed=Min("claimed_at"))
    if first["first"] is None:
        return 0
    earlier = rows.filter(pk__lt=first["first"])
    waiting = earlier.filter(state=MessageState.SENT, smsc_accepted_at__isnull=True).exists()
    latest = earlier.aggregate(last=Max("smsc_accepted_at"))["last"]
    overdue = first["claimed"] < now - timezone.timedelta(seconds=10 * grace_seconds)
    if not overdue and (waiting or (latest is not None and latest > cutoff)):
        return 0
    return stale.update(state=MessageState.PENDING, claimed_at=None)


def _deliver(gateway: SmsGateway, pacer: Pacer, sender: str, report_url: Callable[[int], str],
             row: Row) -> tuple[int, str, str]:
    pacer.wait()
    msg_id, number, body, encoding = row
    try:
        gid = gateway.send(Outgoing(to=number, sender=sender, text=body, encoding=encoding, report_url=report_url(msg_id)))
    except GatewayError as exc:
        return msg_id, "", str(exc)[:300]
    return msg_id, gid, ""


def _record(results: list[tuple[int, str, str]]) -> None:
    now = timezone.now()
    ok = [(i, g) for i, g, err in results if not err]
    claimed = SmsMessage.objects.filter(state=MessageState.CLAIMED)
    with transaction.atomic():
        claimed.filter(pk__in=[i for i, g in ok if not g]).update(state=MessageState.SENT, sent_at=now)
        for msg_id, gid in (x for x in ok if x[1]):
            claimed.filter(pk=msg_id).update(state=MessageState.SENT, sent_at=now, gateway_id=gid)
        for msg_id, _g, err in (r for r in results if r[2]):
            claimed.filter(pk=msg_id).update(state=MessageState.FAILED, error=err)
        SmsMessage.objects.filter(pk__in=[i for i, g in ok], sent_at__isnull=True).update(sent_at=now)


def run_rows(*, send_id: int, gateway: SmsGateway, sender: str, rate: float, report_url: Callable[[int], str],
             heartbeat: Callable[[], None], grace_seconds: float, batch: int = 40, threads: int = 8) -> int:
    """Send every pending row of the send; returns how many were handed to the gateway by this run."""
    pacer, handed = Pacer(rate), 0
    release_stale(send_id=send_id, grace_seconds=grace_seconds)
    with ThreadPoolExecutor(threads, thread_name_prefix="sms") as pool:
        while True:
            rows = claim(send_id=send_id, limit=batch)
            if not rows:
                if not _wait_for_claims(send_id=send_id, grace_seconds=grace_seconds):
                    return handed
                continue
            results = list(pool.map(lambda r: _deliver(gateway, pacer, sender, report_url, r), rows))
            _record(results)
            handed += sum(1 for r in results if not r[2])
            heartbeat()


def _wait_for_claims(*, send_id: int, grace_seconds: float) -> bool:
    """Rows another (dead) sender left claimed: wait for their reports, release those that never get one.
    True when rows went back to pending (send them), False when the send has nothing left."""
    while SmsMessage.objects.filter(send_id=send_id, state=MessageState.CLAIMED).exists():
        if release_stale(send_id=send_id, grace_seconds=grace_seconds):
            return True
        time.sleep(0.5)
    return SmsMessage.objects.filter(send_id=send_id, state=MessageState.PENDING).exists()
