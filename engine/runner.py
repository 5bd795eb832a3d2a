"""Run the engine: pick nodes (or start a managed local Asterisk), start links, run until stopped."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from asgiref.sync import sync_to_async
from django.conf import settings

from engine.core import Engine, NodeConfig
from engine.managed import ManagedAsterisk
from engine.nodes import configured_nodes, managed_profile, node_from_profile

logger = logging.getLogger(__name__)


class EngineRunner:
    def __init__(self, *, manage_asterisk: bool = True, nodes: list[NodeConfig] | None = None) -> None:
        self.manage_asterisk = manage_asterisk
        self.nodes = nodes
        self.engine: Engine | None = None
        self.managed: ManagedAsterisk | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> Engine:
        self.loop = asyncio.get_running_loop()
        nodes = self.nodes if self.nodes is not None else await sync_to_async(
            configured_nodes, thread_sensitive=False)()
        if not nodes and self.manage_asterisk:
            profile = await sync_to_async(managed_profile, thread_sensitive=False)()
            if profile is None:
                logger.warning("Ingen Asterisk-node er satt opp og ingen Asterisk ble funnet: motoren venter uten "
                               "node. Se README for hvordan du får Asterisk.")
            else:
                self.managed = ManagedAsterisk(profile)
                await asyncio.to_thread(self.managed.prepare)
                await asyncio.to_thread(self.managed.start)
                nodes = [node_from_profile(profile, Path(settings.ASTERISK_SPOOL_DIR))]
        self.engine = Engine(nodes)
        await self.engine.start()
        return self.engine

    async def stop(self) -> None:
        if self.engine is not None:
            await self.engine.stop()
        if self.managed is not None:
            await asyncio.to_thread(self.managed.stop)
