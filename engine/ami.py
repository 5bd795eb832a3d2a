"""One supervised AMI connection (panoramisk), with its own reconnect and watchdog.

panoramisk reconnects by itself but does not notice a connection that hangs (a stopped Asterisk
keeps the TCP socket open). So this link owns the lifecycle: connect, log in, resync, then ping
every ``ping_interval`` seconds; a ping that takes longer than ``ping_timeout`` closes the link,
and it connects again with backoff.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from panoramisk import Manager

from engine.aio import cancel_task
from engine.guard import safe_action

logger = logging.getLogger(__name__)


class AmiError(RuntimeError):
    pass


class _Manager(Manager):
    """panoramisk's Manager without its own reconnect and pinger: AmiLink supervises instead."""

    def __init__(self, **config):  # type: ignore[no-untyped-def]
        super().__init__(**config)
        self.lost: asyncio.Event = asyncio.Event()
        self.connect_error: BaseException | None = None
        self.fully_booted: asyncio.Event = asyncio.Event()
        self.started_at = 0.0  # when Asterisk started (from FullyBooted's Uptime)
        self.register_event("FullyBooted", self.booted)

    def connection_made(self, f):  # type: ignore[no-untyped-def]
        if f.cancelled() or f.exception() is not None:
            self.connect_error = f.exception() or AmiError("avbrutt")
            self.lost.set()
            return
        super().connection_made(f)
        if self.pinger is not None:
            self.pinger.cancel()
            self.pinger = None

    def login(self, future):  # type: ignore[no-untyped-def]
        # A login that never got an answer (a hung Asterisk; AmiLink gave up waiting and cancelled it) is an
        # ordinary failed reconnect: AmiLink logs it in one line. panoramisk would raise here, and asyncio would
        # log a traceback for every attempt.
        if future.cancelled() or future.exception() is not None:
            self.authenticated_future = None
            self.authenticated = False
            return False
        result = super().login(future)
        if self.pinger is not None:
            self.pinger.cancel()
            self.pinger = None
        return result

    def booted(self, manager, message) -> None:  # type: ignore[no-untyped-def]
        try:
            self.started_at = time.time() - float(message.get("Uptime", ""))
        except ValueError:
            self.started_at = 0.0
        self.fully_booted.set()

    def connection_lost(self, exc):  # type: ignore[no-untyped-def]
        self._connected = False
        if self.pinger:
            self.pinger.cancel()
            self.pinger = None
        self.lost.set()


@dataclass
class LinkHealth:
    connected: bool = False
    since: float = 0.0
    last_event_at: float = 0.0
    connects: int = 0
    last_error: str = ""
    events: int = 0

    def mark_connected(self) -> None:
        self.connected = True
        self.since = time.time()
        self.connects += 1
        self.last_error = ""

    def mark_lost(self) -> bool:
        """Record a lost connection; True if it had been up."""
        was = self.connected
        if was:
            self.since = time.time()
        self.connected = False
        return was

    def as_dict(self) -> dict:
        return {"connected": self.connected, "since": self.since, "last_event_at": self.last_event_at,
                "connects": self.connects, "last_error": self.last_error, "events": self.events}


