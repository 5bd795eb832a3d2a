"""The ARI side of one node: the engine's Stasis application. ARI events are handled one at a time, in order, by the
handlers the features registered (``registry.on_stasis``); after every (re)connect the pick-up handlers rebuild what
the features keep from the bridges and channels Asterisk still has (``registry.on_ari_connected``). The changes they
return are published like the AMI side's (``live.update`` to ``live.<slug>``)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.aio import cancel_task
from engine.ari import AriLink
from engine.registry import Registry

logger = logging.getLogger(__name__)

Publish = Callable[[str, list[dict]], None]


@dataclass
class StasisNode:
    name: str
    registry: Registry
    publish: Publish
    link: AriLink | None = None
    services: dict[str, object] = field(default_factory=dict)
    picked_up_at: float = 0.0
    _queue: asyncio.Queue = field(default_factory=asyncio.Queue)
    _task: asyncio.Task | None = None

    def __post_init__(self) -> None:
        self.services = {name: factory() for name, factory in self.registry.services.items()}

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"stasis-{self.name}")

    async def stop(self) -> None:
        await cancel_task(self._task)

    def offer(self, event: dict) -> None:
        """Called by the ARI link for every event (on the engine's loop)."""
        if event.get("type") in self.registry.stasis_handlers:
            self._queue.put_nowait(("event", event))

    async def connected(self, link: AriLink) -> None:
        self.link = link
        self._queue.put_nowait(("pick_up", None))

    def snapshot(self, slug: str) -> dict[str, dict]:
        return {key: part(self, slug) for key, part in self.registry.stasis_parts.items()}

    async def _run(self) -> None:
        while True:
            kind, event = await self._queue.get()
            try:
                if kind == "pick_up":
                    for handler in self.registry.pick_up_handlers:
                        self._emit(await handler(self))
                    self.picked_up_at = time.time()
                else:
                    for handler in self.registry.stasis_handlers.get(event["type"], ()):
                        self._emit(await handler(self, event))
            except Exception:
                logger.exception("ARI-hendelse %s feilet", kind if event is None else event.get("type"))

    def _emit(self, changes: list[tuple[str, dict]]) -> None:
        by_slug: dict[str, list[dict]] = {}
        for slug, change in changes or ():
            by_slug.setdefault(slug, []).append(change)
        for slug, items in by_slug.items():
            self.publish(slug, items)
