"""After a resync: close in the history what Asterisk no longer has (cut calls and queue visits), recover the gap's
finished calls from Asterisk's CDR, and notice queue memberships Asterisk lost."""

from __future__ import annotations

import asyncio
import datetime
import logging
import time
from typing import TYPE_CHECKING

from engine.db import active_slugs
from engine.state import LiveState

if TYPE_CHECKING:
    from engine.core import Engine, NodeRuntime

logger = logging.getLogger(__name__)


def members(state: LiveState) -> set[tuple[str, int, str]]:
    """(agency, agent ID, queue) for every queue membership the node's live state knows."""
    return {(slug, agent.agent_id, queue) for slug, live in state.agencies.items() for agent in live.agents.values()
            for queue in agent.queues}


def known_ids(state: LiveState) -> set[str]:
    """Linkedids of every channel the node's live state knows."""
    return {ch.linkedid for live in state.agencies.values() for ch in live.channels.values()}


def check_members(rt: NodeRuntime, before: set[tuple[str, int, str]]) -> None:
    """Asterisk keeps queue members across its own restarts (persistentmembers, astdb in its data dir). If it
    lost them anyway (astdb gone, node replaced), say so: the agents must log in again."""
    missing = sorted(before - members(rt.state))
    rt.members_lost = [{"agency": slug, "agent_id": aid, "queue": queue} for slug, aid, queue in missing]
    if missing:
        logger.warning("%s: %d kømedlemskap fantes ikke lenger etter gjenoppkoblingen (agentene må logge inn "
                       "igjen): %s", rt.config.name, len(missing), ", ".join(f"{s}-a{a} i {q}" for s, a, q in missing))


def _loss_reason(rt: NodeRuntime) -> tuple[str, bool, float]:
    """Why the node's open calls were cut, whether Asterisk restarted, and when the AMI link was lost (0: not)."""
    assert rt.ami is not None
    started = rt.ami.asterisk_started_at
    restarted = bool(rt.asterisk_started_at) and abs(started - rt.asterisk_started_at) > 2
    rt.asterisk_started_at = started
    lost_at, rt.lost_at = rt.lost_at, 0.0
    if restarted:
        return "avbrutt: Asterisk startet på nytt", restarted, lost_at
    if lost_at:
        return "avbrutt: borte fra Asterisk etter brudd i forbindelsen", restarted, lost_at
    return "avbrutt: borte fra Asterisk da motoren startet", restarted, lost_at


async def close_lost(engine: Engine, rt: NodeRuntime, *, live: tuple[set[str], set[str]], known: set[str],
                     cutoff: float) -> None:
    """Close every call and queue visit the history has open and Asterisk no longer has, and record the time
    without AMI as a gap. With one node every open row is the node's; with several, only the calls this
    node's state knew are closed."""
    reason, restarted, lost_at = _loss_reason(rt)
    job = {"node": rt.config.name, "live": live, "only": known if len(engine.runtimes) > 1 else None,
           "before": cutoff, "at": lost_at or cutoff, "reason": reason, "restarted": restarted,
           "gap": (lost_at, cutoff) if lost_at else None, "cdr": rt.config.cdr_path, "cdr_offset": rt.cdr_offset,
           "presence": rt.presence}
    try:
        await engine.flush_history(timeout=3)  # events from before the loss first
    except TimeoutError:
        logger.warning("historikken var ikke ajour før lukking av avbrutte samtaler på %s", rt.config.name)
    try:
        closed = await asyncio.get_running_loop().run_in_executor(engine.history_pool, close_lost_calls, job)
    except Exception:
        logger.exception("kunne ikke lukke avbrutte samtaler på %s", rt.config.name)
        return
    rt.cdr_offset = closed.pop("cdr_offset")
    rt.last_closing = {"at": time.time(), "reason": reason, **closed}
    if closed["calls"] or closed["visits"]:
        logger.warning("%s: lukket %d samtaler og %d købesøk som Asterisk ikke lenger hadde (%s)",
                       rt.config.name, closed["calls"], closed["visits"], reason)


def close_lost_calls(job: dict) -> dict[str, int]:
    """Runs on the history thread: recover the gap's finished calls from the CDR, then close what is left."""
    from django.db import close_old_connections
    from django_tenants.utils import schema_context

    from contactcenter import history

    close_old_connections()
    utc = datetime.UTC
    when = {key: datetime.datetime.fromtimestamp(job[key], tz=utc) for key in ("before", "at")}
    gap = tuple(datetime.datetime.fromtimestamp(t, tz=utc) for t in job["gap"]) if job["gap"] else None
    recovered, offset = recover_from_cdr(job, gap)
    total = {"calls": 0, "visits": 0, "agencies": 0, "recovered": 0, "sessions": 0, "cdr_offset": offset}
    for slug in active_slugs():
        with schema_context(slug):
            n_recovered = sum(history.call_recovered(
                linkedid=c.linkedid, direction=c.direction, caller_number=c.caller_number, dialed=c.dialed,
                started_at=c.started_at, answered_at=c.answered_at, ended_at=c.ended_at,
                reason="hentet fra Asterisks CDR etter brudd") for c in recovered if c.slug == slug)
            closed = history.calls_closed_after_loss(
                live_linkedids=job["live"][0], live_uniqueids=job["live"][1], before=when["before"], at=when["at"],
                reason=job["reason"], only_linkedids=job["only"])
            total["sessions"] += _presence_reconciled(job, slug, when["at"])
            if gap:
                history.history_gap_recorded(node=job["node"], started_at=gap[0], ended_at=gap[1],
                                             asterisk_restarted=job["restarted"], recovered_calls=n_recovered)
        total["calls"] += closed["calls"]
        total["visits"] += closed["visits"]
        total["recovered"] += n_recovered
        total["agencies"] += 1
    return total


def _presence_reconciled(job: dict, slug: str, at: datetime.datetime) -> int:
    """The agency's sessions and pauses set right against QueueStatus (``engine.presence``); a failure is logged
    and stops neither the closing of calls nor the other agencies."""
    from contactcenter import history

    if slug not in job["presence"].get("agencies", ()):
        return 0
    try:
        done = history.agent_presence_reconciled(members=job["presence"]["members"].get(slug, []), at=at)
    except Exception:
        logger.exception("innlogginger og pauser for %s kunne ikke settes riktig etter resynk", slug)
        return 0
    return done["sessions_closed"] + done["sessions_opened"]


def recover_from_cdr(job: dict, gap: tuple | None) -> tuple[list, int]:
    """Calls that ended in the gap, from the CDR appended since the last resync; and the new read offset."""
    from engine import cdr

    path, offset = job["cdr"], job["cdr_offset"]
    if path is None:
        return [], -1
    if offset < 0 or gap is None:  # first connect: start reading from here
        return [], path.stat().st_size if path.exists() else 0
    rows, offset = cdr.read_since(path, offset)
    # Legs that ended just before the loss was noticed may have missed their Hangup event too: 3 s of slack.
    return cdr.calls_in_gap(rows, gap[0] - datetime.timedelta(seconds=3), gap[1]), offset
