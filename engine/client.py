"""Talk to the engine through the channel layer (works in-process and across processes).

This is the one way across the process line: the web side (consumers, views, admin actions and the
live services in ``contactcenter.live_services``) imports nothing of ``engine`` but this module. What
the web side needs of the wire (the agency's live group, the guard's checks and its error) is
re-exported here; ``tests/controlplane/test_import_rules.py`` holds the apps to it.

Every event loop that calls the engine has one reply channel, opened on the first call and kept for
the loop's life; answers are matched to calls by request id. A reply channel per call would leave one
Redis pub/sub subscription behind per call (channels_redis only drops a subscription when a receive is
cancelled), so a busy web process would grow without end.
"""

from __future__ import annotations

import asyncio
import threading
import uuid

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer
from redis.exceptions import RedisError

from engine.aio import cancel_task
from engine.core import command_channel, live_group
from engine.guard import UnsafeValue, ami_value, dial_number
from engine.wire import change_key

__all__ = ["EngineRefused", "EngineUnavailable", "UnsafeValue", "ami_value", "change_key", "command_channel", "dial_number",
           "engine_call", "engine_call_sync", "live_group"]


class EngineUnavailable(RuntimeError):
    pass


class EngineRefused(RuntimeError):
    pass


class _Replies:
    """The reply channel of one event loop and the calls waiting on it."""

    def __init__(self, layer: object) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.waiting: dict[str, asyncio.Future] = {}
        self._task: asyncio.Task | None = None
        self._lock = asyncio.Lock()

    async def open(self) -> str:
        async with self._lock:
            if self._task is None or self._task.done():
                self.channel = await self.layer.new_channel("engine.reply.")  # type: ignore[attr-defined]
                self._task = asyncio.create_task(self._pump(self.channel), name="engine-replies")
            assert self.channel is not None
            return self.channel

    async def _pump(self, channel: str) -> None:
        while True:
            answer = await self.layer.receive(channel)  # type: ignore[attr-defined]
            future = self.waiting.pop(answer.get("id"), None)
            if future is not None and not future.done():
                future.set_result(answer)

    async def close(self) -> None:
        await cancel_task(self._task)


_replies: dict[asyncio.AbstractEventLoop, _Replies] = {}
_replies_lock = threading.Lock()


def _replies_for(layer: object) -> tuple[_Replies, _Replies | None]:
    """This loop's reply channel for ``layer`` (and the one it replaces, if the layer changed)."""
    loop = asyncio.get_running_loop()
    with _replies_lock:
        current = _replies.get(loop)
        if current is not None and current.layer is layer:
            return current, None
        for closed in [lp for lp in _replies if lp.is_closed()]:
            del _replies[closed]
        _replies[loop] = _Replies(layer)
        return _replies[loop], current


async def engine_call(op: str, agency: str, args: dict | None = None, *, timeout: float = 8) -> object:
    layer = get_channel_layer()
    replies, replaced = _replies_for(layer)
    if replaced is not None:
        await replaced.close()
    request_id = uuid.uuid4().hex
    future: asyncio.Future = asyncio.get_running_loop().create_future()
    replies.waiting[request_id] = future
    try:
        async with asyncio.timeout(timeout):
            reply = await replies.open()
            await layer.send(command_channel(layer), {"type": "engine.command", "id": request_id, "op": op,  # type: ignore[union-attr]
                                                 "agency": agency, "args": args or {}, "reply": reply})
            answer = await future
    except TimeoutError as exc:
        raise EngineUnavailable("Motoren svarer ikke. Er den startet?") from exc
    except (OSError, RedisError, ChannelFull) as exc:
        raise EngineUnavailable("Kanal-laget (Redis) svarer ikke, så motoren kan ikke nås.") from exc
    finally:
        replies.waiting.pop(request_id, None)
    if not answer.get("ok"):
        raise EngineRefused(answer.get("error", "ukjent feil"))
    return answer.get("data")


def engine_call_sync(op: str, agency: str, args: dict | None = None, *, timeout: float = 8) -> object:
    return async_to_sync(engine_call)(op, agency, args, timeout=timeout)
