"""Agents' logins and pauses after a resync. QueueStatus answers QueueParams for every queue of the node and
QueueMember for every member, with when the member logged in (``LoginTime``) and whether and since when it is paused
(``Paused``, ``LastPause``, ``PausedReason``). The history's open sessions and pauses are set right against it
(``contactcenter.history.agent_presence_reconciled``): logins, logouts and pauses that happened while the engine had
no AMI are not lost, and a session whose logout was missed does not stay open for days."""

from __future__ import annotations

from asterisk_conf import naming


def empty() -> dict:
    """Agencies with a queue on the node, and per agency its members as Asterisk has them now."""
    return {"agencies": set(), "members": {}}


def _epoch(value: str | None) -> float:
    try:
        return max(float(value or 0), 0.0)
    except ValueError:
        return 0.0


def collect(ev: dict[str, str], presence: dict) -> None:
    """Note one event of the QueueStatus answer (others are ignored)."""
    name = ev.get("Event")
    queue = naming.parse_queue_name(ev.get("Queue", ""))
    if queue is None or name not in ("QueueParams", "QueueMember"):
        return
    presence["agencies"].add(queue[0])
    member = naming.parse_member_name(ev.get("Name") or ev.get("MemberName", ""))
    if name != "QueueMember" or member is None or member[0] != queue[0]:
        return
    presence["members"].setdefault(queue[0], []).append({
        "agent_id": member[1], "queue_id": queue[1], "login_at": _epoch(ev.get("LoginTime")),
        "paused": ev.get("Paused") == "1", "paused_at": _epoch(ev.get("LastPause")),
        "reason": ev.get("PausedReason", "")})
