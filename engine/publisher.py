"""The publisher: live changes to each agency's Channels group ``live.<slug>``, coalesced."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from asterisk_conf import naming
from engine.wire import change_key

logger = logging.getLogger(__name__)


def live_group(slug: str) -> str:
    return f"live.{naming.checked_slug(slug)}"


def coalesce(items: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """One message per agency: a snapshot supersedes the changes before it, and an object changed twice is sent
    once (changes are whole objects), keeping the time of its oldest change."""
    out: list[tuple[str, dict]] = []
    pending: dict[str, dict] = {}
    for slug, message in items:
        if message["type"] == "live.snapshot":
            pending.pop(slug, None)  # the snapshot supersedes changes before it
            out.append((slug, message))
            continue
        batch = pending.get(slug)
        if batch is None:
            batch = pending[slug] = {"type": "live.update", "agency": slug, "changes": {}, "ts": message["ts"]}
            out.append((slug, batch))
        for change in message["changes"]:
            key = change_key(change)
            earlier = batch["changes"].pop(key, None)
            # "ts" is when the oldest change folded into this one happened: latency is measured from there.
            batch["changes"][key] = {**change, "ts": earlier["ts"] if earlier else message["ts"]}
    return [(slug, {**m, "changes": list(m["changes"].values())} if m["type"] == "live.update" else m)
            for slug, m in out]


class Publisher:
    def __init__(self, layer: Callable[[], object], coalesce_s: float) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self._layer = layer
        self.coalesce_s = coalesce_s
        self.published = 0
        self.published_changes = 0

    def put(self, slug: str, message: dict) -> None:
        self.queue.put_nowait((slug, message))

    async def run(self) -> None:
        """Send changes to each agency's group, coalesced: changes that arrive within ``coalesce_s`` of the
        first are sent as one message per agency. A busy queue then costs every console a few frames per second
        instead of one per change; a quiet one adds at most ``coalesce_s`` of delay."""
        while True:
            items = [await self.queue.get()]
            if self.coalesce_s > 0:
                await asyncio.sleep(self.coalesce_s)
            while not self.queue.empty():
                items.append(self.queue.get_nowait())
            for slug, message in coalesce(items):
                try:
                    await self._layer().group_send(live_group(slug), message)  # type: ignore[attr-defined]
                    self.published += 1
                    self.published_changes += len(message.get("changes", ()))
                except Exception:
                    logger.exception("publisering til %s feilet", slug)
