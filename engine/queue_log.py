"""Asterisk's queue_log: app_queue's own line per queue event, written by the Asterisk the platform
configures (logger.conf ``queue_log = yes``, see asterisk_conf/runtime.py).

AMI's AgentComplete sometimes carries neither the caller's nor the agent's channel (app_queue reports
after the channels are gone), and under load an event can be late or missing. The queue_log line is
written by app_queue itself with the caller's uniqueid as call ID, so the engine reads it and fills
what the events left open: a visit without talk time gets it (and its answer, if AgentConnect was
missed too) from COMPLETECALLER, COMPLETEAGENT or a transfer line.

Line format: ``time|callid|queuename|agent|event|data1|data2|...``
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from django_tenants.utils import schema_context

from asterisk_conf import naming

logger = logging.getLogger(__name__)

COMPLETIONS = frozenset({"COMPLETECALLER", "COMPLETEAGENT", "BLINDTRANSFER", "ATTENDEDTRANSFER"})


@dataclass(frozen=True)
class Entry:
    at: float
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]


def parse_line(line: str) -> Entry | None:
    parts = line.rstrip("\n").split("|")
    if len(parts) < 5:
        return None
    try:
        at = float(parts[0])
    except ValueError:
        return None
    return Entry(at=at, callid=parts[1], queue=parts[2], agent=parts[3], event=parts[4], data=tuple(parts[5:]))


def _int(value: str) -> int:
    try:
        return max(0, int(value))
    except ValueError:
        return 0


@dataclass
class QueueLogReader:
    """Reads new complete lines from the file, from where it stopped last time. Entries younger than
    ``grace`` seconds are held back one round, so the AMI events for them are recorded first."""

    path: Path
    grace: float = 3.0
    offset: int = 0
    pending: list[Entry] = field(default_factory=list)

    def read_ready(self, now: float) -> list[Entry]:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return []
        if size < self.offset:  # rotated or truncated: start over (reconciling is idempotent)
            self.offset = 0
        with self.path.open("rb") as f:
            f.seek(self.offset)
            data = f.read(size - self.offset)
        complete = data[:data.rfind(b"\n") + 1]
        self.offset += len(complete)
        for line in complete.decode("utf-8", errors="replace").splitlines():
            entry = parse_line(line)
            if entry is not None and entry.event in COMPLETIONS:
                self.pending.append(entry)
        ready = [e for e in self.pending if e.at <= now - self.grace]
        self.pending = [e for e in self.pending if e.at > now - self.grace]
        return ready


def reconcile(entries: list[Entry]) -> int:
    """Fill answered visits from completion lines. Returns how many visits got their talk time here."""
    from contactcenter import history
    from engine.history import STATS

    filled = 0
    for entry in entries:
        queue = naming.parse_queue_name(entry.queue)
        member = naming.parse_member_name(entry.agent)
        if queue is None or len(entry.data) < 3:
            continue
        # COMPLETE*: holdtime|calltime|origposition; transfers end with the same three fields.
        waited, talk = _int(entry.data[-3]), _int(entry.data[-2])
        agent_id = member[1] if member and member[0] == queue[0] else None
        try:
            with schema_context(queue[0]):
                changed = history.queue_visit_reconciled(
                    uniqueid=entry.callid, queue_id=queue[1], agent_id=agent_id, waited=waited, talk_seconds=talk,
                    transferred=entry.event.endswith("TRANSFER"), at=dt.datetime.fromtimestamp(entry.at, tz=dt.UTC))
        except Exception:
            logger.exception("queue_log-linje for %s kunne ikke avstemmes", entry.callid)
            continue
        if changed:
            filled += 1
            logger.info("samtaletid for %s i %s hentet fra queue_log", entry.callid, entry.queue)
    STATS["reconciled_from_queue_log"] += filled
    return filled


async def reconcile_loop(path: Path, pool: concurrent.futures.Executor, *, interval: float = 5.0,
                         grace: float = 3.0) -> None:
    """Run for the engine's lifetime: every ``interval`` seconds, reconcile what queue_log has that is
    at least ``grace`` seconds old. Runs in the history writer's thread, so writes stay in order."""
    reader = QueueLogReader(path, grace=grace)
    loop = asyncio.get_running_loop()
    while True:
        await asyncio.sleep(interval)
        try:
            entries = await loop.run_in_executor(pool, reader.read_ready, time.time())
            if entries:
                await loop.run_in_executor(pool, _reconcile_in_thread, entries)
        except Exception:
            logger.exception("avstemming mot queue_log feilet")


def _reconcile_in_thread(entries: list[Entry]) -> int:
    from django.db import close_old_connections

    close_old_connections()
    return reconcile(entries)
