"""Fan-out of live updates to every console of an agency in this process.

Instead of each console subscribing to the agency's group and decoding, filtering and encoding every
message on its own, one listener per agency and process receives the group's messages, merges the
changes of a short window (``window_s``), and sends each console one frame per window: encoded once
per view (every supervisor sees the same frame; an agent's frame depends on their queues and phones).

The engine's contact with Asterisk (``live.status``: connected, degraded, no node) is forwarded to each
console whose last known status differs. The engine repeats it every few seconds; when an agency's
listener hears nothing for ``ENGINE_SILENT_S`` it tells the consoles that the engine is unavailable.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import time
from typing import Any, Protocol

from engine.client import change_key, live_group

logger = logging.getLogger(__name__)

ENGINE_SILENT_S = 6.0
ENGINE_UNAVAILABLE = {"state": "engine_unavailable", "ami": False, "ari": False}


class Console(Protocol):
    view_key: tuple
    status: dict | None  # what this console was last told about the engine (None until its first snapshot)
    def filter_changes(self, changes: list[dict]) -> list[dict]: ...
    def filter_snapshot(self, snapshot: dict) -> dict: ...
    async def base_send(self, message: dict) -> None: ...  # the server's ASGI send (Channels keeps it there)


class LiveHub:
    _hubs: dict[int, LiveHub] = {}

    def __init__(self, layer: Any) -> None:
        from django.conf import settings

        self.layer = layer
        self.window_s = settings.CONSOLE_WINDOW_MS / 1000
        self.members: dict[str, set[Console]] = {}
        self.listeners: dict[str, tuple[str, asyncio.Task]] = {}
        self.pending: dict[str, dict[tuple, dict]] = {}
        self.flushers: dict[str, asyncio.Task] = {}
        self.heard: dict[str, float] = {}  # when each agency's engine status was last heard
        self.watchdogs: dict[str, asyncio.Task] = {}

    @classmethod
    def get(cls, layer: Any) -> LiveHub:
        """One hub per event loop (and so per server process)."""
        loop_id = id(asyncio.get_running_loop())
        hub = cls._hubs.get(loop_id)
        if hub is None or hub.layer is not layer:
            hub = cls._hubs[loop_id] = cls(layer)
            # Everything loaded so far (Django, the apps, the URL conf) lives as long as the process: out of
            # the garbage collector's full passes with it, so that they do not stall every console's frames.
            gc.freeze()
        return hub

    async def join(self, slug: str, console: Console) -> None:
        self.members.setdefault(slug, set()).add(console)
        if slug not in self.listeners:
            channel = await self.layer.new_channel("hub.")
            await self.layer.group_add(live_group(slug), channel)
            self.listeners[slug] = (channel, asyncio.create_task(self._listen(slug, channel)))
            self.watchdogs[slug] = asyncio.create_task(self._watch_engine(slug))

    async def leave(self, slug: str, console: Console) -> None:
        members = self.members.get(slug)
        if not members:
            return
        members.discard(console)
        if not members:
            del self.members[slug]
            channel, task = self.listeners.pop(slug)
            task.cancel()
            self.watchdogs.pop(slug).cancel()
            self.heard.pop(slug, None)
            flusher = self.flushers.pop(slug, None)
            if flusher:
                flusher.cancel()
            self.pending.pop(slug, None)
            await self.layer.group_discard(live_group(slug), channel)

    async def _listen(self, slug: str, channel: str) -> None:
        while True:
            message = await self.layer.receive(channel)
            try:
                if message.get("type") == "live.snapshot":
                    self.pending.pop(slug, None)
                    await self._fan_out(slug, snapshot=message["snapshot"])
                elif message.get("type") == "live.update":
                    pending = self.pending.setdefault(slug, {})
                    for change in message.get("changes", []):
                        earlier = pending.pop(change_key(change), None)
                        pending[change_key(change)] = change if earlier is None else {**change, "ts": earlier.get("ts")}
                    if slug not in self.flushers or self.flushers[slug].done():
                        self.flushers[slug] = asyncio.create_task(self._flush_later(slug))
                elif message.get("type") == "live.status":
                    self.heard[slug] = time.monotonic()
                    await self._send_status(slug, message["status"])
            except Exception:
                logger.exception("utsending til konsollene i %s feilet", slug)

    async def _watch_engine(self, slug: str) -> None:
        """After the engine has been heard once, silence for ``ENGINE_SILENT_S`` means it is unavailable."""
        while True:
            await asyncio.sleep(1)
            heard = self.heard.get(slug)
            if heard is not None and time.monotonic() - heard > ENGINE_SILENT_S:
                try:
                    await self._send_status(slug, ENGINE_UNAVAILABLE)
                except Exception:
                    logger.exception("statusvarsel til konsollene i %s feilet", slug)

    async def _send_status(self, slug: str, status: dict) -> None:
        """Tell every console of the agency whose last known status differs (one encoding for all)."""
        message = {"type": "websocket.send", "text": json.dumps({"type": "status", "status": status})}
        for console in list(self.members.get(slug, ())):
            if console.status is None or console.status == status:
                continue
            console.status = status
            try:
                await console.base_send(message)
            except Exception:  # a console that went away mid-send
                logger.debug("konsoll borte under utsending", exc_info=True)

    async def _flush_later(self, slug: str) -> None:
        await asyncio.sleep(self.window_s)
        changes = list(self.pending.pop(slug, {}).values())
        if changes:
            await self._fan_out(slug, changes=changes)

    async def _fan_out(self, slug: str, *, changes: list[dict] | None = None, snapshot: dict | None = None) -> None:
        """One encoding per view; each console gets the same pre-built ASGI message, handed straight to the
        server's send (Channels' consumer ``send`` would only wrap the text in the same dict, per console)."""
        messages: dict[tuple, dict | None] = {}
        for console in list(self.members.get(slug, ())):
            key = console.view_key
            if snapshot is not None and "status" in snapshot:
                console.status = snapshot["status"]
            if key not in messages:
                if snapshot is not None:
                    frame: str | None = json.dumps({"type": "snapshot", "data": console.filter_snapshot(snapshot)})
                else:
                    mine = console.filter_changes(changes or [])
                    frame = json.dumps({"type": "update", "changes": mine}) if mine else None
                messages[key] = {"type": "websocket.send", "text": frame} if frame is not None else None
            message = messages[key]
            if message is not None:
                try:
                    await console.base_send(message)
                except Exception:  # a console that went away mid-send
                    logger.debug("konsoll borte under utsending", exc_info=True)
