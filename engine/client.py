"""Talk to the engine through the channel layer (works in-process and across processes)."""

from __future__ import annotations

import asyncio
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from engine.core import command_channel


class EngineUnavailable(RuntimeError):
    pass


class EngineRefused(RuntimeError):
    pass


async def engine_call(op: str, agency: str, args: dict | None = None, *, timeout: float = 8) -> object:
    layer = get_channel_layer()
    reply = await layer.new_channel("engine.reply.")
    request_id = uuid.uuid4().hex
    await layer.send(command_channel(layer), {"type": "engine.command", "id": request_id, "op": op, "agency": agency,
                                       "args": args or {}, "reply": reply})
    try:
        answer = await asyncio.wait_for(layer.receive(reply), timeout)
    except TimeoutError as exc:
        raise EngineUnavailable("Motoren svarer ikke. Er den startet?") from exc
    if not answer.get("ok"):
        raise EngineRefused(answer.get("error", "ukjent feil"))
    return answer.get("data")


def engine_call_sync(op: str, agency: str, args: dict | None = None, *, timeout: float = 8) -> object:
    return async_to_sync(engine_call)(op, agency, args, timeout=timeout)
