"""Baseline for bench/console_fanout.py: a bare ASGI WebSocket app, served by the same uvicorn (same
``--ws`` implementation) as the real server, with no Django, no Channels and no channel layer.

``/engine/`` takes the engine's messages (the bench's Engine publishes through a one-connection "layer"
instead of Redis); ``/ws/live/`` is a console: a snapshot frame, then every change merged over the same
window (``BARE_WINDOW_MS``), keyed as the hub keys them, encoded once and sent to every console. What the
real server spends beyond this is ours: Redis pub/sub, Channels, the consumer and the hub.

Run: ``uvicorn _bare_ws:app --app-dir bench --ws websockets-sansio``.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

WINDOW_S = float(os.environ.get("BARE_WINDOW_MS", "30")) / 1000
consoles: set[Any] = set()  # the ASGI send callables of the connected consoles
pending: dict[tuple, dict] = {}
flusher: asyncio.Task | None = None


def _key(change: dict) -> tuple:
    return (change["kind"], change.get("queue") or change.get("agent_id") or change.get("uniqueid"))


async def _flush_later() -> None:
    await asyncio.sleep(WINDOW_S)
    changes = list(pending.values())
    pending.clear()
    if changes:
        frame = json.dumps({"type": "update", "changes": changes})
        for send in list(consoles):
            try:
                await send({"type": "websocket.send", "text": frame})
            except Exception:  # noqa: S112 - a console that went away mid-send
                continue


def _on_engine_message(message: dict) -> None:
    global flusher
    if message.get("type") != "live.update":
        return
    for change in message.get("changes", []):
        earlier = pending.pop(_key(change), None)
        pending[_key(change)] = change if earlier is None else {**change, "ts": earlier.get("ts")}
    if flusher is None or flusher.done():
        flusher = asyncio.create_task(_flush_later())


async def app(scope: dict, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    if scope["type"] != "websocket":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    engine = scope["path"] == "/engine/"
    if not engine:
        await send({"type": "websocket.send", "text": json.dumps({"type": "snapshot", "data": {}})})
        consoles.add(send)
    try:
        while True:
            event = await receive()
            if event["type"] == "websocket.disconnect":
                return
            if engine:
                _on_engine_message(json.loads(event.get("text") or event.get("bytes") or "{}"))
    finally:
        consoles.discard(send)
