"""The engine's contact with Asterisk as the consoles see it: computed from the links' health and sent to every
active agency's live group on each change, and again as a heartbeat."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.db import active_slugs
from engine.publisher import live_group

if TYPE_CHECKING:
    from engine.core import NodeRuntime

logger = logging.getLogger(__name__)

# The link status goes to every active agency's consoles on each change, and again this often as a
# heartbeat (a console that hears nothing for a few seconds takes the engine as unavailable).
STATUS_REPEAT_S = 2.0
STATUS_SLUGS_TTL_S = 10.0


def link_status(runtimes: Iterable[NodeRuntime]) -> dict:
    """``connected`` (every node's AMI and ARI up), ``degraded`` (a link down or Asterisk not answering) or
    ``no_node``. One node serves every agency."""
    nodes = list(runtimes)
    if not nodes:
        return {"state": "no_node", "ami": False, "ari": False}
    ami = all(rt.ami is not None and rt.ami.health.connected for rt in nodes)
    ari = all(rt.ari is not None and rt.ari.health.connected for rt in nodes)
    return {"state": "connected" if ami and ari else "degraded", "ami": ami, "ari": ari}


@dataclass
class StatusFeed:
    """What the engine last told the consoles about its contact with Asterisk, and to which agencies."""

    sent: dict | None = None
    sent_at: float = 0.0
    slugs: list[str] = field(default_factory=list)
    slugs_at: float = 0.0

    async def publish(self, status: dict, now: float, *, layer: Callable[[], object],
                      pool: concurrent.futures.ThreadPoolExecutor) -> None:
        """Send ``status`` when it changed, and every ``STATUS_REPEAT_S`` as a heartbeat. Never raises (the ticker
        must keep running)."""
        if status == self.sent and now - self.sent_at < STATUS_REPEAT_S:
            return
        if self.sent is not None and status != self.sent:
            logger.info("kontakt med Asterisk: %s (AMI %s, ARI %s)", status["state"], status["ami"], status["ari"])
        try:
            if not self.slugs_at or now - self.slugs_at > STATUS_SLUGS_TTL_S:
                self.slugs = await asyncio.get_running_loop().run_in_executor(pool, active_slugs)
                self.slugs_at = now
            for slug in self.slugs:
                await layer().group_send(live_group(slug), {  # type: ignore[attr-defined]
                    "type": "live.status", "agency": slug, "status": status, "ts": now})
            self.sent, self.sent_at = status, now
        except Exception:
            logger.exception("status til konsollene feilet")
