"""Resync: after every (re)connect, rebuild a node's live state from the resync actions the features registered,
publish full snapshots, then close in the history what Asterisk no longer has."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from engine import closing, presence
from engine.db import active_slugs

if TYPE_CHECKING:
    from engine.core import Engine, NodeRuntime

logger = logging.getLogger(__name__)


async def rebuild(rt: NodeRuntime) -> tuple[set[str], set[str]]:
    """Forget the node's state and rebuild it from Asterisk. Returns the linkedids and uniqueids Asterisk has."""
    assert rt.ami is not None
    rt.state.reset()
    linkedids, uniqueids = set(), set()
    rt.presence = presence.empty()
    for action in rt.state.registry.resync_actions:
        for ev in await rt.ami.action(action, as_list=True, timeout=15):
            if not isinstance(ev, dict):
                continue
            rt.state.apply(ev)
            presence.collect(ev, rt.presence)
            if ev.get("Linkedid"):  # every channel Asterisk still has
                linkedids.add(ev["Linkedid"])
            if ev.get("Uniqueid"):
                uniqueids.add(ev["Uniqueid"])
    rt.resynced_at = time.time()
    return linkedids, uniqueids


async def resync(engine: Engine, rt: NodeRuntime) -> None:
    known = closing.known_ids(rt.state)
    members_before = closing.members(rt.state)
    cutoff = time.time()
    live = await rebuild(rt)
    slugs = set(rt.state.agencies) | set(await asyncio.get_running_loop().run_in_executor(
        engine.history_pool, active_slugs))
    for slug in sorted(slugs):
        engine.publisher.put(slug, {"type": "live.snapshot", "agency": slug, "snapshot": engine.snapshot(slug),
                                    "ts": time.time()})
    logger.info("resynkronisert %s: %d etater", rt.config.name, len(slugs))
    closing.check_members(rt, members_before)
    if engine.record_history:
        await closing.close_lost(engine, rt, live=live, known=known, cutoff=cutoff)
