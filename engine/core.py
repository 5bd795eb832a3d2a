"""The engine's core: AMI and ARI links to every Asterisk node and their lifecycle, the live state per node, the
publisher, the history writer, the command channel and reload. What the live state holds, which commands exist and
what a resync asks Asterisk come from the enabled features (``engine.registry``, ``engine.features``); the core
imports no feature.

Flow 2 (Asterisk event -> browser) and flow 3 (browser action -> Asterisk) meet here. The engine
publishes changes to the Channels group ``live.<slug>`` of the event's agency and answers commands
on the channel ``engine.commands`` (with the channel layer's prefix, CHANNEL_PREFIX).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from asterisk_conf import naming
from asterisk_conf import status as config_status
from engine import command_loop, commands, queue_log, resync
from engine.aio import cancel_tasks, finish_within
from engine.ami import AmiLink
from engine.ari import AriLink
from engine.db import close_db, load_wrapups
from engine.history_writer import HistoryWriter
from engine.publisher import Publisher, live_group
from engine.registry import ActionContext, Registry, default_registry
from engine.stasis import StasisNode
from engine.state import LiveState
from engine.status import StatusFeed, link_status

__all__ = ["COMMAND_CHANNEL", "Engine", "NodeConfig", "NodeRuntime", "command_channel", "live_group"]

logger = logging.getLogger(__name__)

COMMAND_CHANNEL = "engine.commands"
ARI_APP = naming.STASIS_APP


def command_channel(layer: object) -> str:
    """The engine's command channel on ``layer``, with the layer's prefix: channels_redis' pub/sub layer prefixes
    groups and new channels but publishes a named channel as is, so without it every engine on one Redis server
    (other deployments, other test runs) would get, and answer, every command. The pub/sub layer answers
    ``.prefix`` only inside an event loop; its configuration is read directly so sync callers work too."""
    config = getattr(layer, "__dict__", {}).get("_kwargs")
    prefix = config.get("prefix", "asgi") if isinstance(config, dict) else getattr(layer, "prefix", "")
    return f"{prefix}{COMMAND_CHANNEL}"


@dataclass(frozen=True)
class NodeConfig:
    name: str
    host: str
    ami_port: int
    ari_port: int
    ami_username: str
    ami_secret: str
    ari_username: str
    ari_secret: str
    recordings_dir: Path
    queue_log: Path | None = None  # the node's queue_log file, where the engine can read it (managed Asterisk)
    cdr_path: Path | None = None  # Asterisk's CDR CSV, when the engine can read it (the managed Asterisk)


@dataclass
class NodeRuntime:
    config: NodeConfig
    state: LiveState
    ami: AmiLink | None = None
    ari: AriLink | None = None
    stasis: StasisNode | None = None  # the ARI side: Stasis handlers and services of the features
    resynced_at: float = 0.0
    lost_at: float = 0.0  # when the AMI link was last lost (0: not since the last resync)
    asterisk_started_at: float = 0.0
    last_closing: dict = field(default_factory=dict)
    cdr_offset: int = -1  # how far the CDR file was read (-1: not yet)
    members_lost: list[dict] = field(default_factory=list)
    presence: dict = field(default_factory=dict)  # agents' logins and pauses as the last resync found them


@dataclass
class Engine:
    nodes: list[NodeConfig]
    layer: object = None
    record_history: bool = True
    runtimes: dict[str, NodeRuntime] = field(default_factory=dict)
    last_reload: dict = field(default_factory=dict)
    coalesce_s: float = 0.005
    status_feed: StatusFeed = field(default_factory=StatusFeed)
    queue_log_interval: float = 5.0
    managed_health: Callable[[], dict] | None = None  # the managed Asterisk's supervisor (engine.managed)
    registry: Registry = field(default_factory=default_registry)  # the enabled features (engine.features.ENABLED)

    def __post_init__(self) -> None:
        self.publisher = Publisher(lambda: self.layer, self.coalesce_s)
        self._pub_q = self.publisher.queue  # the benches watch its length
        self._tasks: list[asyncio.Task] = []
        self.history_pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="history")
        self.history = HistoryWriter(self.history_pool)
        self._wrapups: dict[str, int] = {}
        self._signals: set[asyncio.Task] = set()

    @property
    def published(self) -> int:
        return self.publisher.published

    @property
    def published_changes(self) -> int:
        return self.publisher.published_changes

    # -- lifecycle ----------------------------------------------------------------------------------------------------
    async def start(self, *, listen_commands: bool = True) -> None:
        if self.layer is None:
            from channels.layers import get_channel_layer

            self.layer = get_channel_layer()
        await self.reload_queue_settings()
        for cfg in self.nodes:
            self._start_node(cfg)
        self._tasks.append(asyncio.create_task(self.publisher.run(), name="publisher"))
        self._tasks.append(asyncio.create_task(self.history.run(), name="history"))
        self._tasks.append(asyncio.create_task(self._ticker(), name="ticker"))
        if listen_commands:
            self._tasks.append(asyncio.create_task(command_loop.listen(
                self.layer, command_channel(self.layer), self.execute), name="commands"))

    def _start_node(self, cfg: NodeConfig) -> None:
        rt = NodeRuntime(config=cfg, state=LiveState(self._wrapups, self.registry))
        self.runtimes[cfg.name] = rt
        rt.ami = AmiLink(name=cfg.name, host=cfg.host, port=cfg.ami_port, username=cfg.ami_username,
                         secret=cfg.ami_secret, on_event=lambda ev, rt=rt: self.on_ami_event(rt, ev),
                         on_connected=lambda link, rt=rt: self._resync(rt),
                         on_disconnected=lambda link, rt=rt: self._ami_lost(rt))
        rt.stasis = StasisNode(cfg.name, self.registry, publish=self._publish_changes)
        rt.ari = AriLink(name=cfg.name, host=cfg.host, port=cfg.ari_port, username=cfg.ari_username,
                         password=cfg.ari_secret, app=ARI_APP, on_event=rt.stasis.offer,
                         on_connected=lambda link, rt=rt: self._ari_connected(rt, link))
        rt.stasis.start()
        rt.ami.start()
        rt.ari.start()
        if cfg.queue_log is not None and self.record_history:
            self._tasks.append(asyncio.create_task(queue_log.reconcile_loop(
                cfg.queue_log, self.history_pool, interval=self.queue_log_interval), name=f"queue-log-{cfg.name}"))

    async def stop(self) -> None:
        """Stop every link and task. Each step is bounded (``engine.aio``): a link or task that hangs is logged
        with its stack and left, and the engine still stops."""
        for name, rt in self.runtimes.items():
            for part in ("ami", "ari", "stasis"):
                link = getattr(rt, part)
                if link is not None:
                    await finish_within(link.stop(), seconds=12, name=f"stopp av {part} på {name}")
        try:
            await self.flush_history()
        except TimeoutError:
            logger.warning("historikk ble ikke ferdig skrevet før stopp")
        await cancel_tasks(*self._tasks)
        await asyncio.get_running_loop().run_in_executor(self.history_pool, close_db)
        self.history_pool.shutdown(wait=True)

    async def reload_queue_settings(self) -> None:
        """Wrap-up seconds per queue name, read from every active agency's config."""
        loop = asyncio.get_running_loop()
        self._wrapups.clear()
        self._wrapups.update(await loop.run_in_executor(self.history_pool, load_wrapups))

    # -- health ---------------------------------------------------------------------------------------------------
    def health(self) -> dict:
        nodes = {name: {"ami": rt.ami.health.as_dict() if rt.ami else None,
                        "ari": rt.ari.health.as_dict() if rt.ari else None,
                        "resynced_at": rt.resynced_at, "last_closing": rt.last_closing,
                        "members_lost": rt.members_lost}
                 for name, rt in self.runtimes.items()}
        return {"nodes": nodes, "last_reload": self.last_reload, "published": self.published,
                "managed_asterisk": self.managed_health() if self.managed_health else None,
                "config": config_status.health()}

    # -- events and state -------------------------------------------------------------------------------------------
    def on_ami_event(self, rt: NodeRuntime, event: dict[str, str]) -> None:
        slug, changes = rt.state.apply(event)
        if slug is None:
            return
        if changes:
            self.publisher.put(slug, {"type": "live.update", "agency": slug, "changes": changes, "ts": time.time()})
        if self.record_history:
            self.history.offer(slug, event)
        for handler in self.registry.signal_handlers.get(event.get("Event", ""), []):
            ctx = ActionContext(node=getattr(rt.config, "name", ""), state=rt.state, ami=rt.ami, ari=rt.ari,
                                pool=self.history_pool, now=time.time())
            task = asyncio.create_task(handler(ctx, slug, event))
            self._signals.add(task)
            task.add_done_callback(self._signals.discard)

    async def resync_node(self, name: str) -> None:
        await self._resync(self.runtimes[name])

    async def _resync(self, rt: NodeRuntime) -> None:
        await resync.resync(self, rt)

    def _ami_lost(self, rt: NodeRuntime) -> None:
        rt.lost_at = time.time()

    async def _ari_connected(self, rt: NodeRuntime, link: AriLink) -> None:
        await link.channels()  # proves the REST side answers too
        if rt.stasis is not None:
            await rt.stasis.connected(link)

    def _publish_changes(self, slug: str, changes: list[dict]) -> None:
        self.publisher.put(slug, {"type": "live.update", "agency": slug, "changes": changes, "ts": time.time()})

    def snapshot(self, slug: str) -> dict:
        out: dict = {key: {} for key in (*self.registry.snapshot_parts, *self.registry.stasis_parts)}
        for rt in self.runtimes.values():
            snap = rt.state.snapshot(slug)
            if rt.stasis is not None:
                snap.update(rt.stasis.snapshot(slug))
            for key in out:
                out[key].update(snap.get(key, {}))
        out["status"] = self.link_status()
        out["connected"] = out["status"]["state"] == "connected"
        return out

    def link_status(self) -> dict:
        return link_status(self.runtimes.values())

    async def publish_status(self, now: float) -> None:
        """Called by the ticker every second (engine.status)."""
        await self.status_feed.publish(self.link_status(), now, layer=lambda: self.layer, pool=self.history_pool)

    async def _publisher(self) -> None:
        await self.publisher.run()

    async def flush_history(self, timeout: float = 10) -> None:
        await self.history.flush(timeout)

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(1)
            now = time.time()
            for rt in self.runtimes.values():
                for slug, change in rt.state.tick(now):
                    self.publisher.put(slug, {"type": "live.update", "agency": slug, "changes": [change], "ts": now})
                await self._run_actions(rt, now)
            await self.publish_status(now)

    async def _run_actions(self, rt: NodeRuntime, now: float) -> None:
        """The features' action handlers (engine.registry.on_action); one failing never stops the ticker."""
        if not self.registry.action_handlers:
            return
        ctx = ActionContext(node=getattr(rt.config, "name", ""), state=rt.state, ami=rt.ami, ari=rt.ari,
                            pool=self.history_pool, now=now)
        for handler in self.registry.action_handlers:
            try:
                await handler(ctx)
            except Exception:
                logger.exception("handling %s feilet", getattr(handler, "__qualname__", handler))

    # -- commands -----------------------------------------------------------------------------------------------------
    async def execute(self, op: str, agency: str, args: dict) -> object:
        if op == "health":
            return self.health()
        if op == "reload":
            self.last_reload = await self.reload(kinds=set(args.get("kinds", [])))
            return self.last_reload
        naming.checked_slug(agency)
        if op == "snapshot":
            return self.snapshot(agency)
        rt = self._node_for(agency)
        return await commands.run(op, agency=agency, args=args, link=rt.ami, state=rt.state,
                                  recordings_dir=rt.config.recordings_dir, node=rt.config.name, registry=self.registry,
                                  stasis=rt.stasis)

    def _node_for(self, agency: str) -> NodeRuntime:
        if not self.runtimes:
            raise commands.CommandRefused("ingen Asterisk-node")
        # One node serves all agencies today; with several, the agency's node would be chosen here.
        return next(iter(self.runtimes.values()))

    async def reload(self, *, kinds: set[str]) -> dict:
        """Apply rendered config: reload only the modules whose config changed."""
        from asterisk_conf.generators import reload_modules

        modules = reload_modules()  # kind -> module, from the one registry of generated file kinds
        results = {}
        for kind in sorted(kinds & set(modules)):
            for rt in self.runtimes.values():
                if rt.ami is None:
                    continue
                resp = await rt.ami.action({"Action": "Reload", "Module": modules[kind]})
                ok = isinstance(resp, dict) and resp.get("Response") == "Success"
                results[f"{rt.config.name}:{kind}"] = "ok" if ok else f"feilet: {resp}"
                if not ok:
                    logger.error("reload av %s på %s feilet: %s", kind, rt.config.name, resp)
        if "queues" in kinds:
            await self.reload_queue_settings()
        return results

