"""Recording: start and stop MixMonitor on an agency's own channel, into the agency's recordings folder."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from engine.commands import CommandContext, CommandRefused
from engine.ownership import check, own_channel


@dataclass(frozen=True)
class RecordStart:
    channel: str


@dataclass(frozen=True)
class RecordStop:
    channel: str


async def record_start(req: RecordStart, ctx: CommandContext) -> object:
    channel = own_channel(ctx.agency, ctx.state, req.channel)
    live = ctx.state.agencies[ctx.agency]
    linkedid = next(ch.linkedid for ch in live.channels.values() if ch.channel == channel)
    if not re.fullmatch(r"[0-9]+\.[0-9]+", linkedid):
        raise CommandRefused("ugyldig samtale-ID")
    folder = ctx.recordings_dir / ctx.agency / "recordings"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{linkedid}-{int(time.time())}.wav"
    check(await ctx.link.action({"Action": "MixMonitor", "Channel": channel, "File": str(path)}))
    return {"path": str(path), "linkedid": linkedid}


async def record_stop(req: RecordStop, ctx: CommandContext) -> object:
    return check(await ctx.link.action({"Action": "StopMixMonitor",
                                        "Channel": own_channel(ctx.agency, ctx.state, req.channel)}))
