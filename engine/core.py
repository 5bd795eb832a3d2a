"""The engine: AMI and ARI links to every Asterisk node, live state per agency, history, commands.

Flow 2 (Asterisk event -> browser) and flow 3 (browser action -> Asterisk) meet here. The engine
publishes changes to the Channels group ``live.<slug>`` of the event's agency and answers commands
on the channel ``engine.commands`` (with the channel layer's prefix, CHANNEL_PREFIX).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from asterisk_conf import naming
from asterisk_conf import status as config_status
from engine import commands, queue_log
from engine.ami import AmiError, AmiLink
from engine.ari import AriError, AriLink
from engine.history import HISTORY_EVENTS, record
from engine.state import LiveState
from engine.wire import change_key

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
# The link status goes to every active agency's consoles on each change, and again this often as a
# heartbeat (a console that hears nothing for a few seconds takes the engine as unavailable).
STATUS_REPEAT_S = 2.0
STATUS_SLUGS_TTL_S = 10.0


def live_group(slug: str) -> str:
    return f"live.{naming.checked_slug(slug)}"


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
    resynced_at: float = 0.0
    lost_at: float = 0.0  # when the AMI link was last lost (0: not since the last resync)
    asterisk_started_at: float = 0.0
    last_closing: dict = field(default_factory=dict)
    cdr_offset: int = -1  # how far the CDR file was read (-1: not yet)
    members_lost: list[dict] = field(default_factory=list)


@dataclass
class StatusFeed:
    """What the engine last told the consoles about its contact with Asterisk, and to which agencies."""

    sent: dict | None = None
    sent_at: float = 0.0
    slugs: list[str] = field(default_factory=list)
    slugs_at: float = 0.0


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
    status_feed: StatusFeed = field(default_factory=StatusFeed)
    queue_log_interval: float = 5.0
    managed_health: Callable[[], dict] | None = None  # the managed Asterisk's supervisor (engine.managed)

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
                             on_connected=lambda link, rt=rt: self._resync(rt),
                             on_disconnected=lambda link, rt=rt: self._ami_lost(rt))
            rt.ari = AriLink(name=cfg.name, host=cfg.host, port=cfg.ari_port, username=cfg.ari_username,
                             password=cfg.ari_secret, app=ARI_APP, on_event=lambda ev: None,
                             on_connected=self._ari_connected)
            rt.ami.start()
            rt.ari.start()
            if cfg.queue_log is not None and self.record_history:
                self._tasks.append(asyncio.create_task(queue_log.reconcile_loop(
                    cfg.queue_log, self._history_pool, interval=self.queue_log_interval), name=f"queue-log-{cfg.name}"))
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
                        "resynced_at": rt.resynced_at, "last_closing": rt.last_closing,
                        "members_lost": rt.members_lost}
                 for name, rt in self.runtimes.items()}
        return {"nodes": nodes, "last_reload": self.last_reload, "published": self.published,
                "managed_asterisk": self.managed_health() if self.managed_health else None,
                "config": config_status.health()}

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
        """After every (re)connect: rebuild the node's state from Asterisk, publish full snapshots, then close in
        the history what Asterisk no longer has."""
        assert rt.ami is not None
        known = _known_ids(rt.state)
        members_before = _members(rt.state)
        cutoff = time.time()
        rt.state.reset()
        live_linkedids, live_uniqueids = set(), set()
        for action in ({"Action": "QueueStatus"}, {"Action": "CoreShowChannels"}):
            for ev in await rt.ami.action(action, as_list=True, timeout=15):
                rt.state.apply(ev)  # type: ignore[arg-type]
                if ev.get("Event") == "CoreShowChannel":  # type: ignore[union-attr]
                    live_linkedids.add(ev.get("Linkedid", ""))  # type: ignore[union-attr]
                    live_uniqueids.add(ev.get("Uniqueid", ""))  # type: ignore[union-attr]
        rt.resynced_at = time.time()
        slugs = set(rt.state.agencies) | set(await asyncio.get_running_loop().run_in_executor(
            self._history_pool, _active_slugs))
        for slug in sorted(slugs):
            self._pub_q.put_nowait((slug, {"type": "live.snapshot", "agency": slug, "snapshot": self.snapshot(slug),
                                           "ts": time.time()}))
        logger.info("resynkronisert %s: %d etater", rt.config.name, len(slugs))
        self._check_members(rt, members_before)
        if self.record_history:
            await self._close_lost(rt, live=(live_linkedids, live_uniqueids), known=known, cutoff=cutoff)

    @staticmethod
    def _check_members(rt: NodeRuntime, before: set[tuple[str, int, str]]) -> None:
        """Asterisk keeps queue members across its own restarts (persistentmembers, astdb in its data dir). If it
        lost them anyway (astdb gone, node replaced), say so: the agents must log in again."""
        missing = sorted(before - _members(rt.state))
        rt.members_lost = [{"agency": slug, "agent_id": aid, "queue": queue} for slug, aid, queue in missing]
        if missing:
            logger.warning("%s: %d kømedlemskap fantes ikke lenger etter gjenoppkoblingen (agentene må logge inn "
                           "igjen): %s", rt.config.name, len(missing), ", ".join(f"{s}-a{a} i {q}" for s, a, q in missing))

    def _ami_lost(self, rt: NodeRuntime) -> None:
        rt.lost_at = time.time()

    async def _close_lost(self, rt: NodeRuntime, *, live: tuple[set[str], set[str]], known: set[str],
                          cutoff: float) -> None:
        """Close every call and queue visit the history has open and Asterisk no longer has, and record the time
        without AMI as a gap. With one node every open row is the node's; with several, only the calls this
        node's state knew are closed."""
        assert rt.ami is not None
        started = rt.ami.asterisk_started_at
        restarted = bool(rt.asterisk_started_at) and abs(started - rt.asterisk_started_at) > 2
        rt.asterisk_started_at = started
        lost_at, rt.lost_at = rt.lost_at, 0.0
        if restarted:
            reason = "avbrutt: Asterisk startet på nytt"
        elif lost_at:
            reason = "avbrutt: borte fra Asterisk etter brudd i forbindelsen"
        else:
            reason = "avbrutt: borte fra Asterisk da motoren startet"
        job = {"node": rt.config.name, "live": live, "only": known if len(self.runtimes) > 1 else None,
               "before": cutoff, "at": lost_at or cutoff, "reason": reason, "restarted": restarted,
               "gap": (lost_at, cutoff) if lost_at else None, "cdr": rt.config.cdr_path, "cdr_offset": rt.cdr_offset}
        try:
            await self.flush_history(timeout=3)  # events from before the loss first
        except TimeoutError:
            logger.warning("historikken var ikke ajour før lukking av avbrutte samtaler på %s", rt.config.name)
        try:
            closed = await asyncio.get_running_loop().run_in_executor(self._history_pool, _close_lost_calls, job)
        except Exception:
            logger.exception("kunne ikke lukke avbrutte samtaler på %s", rt.config.name)
            return
        rt.cdr_offset = closed.pop("cdr_offset")
        rt.last_closing = {"at": time.time(), "reason": reason, **closed}
        if closed["calls"] or closed["visits"]:
            logger.warning("%s: lukket %d samtaler og %d købesøk som Asterisk ikke lenger hadde (%s)",
                           rt.config.name, closed["calls"], closed["visits"], reason)

    async def _ari_connected(self, link: AriLink) -> None:
        await link.channels()  # proves the REST side answers too

    def snapshot(self, slug: str) -> dict:
        out: dict = {"queues": {}, "agents": {}, "calls": {}}
        for rt in self.runtimes.values():
            snap = rt.state.snapshot(slug)
            for key in out:
                out[key].update(snap[key])
        out["status"] = self.link_status()
        out["connected"] = out["status"]["state"] == "connected"
        return out

    # -- link status for the consoles ---------------------------------------------------------------------------------
    def link_status(self) -> dict:
        """The engine's contact with Asterisk as consoles show it: ``connected`` (every node's AMI and ARI up),
        ``degraded`` (a link down or Asterisk not answering) or ``no_node``. One node serves every agency."""
        if not self.runtimes:
            return {"state": "no_node", "ami": False, "ari": False}
        ami = all(rt.ami is not None and rt.ami.health.connected for rt in self.runtimes.values())
        ari = all(rt.ari is not None and rt.ari.health.connected for rt in self.runtimes.values())
        return {"state": "connected" if ami and ari else "degraded", "ami": ami, "ari": ari}

    async def publish_status(self, now: float) -> None:
        """Called by the ticker every second: send the link status to every active agency's live group when it
        changed, and every ``STATUS_REPEAT_S`` as a heartbeat. Never raises (the ticker must keep running)."""
        feed = self.status_feed
        status = self.link_status()
        if status == feed.sent and now - feed.sent_at < STATUS_REPEAT_S:
            return
        if feed.sent is not None and status != feed.sent:
            logger.info("kontakt med Asterisk: %s (AMI %s, ARI %s)", status["state"], status["ami"], status["ari"])
        try:
            if not feed.slugs_at or now - feed.slugs_at > STATUS_SLUGS_TTL_S:
                feed.slugs = await asyncio.get_running_loop().run_in_executor(self._history_pool, _active_slugs)
                feed.slugs_at = now
            for slug in feed.slugs:
                await self.layer.group_send(live_group(slug), {  # type: ignore[attr-defined]
                    "type": "live.status", "agency": slug, "status": status, "ts": now})
            feed.sent, feed.sent_at = status, now
        except Exception:
            logger.exception("status til konsollene feilet")

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
                key = change_key(change)
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
            await self.publish_status(now)

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
        except (AmiError, AriError, TimeoutError) as exc:
            # Asterisk down or hanging: an ordinary refusal (one line), not a bug with a traceback.
            logger.warning("kommando %s avvist: Asterisk er ikke tilgjengelig (%s)", message.get("op"),
                           exc or type(exc).__name__)
            reply.update(ok=False, error=f"Asterisk er ikke tilgjengelig: {exc or type(exc).__name__}")
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
        naming.checked_slug(agency)
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