@dataclass
class AmiLink:
    name: str
    host: str
    port: int
    username: str
    secret: str
    on_event: Callable[[dict[str, str]], None]
    on_connected: Callable[[AmiLink], Awaitable[None]]
    on_disconnected: Callable[[AmiLink], None] = lambda link: None
    ping_interval: float = 1.0
    ping_timeout: float = 1.5
    login_timeout: float = 3.0
    boot_timeout: float = 30.0
    backoff_max: float = 2.0
    health: LinkHealth = field(default_factory=LinkHealth)
    asterisk_started_at: float = 0.0
    _manager: _Manager | None = None
    _stopped: bool = False
    _task: asyncio.Task | None = None

    def _login_headers(self) -> dict[str, str]:
        """The login passes the same guard as every action: a username or secret with CR/LF could end the
        Login action and start another one, so it is refused before any connection is made."""
        return safe_action({"Username": self.username, "Secret": self.secret})

    def start(self) -> None:
        self._login_headers()
        self._task = asyncio.create_task(self._run(), name=f"ami-{self.name}")

    async def stop(self) -> None:
        self._stopped = True
        if self._manager is not None:
            self._manager.close()
        await cancel_task(self._task)

    async def action(self, action: dict[str, object], *, as_list: bool = False, timeout: float = 10) -> list | dict:
        """Send one action. Every header is checked again (no CR/LF can start another action)."""
        manager = self._manager
        if manager is None or not self.health.connected:
            raise AmiError(f"AMI til {self.name} er ikke tilkoblet")
        checked = safe_action(action)
        result = await asyncio.wait_for(manager.send_action(checked, as_list=as_list), timeout)
        if as_list:
            return [dict(m.items()) for m in result] if isinstance(result, list) else [dict(result.items())]
        return dict(result.items())

    def _dispatch(self, manager: Manager, message) -> None:  # type: ignore[no-untyped-def]
        self.health.last_event_at = time.time()
        self.health.events += 1
        try:
            self.on_event({k: v for k, v in message.items()})
        except Exception:
            logger.exception("AMI-hendelse feilet: %s", message.get("Event"))

    async def _connect_once(self) -> None:
        loop = asyncio.get_running_loop()
        login = self._login_headers()
        manager = _Manager(loop=loop, host=self.host, port=self.port, username=login["Username"], secret=login["Secret"],
                           ping_delay=3600, events="on", log=logging.getLogger("panoramisk"))
        manager.register_event("*", self._dispatch)
        self._manager = manager
        await manager.connect()
        await asyncio.sleep(0)
        if manager.connect_error is not None:
            raise AmiError(f"kan ikke koble til {self.host}:{self.port}: {manager.connect_error}")
        for _ in range(100):
            if manager.authenticated_future is not None or manager.authenticated:
                break
            await asyncio.sleep(0.01)
        if manager.authenticated_future is not None:
            try:
                resp = await asyncio.wait_for(manager.authenticated_future, self.login_timeout)
            except TimeoutError as exc:
                raise AmiError(f"fikk ikke svar på innlogging innen {self.login_timeout} s") from exc
            if not resp.success:
                raise AmiError(f"innlogging avvist: {resp.get('Message')}")
        elif not manager.authenticated:
            raise AmiError("fikk ikke logget inn")
        # Asterisk says FullyBooted at login once every module is loaded (queues and their persistent members
        # included); a resync before that would see an empty Asterisk.
        try:
            await asyncio.wait_for(manager.fully_booted.wait(), self.boot_timeout)
        except TimeoutError as exc:
            raise AmiError(f"Asterisk ble ikke ferdig startet innen {self.boot_timeout} s") from exc
        self.asterisk_started_at = manager.started_at

    async def _watch(self) -> None:
        assert self._manager is not None
        lost = self._manager.lost
        while not self._stopped:
            try:
                await asyncio.wait_for(lost.wait(), timeout=self.ping_interval)
                raise AmiError("forbindelsen ble brutt")
            except TimeoutError:
                pass
            try:
                await asyncio.wait_for(self._manager.send_action({"Action": "Ping"}, as_list=False),
                                       self.ping_timeout)
            except TimeoutError as exc:
                raise AmiError(f"svarer ikke på ping innen {self.ping_timeout} s (hengt forbindelse)") from exc

    async def _run(self) -> None:
        backoff = 0.2
        while not self._stopped:
            try:
                await self._connect_once()
                self.health.mark_connected()
                logger.info("AMI %s tilkoblet %s:%s", self.name, self.host, self.port)
                await self.on_connected(self)
                backoff = 0.2
                await self._watch()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.health.last_error = str(exc)
                if self.health.connected:
                    logger.warning("AMI %s frakoblet: %s", self.name, exc)
                else:
                    logger.debug("AMI %s: %s", self.name, exc)
            finally:
                if self._manager is not None:
                    self._manager.close()
                if self.health.mark_lost():
                    self.on_disconnected(self)
            if not self._stopped:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.backoff_max)
