"""The command channel: every command message gets its own task and one reply (``engine.reply``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from engine.ami import AmiError
from engine.ari import AriError
from engine.commands import CommandRefused

logger = logging.getLogger(__name__)

Execute = Callable[[str, str, dict], Awaitable[object]]


async def listen(layer: object, channel: str, execute: Execute) -> None:
    while True:
        message = await layer.receive(channel)  # type: ignore[attr-defined]
        asyncio.create_task(answer(layer, message, execute))


async def answer(layer: object, message: dict, execute: Execute) -> None:
    reply = {"type": "engine.reply", "id": message.get("id")}
    try:
        reply.update(ok=True, data=await execute(message["op"], message["agency"], message.get("args", {})))
    except CommandRefused as exc:
        reply.update(ok=False, error=str(exc))
    except (AmiError, AriError, TimeoutError) as exc:
        # Asterisk down or hanging: an ordinary refusal (one line), not a bug with a traceback.
        logger.warning("kommando %s avvist: Asterisk er ikke tilgjengelig (%s)", message.get("op"),
                       exc or type(exc).__name__)
        reply.update(ok=False, error=f"Asterisk er ikke tilgjengelig: {exc or type(exc).__name__}")
    except Exception as exc:
        logger.exception("kommando %s feilet", message.get("op"))
        reply.update(ok=False, error=f"{type(exc).__name__}: {exc}")
    if message.get("reply"):
        await layer.send(message["reply"], reply)  # type: ignore[attr-defined]
