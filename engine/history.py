"""Turn AMI events into call history in the agency's schema (through contactcenter.history)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
from collections import Counter

from django_tenants.utils import schema_context

from asterisk_conf import naming
from contactcenter import history

logger = logging.getLogger(__name__)
_INTERNAL = re.compile(r"[1-9][0-9]{1,5}|[*#][0-9]{1,4}")

HISTORY_EVENTS = frozenset({"Newchannel", "Hangup", "DialEnd", "QueueCallerJoin", "AgentConnect", "AgentComplete",
                            "QueueCallerAbandon", "QueueCallerLeave", "BlindTransfer", "AttendedTransfer",
                            "QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause"})

# How queue completions were matched since the process started (health, bench/history_load.py):
# matched_by_uniqueid / matched_by_linkedid / matched_by_member / unmatched / reconciled_from_queue_log,
# and the AgentComplete shapes seen: shape_full / shape_agent_only / shape_no_channels.
STATS: Counter[str] = Counter()


def _at(event: dict[str, str]) -> dt.datetime:
    try:
        ts = float(event["Timestamp"])
    except (KeyError, ValueError):
        ts = time.time()
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC)


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def record(slug: str, event: dict[str, str]) -> None:
    """Persist what one event means for the call history of ``slug``. Runs inside the agency's schema."""
    name = event.get("Event")
    if name not in HISTORY_EVENTS:
        return
    with schema_context(slug):
        _record_boundary(slug, name, event)
        _record(name, event)


# Events that matter for calls between agencies (see _record_boundary): the called side learns the caller's number.
BOUNDARY_EVENTS = frozenset({"NewCallerid", "DialEnd"})
HISTORY_EVENTS = HISTORY_EVENTS | BOUNDARY_EVENTS


def _boundary_half(slug: str, channel: str) -> tuple[str, int] | None:
    """(role, half) when ``channel`` is one of ``slug``'s halves of the boundary between agencies."""
    parsed = naming.parse_local_channel(channel)
    if parsed is None or parsed[0] != slug or parsed[1] not in ("xin", "xout"):
        return None
    return parsed[1], parsed[2]


def _record_boundary(slug: str, name: str, ev: dict[str, str]) -> None:
    """History of calls between agencies. Every channel is named for the agency whose dialplan it runs
    (asterisk_conf.render._boundary_contexts), so each agency records its own side under the shared
    linkedid: the caller's agency from its phone (an ordinary outbound call, answered when the caller's
    Dial to its ``xout`` half is answered), the callee's agency from its ``xin;2`` half, which enters the
    agency's public numbers like a trunk call (inbound, dialled number, caller number, answered, ended).
    The ordinary rules (``_record``) run after this for the same event; none of them acts on these halves."""
    linkedid = ev.get("Linkedid", "")
    half = _boundary_half(slug, ev.get("Channel", ""))
    if not linkedid:
        return
    at = _at(ev)
    if half == ("xin", 2):
        if name == "Newchannel":
            history.call_started(linkedid=linkedid, direction="inbound", caller_number="",
                                 dialed=f"+{ev.get('Exten', '')}", at=at)
        elif name == "NewCallerid":
            history.call_caller_known(linkedid=linkedid, caller_number=ev.get("CallerIDNum", ""))
        elif name == "DialEnd" and ev.get("DialStatus") == "ANSWER":
            history.call_answered(linkedid=linkedid, at=at)
        elif name == "Hangup":
            history.call_ended(linkedid=linkedid, at=at, cause=ev.get("Cause-txt", ""))
    elif name == "DialEnd" and ev.get("DialStatus") == "ANSWER" and _boundary_half(slug, ev.get("DestChannel", "")):
        history.call_answered(linkedid=linkedid, at=at)  # our phone's call to another agency was answered