def _members(state: LiveState) -> set[tuple[str, int, str]]:
    """(agency, agent ID, queue) for every queue membership the node's live state knows."""
    return {(slug, agent.agent_id, queue) for slug, live in state.agencies.items() for agent in live.agents.values()
            for queue in agent.queues}


def _known_ids(state: LiveState) -> set[str]:
    """Linkedids of every channel the node's live state knows."""
    return {ch.linkedid for live in state.agencies.values() for ch in live.channels.values()}


def _close_lost_calls(job: dict) -> dict[str, int]:
    """Runs on the history thread: recover the gap's finished calls from the CDR, then close what is left."""
    from django.db import close_old_connections
    from django_tenants.utils import schema_context

    from contactcenter import history

    close_old_connections()
    utc = datetime.UTC
    when = {key: datetime.datetime.fromtimestamp(job[key], tz=utc) for key in ("before", "at")}
    gap = tuple(datetime.datetime.fromtimestamp(t, tz=utc) for t in job["gap"]) if job["gap"] else None
    recovered, offset = _recover_from_cdr(job, gap)
    total = {"calls": 0, "visits": 0, "agencies": 0, "recovered": 0, "cdr_offset": offset}
    for slug in _active_slugs():
        with schema_context(slug):
            n_recovered = sum(history.call_recovered(
                linkedid=c.linkedid, direction=c.direction, caller_number=c.caller_number, dialed=c.dialed,
                started_at=c.started_at, answered_at=c.answered_at, ended_at=c.ended_at,
                reason="hentet fra Asterisks CDR etter brudd") for c in recovered if c.slug == slug)
            closed = history.calls_closed_after_loss(
                live_linkedids=job["live"][0], live_uniqueids=job["live"][1], before=when["before"], at=when["at"],
                reason=job["reason"], only_linkedids=job["only"])
            if gap:
                history.history_gap_recorded(node=job["node"], started_at=gap[0], ended_at=gap[1],
                                             asterisk_restarted=job["restarted"], recovered_calls=n_recovered)
        total["calls"] += closed["calls"]
        total["visits"] += closed["visits"]
        total["recovered"] += n_recovered
        total["agencies"] += 1
    return total


def _recover_from_cdr(job: dict, gap: tuple | None) -> tuple[list, int]:
    """Calls that ended in the gap, from the CDR appended since the last resync; and the new read offset."""
    from engine import cdr

    path, offset = job["cdr"], job["cdr_offset"]
    if path is None:
        return [], -1
    if offset < 0 or gap is None:  # first connect: start reading from here
        return [], path.stat().st_size if path.exists() else 0
    rows, offset = cdr.read_since(path, offset)
    # Legs that ended just before the loss was noticed may have missed their Hangup event too: 3 s of slack.
    return cdr.calls_in_gap(rows, gap[0] - datetime.timedelta(seconds=3), gap[1]), offset


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
