"""Hold and transfer: blind and attended transfer, hold with music and resume."""

from __future__ import annotations

from dataclasses import dataclass

from asterisk_conf import naming
from engine.commands import CommandContext, CommandRefused
from engine.guard import UnsafeValue, channel_name, dial_number
from engine.ownership import check, has_channel, own_channel, peer_of


@dataclass(frozen=True)
class BlindTransfer:
    channel: str
    number: str


@dataclass(frozen=True)
class AttendedTransfer:
    channel: str
    number: str


@dataclass(frozen=True)
class Hold:
    channel: str


@dataclass(frozen=True)
class Resume:
    channel: str


async def blind_transfer(req: BlindTransfer, ctx: CommandContext) -> object:
    mine = own_channel(ctx.agency, ctx.state, req.channel)
    target = dial_number(req.number)
    peer = peer_of(ctx.agency, ctx.state, mine)
    check(await ctx.link.action({"Action": "Setvar", "Channel": peer, "Variable": "XFER_TARGET", "Value": target}))
    return check(await ctx.link.action({"Action": "Redirect", "Channel": peer,
                                        "Context": naming.context(ctx.agency, "xfer"), "Exten": "s", "Priority": 1}))


async def attended_transfer(req: AttendedTransfer, ctx: CommandContext) -> object:
    """AMI Atxfer plays the transfer feature into the call as DTMF followed by the number, exactly as if
    the operator had pressed the transfer key and dialled it: so the number can only be validated digits,
    and the context is the agency's own phones context (never one the user names)."""
    mine = own_channel(ctx.agency, ctx.state, req.channel)
    target = dial_number(req.number)
    return check(await ctx.link.action({"Action": "Atxfer", "Channel": mine,
                                        "Context": naming.context(ctx.agency, "phones"), "Exten": target}))


async def hold(req: Hold, ctx: CommandContext) -> object:
    """Put the other party on hold (music) and park the operator's own channel. Which channel belongs to
    which is kept on the operator's channel in Asterisk (HOLD_PEER), so a restarted engine can resume."""
    mine = own_channel(ctx.agency, ctx.state, req.channel)
    peer = peer_of(ctx.agency, ctx.state, mine)
    check(await ctx.link.action({"Action": "Setvar", "Channel": mine, "Variable": "HOLD_PEER", "Value": peer}))
    context = naming.context(ctx.agency, "hold")
    return check(await ctx.link.action({"Action": "Redirect", "Channel": peer, "Context": context, "Exten": "caller",
                                        "Priority": 1, "ExtraChannel": mine, "ExtraContext": context,
                                        "ExtraExten": "agent", "ExtraPriority": 1}))


async def resume(req: Resume, ctx: CommandContext) -> object:
    mine = own_channel(ctx.agency, ctx.state, req.channel)
    resp = await ctx.link.action({"Action": "Getvar", "Channel": mine, "Variable": "HOLD_PEER"})
    peer = resp.get("Value", "") if isinstance(resp, dict) else ""
    try:
        channel_name(peer)
    except UnsafeValue as exc:
        raise CommandRefused("samtalen står ikke på vent") from exc
    if naming.agency_of(peer) != ctx.agency:
        raise CommandRefused("motparten tilhører en annen etat")
    if not has_channel(ctx.agency, ctx.state, peer):
        raise CommandRefused("den som sto på vent, har lagt på")
    return check(await ctx.link.action({"Action": "Bridge", "Channel1": mine, "Channel2": peer, "Tone": "no"}))
