"""Run the engine: pick nodes (or start a managed local Asterisk), start links, run until stopped."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from asgiref.sync import sync_to_async
from django.conf import settings

from engine.aio import cancel_task
from engine.core import Engine, NodeConfig
from engine.managed import ManagedAsterisk
from engine.nodes import configured_nodes, managed_profile, node_from_profile

logger = logging.getLogger(__name__)


class EngineRunner:
    def __init__(self, *, manage_asterisk: bool = True, nodes: list[NodeConfig] | None = None,
                 managed: ManagedAsterisk | None = None) -> None:
        """``managed``: a ManagedAsterisk to run and supervise instead of the default local one (tests)."""
        self.manage_asterisk = manage_asterisk
        self.nodes = nodes
        self.engine: Engine | None = None
        self.managed: ManagedAsterisk | None = managed
        self.loop: asyncio.AbstractEventLoop | None = None
        self._supervisor: asyncio.Task | None = None

    async def start(self) -> Engine:
        self.loop = asyncio.get_running_loop()
        nodes = self.nodes if self.nodes is not None else await sync_to_async(
            configured_nodes, thread_sensitive=False)()
        if not nodes and self.manage_asterisk:
            nodes = await self._start_managed()
        self.engine = Engine(nodes)
        if self.managed is not None:
            self.engine.managed_health = self.managed.supervision.as_dict
        await self.engine.start()
        return self.engine

    async def _start_managed(self) -> list[NodeConfig]:
        """Start the managed local Asterisk and supervise it (restart when it dies)."""
        spool = self.managed.profile.spool_dir if self.managed is not None else Path(settings.ASTERISK_SPOOL_DIR)
        if self.managed is None:
            profile = await sync_to_async(managed_profile, thread_sensitive=False)()
            if profile is None:
                logger.warning("Ingen Asterisk-node er satt opp og ingen Asterisk ble funnet: motoren venter uten "
                               "node. Se README for hvordan du får Asterisk.")
                return []
            self.managed = ManagedAsterisk(profile)
        await asyncio.to_thread(self.managed.prepare)
        await asyncio.to_thread(self.managed.start)
        self._supervisor = asyncio.create_task(self.managed.supervise(), name="asterisk-supervisor")
        return [node_from_profile(self.managed.profile, spool)]

    async def stop(self) -> None:
        if self.managed is not None:
            self.managed.begin_stop()
        if self.engine is not None:
            await self.engine.stop()
        await cancel_task(self._supervisor)
        if self.managed is not None:
            await asyncio.to_thread(self.managed.stop)
