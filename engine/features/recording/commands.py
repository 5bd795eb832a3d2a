"""Recording: start and stop MixMonitor on an agency's own channel, into the agency's recordings folder.

A caller who opted out by key during the recording notice (``REC_OPTOUT`` = 1 on the call's channels, set in the
queue's dialplan and inherited by the agent's leg) is not recorded mid-call either, unless the request says the
legal basis chosen overrides the opt-out (``override_opt_out``; only ``contactcenter.recordings`` sets it, from a
legal basis marked for abusive calls). The engine checks the channels live, so a stale console cannot bypass it."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from engine.commands import CommandContext, CommandRefused
from engine.ownership import check, own_channel

OPTED_OUT = ("Innringeren har reservert seg mot opptak. Opptak kan bare startes med et rettslig grunnlag for "
             "truende eller krenkende samtaler.")


@dataclass(frozen=True)
class RecordStart:
    channel: str
    override_opt_out: bool = False


@dataclass(frozen=True)
class RecordStop:
    channel: str


async def record_start(req: RecordStart, ctx: CommandContext) -> object:
    channel = own_channel(ctx.agency, ctx.state, req.channel)
    live = ctx.state.agencies[ctx.agency]
    linkedid = next(ch.linkedid for ch in live.channels.values() if ch.channel == channel)
    if not re.fullmatch(r"[0-9]+\.[0-9]+", linkedid):
        raise CommandRefused("ugyldig samtale-ID")
    opted_out = await _opted_out(ctx, linkedid)
    if opted_out and not req.override_opt_out:
        raise CommandRefused(OPTED_OUT)
    folder = ctx.recordings_dir / ctx.agency / "recordings"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{linkedid}-{int(time.time())}.wav"
    check(await ctx.link.action({"Action": "MixMonitor", "Channel": channel, "File": str(path)}))
    return {"path": str(path), "linkedid": linkedid, "opted_out": opted_out}


async def _opted_out(ctx: CommandContext, linkedid: str) -> bool:
    """Whether any of the agency's live channels of this call carries ``REC_OPTOUT`` = 1."""
    live = ctx.state.agencies[ctx.agency]
    for ch in [c.channel for c in live.channels.values() if c.linkedid == linkedid]:
        resp = await ctx.link.action({"Action": "Getvar", "Channel": ch, "Variable": "REC_OPTOUT"})
        if isinstance(resp, dict) and str(resp.get("Value", "")).strip() == "1":
            return True
    return False


async def record_stop(req: RecordStop, ctx: CommandContext) -> object:
    return check(await ctx.link.action({"Action": "StopMixMonitor",
                                        "Channel": own_channel(ctx.agency, ctx.state, req.channel)}))
