"""The history writer: AMI events that make history, written in batches on one thread (``engine.history.record``)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging

from engine.history import HISTORY_EVENTS, record

logger = logging.getLogger(__name__)


class HistoryWriter:
    def __init__(self, pool: concurrent.futures.ThreadPoolExecutor) -> None:
        self.pool = pool
        self.queue: asyncio.Queue = asyncio.Queue()
        self.idle = asyncio.Event()
        self.idle.set()

    def offer(self, slug: str, event: dict[str, str]) -> None:
        if event.get("Event") in HISTORY_EVENTS:
            self.idle.clear()
            self.queue.put_nowait((slug, event))

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            try:
                await loop.run_in_executor(self.pool, record_batch, batch)
            except Exception:
                logger.exception("historikk feilet")
            if self.queue.empty():
                self.idle.set()

    async def flush(self, timeout: float = 10) -> None:
        await asyncio.wait_for(self.idle.wait(), timeout)


def record_batch(batch: list[tuple[str, dict]]) -> None:
    from django.db import close_old_connections

    close_old_connections()
    for slug, event in batch:
        try:
            record(slug, event)
        except Exception:
            logger.exception("kunne ikke lagre %s for %s", event.get("Event"), slug)
