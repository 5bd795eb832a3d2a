"""Queues and agents: wiring (what this feature handles)."""

from __future__ import annotations

from engine.features.queues import commands, state
from engine.registry import Registry


def load(registry: Registry) -> None:
    registry.state_part("queues", state.queues_snapshot)
    registry.state_part("agents", state.agents_snapshot)
    registry.on_event("QueueCallerJoin", state.on_caller_join)
    registry.on_event("QueueCallerLeave", state.on_caller_leave)
    registry.on_event("QueueMemberAdded", state.on_member_added)
    registry.on_event("QueueMemberRemoved", state.on_member_removed)
    registry.on_event("QueueMemberStatus", state.on_member_status)
    registry.on_event("QueueMemberPause", state.on_member_status)
    registry.on_event("AgentCalled", state.on_agent_called)
    registry.on_event("AgentConnect", state.on_agent_connect)
    registry.on_event("AgentComplete", state.on_agent_complete)
    # Resync: QueueStatus answers QueueParams (every queue), QueueMember (members, named differently) and
    # QueueEntry (callers waiting).
    registry.on_event("QueueParams", state.on_queue_params)
    registry.on_event("QueueEntry", state.on_queue_entry)
    registry.on_event("QueueMember", state.on_member_added, aliases={"MemberName": "Name", "Interface": "Location"})
    registry.resync({"Action": "QueueStatus"}, sources={
        "QueueCallerJoin": "QueueEntry", "QueueCallerLeave": "QueueEntry", "QueueMemberAdded": "QueueMember",
        "QueueMemberRemoved": "QueueMember", "QueueMemberStatus": "QueueMember", "QueueMemberPause": "QueueMember",
        "AgentCalled": "QueueMember", "AgentConnect": "QueueMember", "AgentComplete": "QueueMember"})
    registry.on_tick(state.expire_wrapups)
    registry.on_command("queue_add", commands.QueueAdd, commands.queue_add)
    registry.on_command("queue_remove", commands.QueueRemove, commands.queue_remove)
    registry.on_command("queue_pause", commands.QueuePause, commands.queue_pause)
