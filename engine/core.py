"""The engine: AMI and ARI links to every Asterisk node, live state per agency, history, commands.

Flow 2 (Asterisk event -> browser) and flow 3 (browser action -> Asterisk) meet here. The engine
publishes changes to the Channels group ``live.<slug>`` of the event's agency and answers commands
on the channel ``engine.commands`` (with the channel layer's prefix, CHANNEL_PREFIX).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from asterisk_conf import naming
from engine import commands
from engine.ami import AmiLink
from engine.ari import AriLink
from engine.history import HISTORY_EVENTS, record
from engine.state import LiveState

logger = logging.getLogger(__name__)

COMMAND_CHANNEL = "engine.commands"


def command_channel(layer: object) -> str:
    """The engine's command channel on ``layer``, with the layer's prefix: channels_redis' pub/sub layer prefixes
    groups and new channels but publishes a named channel as is, so without it every engine on one Redis server
    (other deployments, other test runs) would get, and answer, every command. The pub/sub layer answers
    ``.prefix`` only inside an event loop; its configuration is read directly so sync callers work too."""
    config = getattr(layer, "__dict__", {}).get("_kwargs")
    prefix = config.get("prefix", "asgi") if isinstance(config, dict) else getattr(layer, "prefix", "")
    return f"{prefix}{COMMAND_CHANNEL}"
ARI_APP = "controlplane"


def live_group(slug: str) -> str:
    return f"live.{naming._slug(slug)}"


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


@dataclass
class NodeRuntime:
    config: NodeConfig
    state: LiveState
    ami: AmiLink | None = None
    ari: AriLink | None = None
    resynced_at: float = 0.0


@dataclass
class Engine:
    nodes: list[NodeConfig]
    layer: object = None
    record_history: bool = True
    runtimes: dict[str, NodeRuntime] = field(default_factory=dict)
    published: int = 0
    last_reload: dict = field(default_factory=dict)
    coalesce_s: float = 0.005
    published_changes: int = 0

    def __post_init__(self) -> None:
        self._pub_q: asyncio.Queue = asyncio.Queue()
        self._hist_q: asyncio.Queue = asyncio.Queue()
        self._tasks: list[asyncio.Task] = []
        self._history_pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="history")
        self._wrapups: dict[str, int] = {}
        self.history_idle = asyncio.Event()
        self.history_idle.set()

    # -- lifecycle ----------------------------------------------------------------------------------------------------
    async def start(self, *, listen_commands: bool = True) -> None:
        if self.layer is None:
            from channels.layers import get_channel_layer

            self.layer = get_channel_layer()
        await self.reload_queue_settings()
        for cfg in self.nodes:
            rt = NodeRuntime(config=cfg, state=LiveState(self._wrapups))
            self.runtimes[cfg.name] = rt
            rt.ami = AmiLink(name=cfg.name, host=cfg.host, port=cfg.ami_port, username=cfg.ami_username,
                             secret=cfg.ami_secret, on_event=lambda ev, rt=rt: self.on_ami_event(rt, ev),
                             on_connected=lambda link, rt=rt: self._resync(rt))
            rt.ari = AriLink(name=cfg.name, host=cfg.host, port=cfg.ari_port, username=cfg.ari_username,
                             password=cfg.ari_secret, app=ARI_APP, on_event=lambda ev: None,
                             on_connected=self._ari_connected)
            rt.ami.start()
            rt.ari.start()
        self._tasks.append(asyncio.create_task(self._publisher(), name="publisher"))
        self._tasks.append(asyncio.create_task(self._history_writer(), name="history"))
        self._tasks.append(asyncio.create_task(self._ticker(), name="ticker"))
        if listen_commands:
            self._tasks.append(asyncio.create_task(self._command_loop(), name="commands"))

    async def stop(self) -> None:
        for rt in self.runtimes.values():
            if rt.ami:
                await rt.ami.stop()
            if rt.ari:
                await rt.ari.stop()
        try:
            await self.flush_history()
        except TimeoutError:
            logger.warning("historikk ble ikke ferdig skrevet før stopp")
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(self._history_pool, _close_db)
        self._history_pool.shutdown(wait=True)

    async def reload_queue_settings(self) -> None:
        """Wrap-up seconds per queue name, read from every active agency's config."""
        loop = asyncio.get_running_loop()
        self._wrapups.clear()
        self._wrapups.update(await loop.run_in_executor(self._history_pool, _load_wrapups))

    # -- health ---------------------------------------------------------------------------------------------------
    def health(self) -> dict:
        nodes = {name: {"ami": rt.ami.health.as_dict() if rt.ami else None,
                        "ari": rt.ari.health.as_dict() if rt.ari else None,
                        "resynced_at": rt.resynced_at}
                 for name, rt in self.runtimes.items()}
        return {"nodes": nodes, "last_reload": self.last_reload, "published": self.published}

    # -- events ---------------------------------------------------------------------------------------------------
    def on_ami_event(self, rt: NodeRuntime, event: dict[str, str]) -> None:
        slug, changes = rt.state.apply(event)
        if slug is None:
            return
        if changes:
            self._pub_q.put_nowait((slug, {"type": "live.update", "agency": slug, "changes": changes,
                                           "ts": time.time()}))
        if self.record_history and event.get("Event") in HISTORY_EVENTS:
            self.history_idle.clear()
            self._hist_q.put_nowait((slug, event))

    async def _resync(self, rt: NodeRuntime) -> None:
        """After every (re)connect: rebuild the node's state from Asterisk, then publish full snapshots."""
        assert rt.ami is not None
        rt.state.reset()
        for action in ({"Action": "QueueStatus"}, {"Action": "CoreShowChannels"}):
            for ev in await rt.ami.action(action, as_list=True, timeout=15):
                rt.state.apply(ev)  # type: ignore[arg-type]
        rt.resynced_at = time.time()
        slugs = set(rt.state.agencies) | set(await asyncio.get_running_loop().run_in_executor(
            self._history_pool, _active_slugs))
        for slug in sorted(slugs):
            self._pub_q.put_nowait((slug, {"type": "live.snapshot", "agency": slug, "snapshot": self.snapshot(slug),
                                           "ts": time.time()}))
        logger.info("resynkronisert %s: %d etater", rt.config.name, len(slugs))

    async def _ari_connected(self, link: AriLink) -> None:
        await link.channels()  # proves the REST side answers too

    def snapshot(self, slug: str) -> dict:
        out: dict = {"queues": {}, "agents": {}, "calls": {}}
        for rt in self.runtimes.values():
            snap = rt.state.snapshot(slug)
            for key in out:
                out[key].update(snap[key])
        out["connected"] = all(rt.ami is not None and rt.ami.health.connected for rt in self.runtimes.values())
        return out

    # -- background tasks ---------------------------------------------------------------------------------------------
    async def _publisher(self) -> None:
        """Send changes to each agency's group, coalesced: changes that arrive within ``coalesce_s`` of the
        first are sent as one message per agency, and an object changed twice in that window is sent once
        (changes are whole objects). A busy queue then costs every console a few frames per second
        instead of one per change; a quiet one adds at most ``coalesce_s`` of delay."""
        while True:
            items = [await self._pub_q.get()]
            if self.coalesce_s > 0:
                await asyncio.sleep(self.coalesce_s)
            while not self._pub_q.empty():
                items.append(self._pub_q.get_nowait())
            for slug, message in self._coalesce(items):
                try:
                    await self.layer.group_send(live_group(slug), message)  # type: ignore[attr-defined]
                    self.published += 1
                    self.published_changes += len(message.get("changes", ()))
                except Exception:
                    logger.exception("publisering til %s feilet", slug)

    @staticmethod
    def _coalesce(items: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
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
                key = (change["kind"], change.get("queue") or change.get("agent_id") or change.get("uniqueid"))
                earlier = batch["changes"].pop(key, None)
                # "ts" is when the oldest change folded into this one happened: latency is measured from there.
                batch["changes"][key] = {**change, "ts": earlier["ts"] if earlier else message["ts"]}
        return [(slug, {**m, "changes": list(m["changes"].values())} if m["type"] == "live.update" else m)
                for slug, m in out]

    async def _history_writer(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._hist_q.get()]
            while not self._hist_q.empty():
                batch.append(self._hist_q.get_nowait())
            try:
                await loop.run_in_executor(self._history_pool, _record_batch, batch)
            except Exception:
                logger.exception("historikk feilet")
            if self._hist_q.empty():
                self.history_idle.set()

    async def flush_history(self, timeout: float = 10) -> None:
        await asyncio.wait_for(self.history_idle.wait(), timeout)

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(1)
            now = time.time()
            for rt in self.runtimes.values():
                for slug, change in rt.state.expire_wrapups(now):
                    self._pub_q.put_nowait((slug, {"type": "live.update", "agency": slug, "changes": [change],
                                                   "ts": now}))

    async def _command_loop(self) -> None:
        while True:
            message = await self.layer.receive(command_channel(self.layer))  # type: ignore[attr-defined]
            asyncio.create_task(self._answer(message))

    async def _answer(self, message: dict) -> None:
        reply = {"type": "engine.reply", "id": message.get("id")}
        try:
            reply.update(ok=True, data=await self.execute(message["op"], message["agency"], message.get("args", {})))
        except commands.CommandRefused as exc:
            reply.update(ok=False, error=str(exc))
        except Exception as exc:
            logger.exception("kommando %s feilet", message.get("op"))
            reply.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        if message.get("reply"):
            await self.layer.send(message["reply"], reply)  # type: ignore[attr-defined]

    async def execute(self, op: str, agency: str, args: dict) -> object:
        if op == "health":
            return self.health()
        if op == "reload":
            self.last_reload = await self.reload(kinds=set(args.get("kinds", [])))
            return self.last_reload
        naming._slug(agency)
        if op == "snapshot":
            return self.snapshot(agency)
        rt = self._node_for(agency)
        return await commands.run(op, agency=agency, args=args, link=rt.ami, state=rt.state,
                                  recordings_dir=rt.config.recordings_dir)

    def _node_for(self, agency: str) -> NodeRuntime:
        if not self.runtimes:
            raise commands.CommandRefused("ingen Asterisk-node")
        # One node serves all agencies today; with several, the agency's node would be chosen here.
        return next(iter(self.runtimes.values()))

    async def reload(self, *, kinds: set[str]) -> dict:
        """Apply rendered config: reload only the modules whose config changed."""
        modules = {"pjsip": "res_pjsip.so", "extensions": "pbx_config.so", "queues": "app_queue.so",
                   "voicemail": "app_voicemail.so", "musiconhold": "res_musiconhold.so"}
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


def _record_batch(batch: list[tuple[str, dict]]) -> None:
    from django.db import close_old_connections

    close_old_connections()
    for slug, event in batch:
        try:
            record(slug, event)
        except Exception:
            logger.exception("kunne ikke lagre %s for %s", event.get("Event"), slug)


def _close_db() -> None:
    from django.db import connections

    connections.close_all()


def _active_slugs() -> list[str]:
    from tenants.selectors import agency_list

    return list(agency_list().values_list("schema_name", flat=True))


def _load_wrapups() -> dict[str, int]:
    from django_tenants.utils import schema_context

    from contactcenter.selectors import queue_config_rows
    from tenants.selectors import agency_list

    out = {}
    for slug in agency_list().values_list("schema_name", flat=True):
        with schema_context(slug):
            for row in queue_config_rows():
                out[naming.queue_name(slug, row["id"])] = row["wrapup_seconds"]
    return out
