"""Queue membership and pause: an agent logs in to a queue, out of it, and pauses."""

from __future__ import annotations

from dataclasses import dataclass

from engine.commands import CommandContext
from engine.guard import ami_value
from engine.ownership import check, own_interface, own_member, own_queue


@dataclass(frozen=True)
class QueueAdd:
    queue: str
    interface: str
    member: str
    penalty: int = 0


@dataclass(frozen=True)
class QueueRemove:
    queue: str
    interface: str


@dataclass(frozen=True)
class QueuePause:
    interface: str
    paused: bool = False
    reason: str = ""


async def queue_add(req: QueueAdd, ctx: CommandContext) -> object:
    interface = own_interface(ctx.agency, req.interface)
    resp = await ctx.link.action({
        "Action": "QueueAdd", "Queue": own_queue(ctx.agency, req.queue), "Interface": interface,
        "StateInterface": interface, "MemberName": own_member(ctx.agency, req.member), "Penalty": req.penalty})
    if isinstance(resp, dict) and "Already there" in resp.get("Message", ""):
        return {"already": True}
    return check(resp)


async def queue_remove(req: QueueRemove, ctx: CommandContext) -> object:
    resp = await ctx.link.action({"Action": "QueueRemove", "Queue": own_queue(ctx.agency, req.queue),
                                  "Interface": own_interface(ctx.agency, req.interface)})
    if isinstance(resp, dict) and "Not there" in resp.get("Message", ""):
        return {"already": True}
    return check(resp)


async def queue_pause(req: QueuePause, ctx: CommandContext) -> object:
    action = {"Action": "QueuePause", "Interface": own_interface(ctx.agency, req.interface),
              "Paused": "true" if req.paused else "false"}
    if req.paused and req.reason:
        action["Reason"] = ami_value(req.reason, what="pauseårsak")
    return check(await ctx.link.action(action))