def _record(name: str, ev: dict[str, str]) -> None:
    at = _at(ev)
    uniqueid, linkedid = ev.get("Uniqueid", ""), ev.get("Linkedid", "")
    queue = naming.parse_queue_name(ev.get("Queue", ""))
    member = naming.parse_member_name(ev.get("MemberName", ""))
    if name == "Newchannel" and uniqueid and uniqueid == linkedid:
        own_phone = naming.parse_phone_channel(ev.get("Channel", ""))
        exten = ev.get("Exten", "")
        if own_phone:
            direction = "internal" if _INTERNAL.fullmatch(exten) else "outbound"
        else:
            direction = "inbound"
        history.call_started(linkedid=linkedid, direction=direction, caller_number=ev.get("CallerIDNum", ""),
                             dialed=exten, at=at)
    elif name == "Hangup" and uniqueid and uniqueid == linkedid:
        history.call_ended(linkedid=linkedid, at=at, cause=ev.get("Cause-txt", ""))
    elif name == "QueueCallerJoin" and queue:
        history.queue_visit_joined(linkedid=linkedid or uniqueid, uniqueid=uniqueid, queue_id=queue[1],
                                   caller_number=ev.get("CallerIDNum", ""), position=_int(ev.get("Position")),
                                   at=at)
    elif name == "AgentConnect" and queue:
        history.queue_visit_answered(uniqueid=uniqueid, queue_id=queue[1], agent_id=member[1] if member else None,
                                     waited=_int(ev.get("HoldTime")), at=at)
    elif name == "AgentComplete" and queue:
        _completed(ev, queue_id=queue[1], agent_id=member[1] if member else None, at=at)
    elif name == "DialEnd" and ev.get("DialStatus") == "ANSWER" and linkedid:
        history.call_answered(linkedid=linkedid, at=at)  # direct calls; queue calls are answered here too
    elif name == "QueueCallerAbandon" and queue:
        history.queue_visit_abandoned(uniqueid=uniqueid, queue_id=queue[1], waited=_int(ev.get("HoldTime")), at=at)
    elif name == "QueueCallerLeave" and queue:
        history.queue_visit_left(uniqueid=uniqueid, queue_id=queue[1], at=at)
    elif name == "QueueMemberAdded" and queue and member:  # an agent's logins, for the estimated wait
        history.agent_session_started(agent_id=member[1], queue_id=queue[1], at=at)
    elif name == "QueueMemberRemoved" and queue and member:
        history.agent_session_ended(agent_id=member[1], queue_id=queue[1], at=at)
    elif name == "QueueMemberPause" and member:  # pauses, for the agent report and the estimated wait
        _paused(ev, agent_id=member[1], at=at)
    elif name in ("BlindTransfer", "AttendedTransfer"):
        lid = ev.get("TransfererLinkedid") or ev.get("OrigTransfererLinkedid") or linkedid
        if lid:
            history.call_transferred(linkedid=lid)


def _paused(ev: dict[str, str], *, agent_id: int, at: dt.datetime) -> None:
    if ev.get("Paused") == "1":
        history.agent_pause_started(agent_id=agent_id, reason=ev.get("PausedReason", ""), at=at)
    elif ev.get("Paused") == "0":
        history.agent_pause_ended(agent_id=agent_id, at=at)


def _completed(ev: dict[str, str], *, queue_id: int, agent_id: int | None, at: dt.datetime) -> None:
    """AgentComplete comes in three shapes from Asterisk 22: with the caller's and the agent's channel
    fields, with only the agent's (Dest*), or with neither (the channels were gone when app_queue
    reported). Match by every key it gives; what still does not match is left to the queue_log."""
    STATS["shape_full" if "Uniqueid" in ev else "shape_agent_only" if "DestUniqueid" in ev else "shape_no_channels"] += 1
    how = history.queue_visit_completed(
        uniqueid=ev.get("Uniqueid", ""), linkedid=ev.get("Linkedid") or ev.get("DestLinkedid", ""),
        queue_id=queue_id, agent_id=agent_id, talk_seconds=_int(ev.get("TalkTime")),
        transferred=ev.get("Reason") == "transfer", at=at)
    STATS[f"matched_by_{how}" if how else "unmatched"] += 1
    if not how:
        logger.info("AgentComplete i kø %s for %s uten treff; fylles fra queue_log", ev.get("Queue"),
                    ev.get("MemberName"))
