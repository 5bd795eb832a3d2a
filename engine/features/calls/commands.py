"""Calls and supervision: click-to-call, hang up, listen/whisper/barge."""

from __future__ import annotations

from dataclasses import dataclass

from asterisk_conf import naming
from engine.commands import CommandContext, CommandRefused
from engine.guard import ami_value, dial_number
from engine.ownership import check, own_channel, own_interface

_SPY_OPTIONS = {"listen": "qE", "whisper": "qwE", "barge": "qBE"}


@dataclass(frozen=True)
class Originate:
    interface: str
    number: str
    caller_id: str | None = None  # the number dialled, when not given


@dataclass(frozen=True)
class Hangup:
    channel: str


@dataclass(frozen=True)
class Supervise:
    channel: str
    interface: str
    mode: str = ""


async def originate(req: Originate, ctx: CommandContext) -> object:
    """The context and extension are fixed per agency; the number the user typed travels only as a validated
    channel variable."""
    interface = own_interface(ctx.agency, req.interface)
    target = dial_number(req.number)
    caller_id = target if req.caller_id is None else req.caller_id
    return check(await ctx.link.action({
        "Action": "Originate", "Channel": interface, "Context": naming.context(ctx.agency, "c2c"), "Exten": "s",
        "Priority": 1, "Variable": f"C2C_TARGET={target}", "CallerID": ami_value(caller_id),
        "Timeout": 30000, "Async": "true"}))


async def hangup(req: Hangup, ctx: CommandContext) -> object:
    return check(await ctx.link.action({"Action": "Hangup", "Channel": own_channel(ctx.agency, ctx.state, req.channel)}))


async def supervise(req: Supervise, ctx: CommandContext) -> object:
    target = own_channel(ctx.agency, ctx.state, req.channel)
    supervisor = own_interface(ctx.agency, req.interface)
    options = _SPY_OPTIONS.get(req.mode)
    if options is None:
        raise CommandRefused("ukjent overvåkingsmodus")
    return check(await ctx.link.action({
        "Action": "Originate", "Channel": supervisor, "Application": "ChanSpy", "Data": f"{target},{options}",
        "CallerID": "Veileder", "Timeout": 30000, "Async": "true"}))
