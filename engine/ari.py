"""A thin asyncio ARI client over httpx (REST) and websockets (events).

Why our own: ``pyari`` is not on PyPI, ``aioari`` has had no release since 2020 and depends on the
unmaintained swagger-py, and ``asyncari`` runs on anyio/trio task groups that do not fit the engine's
plain asyncio loop. ARI is plain REST plus one WebSocket, so ~150 lines over two maintained libraries
keep the dependency surface small and every call explicit (see docs/motor.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx
import websockets

from engine.aio import cancel_task, cancel_tasks
from engine.ami import LinkHealth
from engine.guard import UnsafeValue

logger = logging.getLogger(__name__)
# httpx logs every request at INFO; the watchdog pings every second, so only its warnings are worth a line.
logging.getLogger("httpx").setLevel(logging.WARNING)


class AriError(RuntimeError):
    pass


def _path_part(value: str) -> str:
    if not value or any(ch in value for ch in "\r\n/?#") or len(value) > 128:
        raise UnsafeValue(f"ugyldig ARI-ID: {value!r}")
    return quote(value, safe="")


@dataclass
class AriLink:
    name: str
    host: str
    port: int
    username: str
    password: str
    app: str
    on_event: Callable[[dict], None]
    on_connected: Callable[[AriLink], Awaitable[None]]
    ping_interval: float = 1.0
    ping_timeout: float = 1.5
    backoff_max: float = 2.0
    health: LinkHealth = field(default_factory=LinkHealth)
    _http: httpx.AsyncClient | None = None
    _stopped: bool = False
    _task: asyncio.Task | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/ari"

    def start(self) -> None:
        self._http = httpx.AsyncClient(base_url=self.base_url, auth=(self.username, self.password), timeout=5)
        self._task = asyncio.create_task(self._run(), name=f"ari-{self.name}")

    async def stop(self) -> None:
        self._stopped = True
        await cancel_task(self._task)
        if self._http is not None:
            await self._http.aclose()

    async def request(self, method: str, path: str, **params: str) -> object:
        """Call ARI. ``path`` is built by the engine from validated IDs (see ``_path_part``)."""
        if self._http is None or not self.health.connected:
            raise AriError(f"ARI til {self.name} er ikke tilkoblet")
        for value in params.values():
            if any(ch in str(value) for ch in "\r\n"):
                raise UnsafeValue("ARI-parameter med linjeskift")
        response = await self._http.request(method, path, params=params)
        if response.status_code >= 400:
            raise AriError(f"ARI {method} {path}: {response.status_code} {response.text[:200]}")
        return response.json() if response.content else None

    async def channels(self) -> list[dict]:
        return await self.request("GET", "/channels")  # type: ignore[return-value]

    async def bridges(self) -> list[dict]:
        return await self.request("GET", "/bridges")  # type: ignore[return-value]

    async def channel(self, channel_id: str) -> dict:
        return await self.request("GET", f"/channels/{_path_part(channel_id)}")  # type: ignore[return-value]

    async def ping(self) -> None:
        """The REST side's watchdog: ``GET /asterisk/ping`` must answer within ``ping_timeout``."""
        assert self._http is not None
        try:
            response = await self._http.get("/asterisk/ping", timeout=self.ping_timeout)
        except httpx.TimeoutException as exc:
            raise AriError(f"svarer ikke på ping innen {self.ping_timeout} s (hengt forbindelse)") from exc
        if response.status_code >= 400:
            raise AriError(f"ping: {response.status_code}")

    async def _watch(self) -> None:
        """Ping every ``ping_interval``. A stopped Asterisk keeps the WebSocket's TCP connection open, and the
        WebSocket's own keepalive only gives up after its ping timeout plus the closing handshake's timeout;
        the REST ping notices within ``ping_interval + ping_timeout``."""
        while True:
            await asyncio.sleep(self.ping_interval)
            await self.ping()

    async def _read(self, ws) -> None:  # type: ignore[no-untyped-def]
        async for raw in ws:
            self.health.last_event_at = time.time()
            self.health.events += 1
            try:
                self.on_event(json.loads(raw))
            except Exception:
                logger.exception("ARI-hendelse feilet")
        raise AriError("WebSocket lukket")

    async def _session(self, ws) -> None:  # type: ignore[no-untyped-def]
        """Read events and watch the link until one of them fails; the first failure ends the session."""
        tasks = [asyncio.create_task(self._read(ws)), asyncio.create_task(self._watch())]
        try:
            done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()
        finally:
            await cancel_tasks(*tasks)

    def _lost(self, exc: BaseException) -> None:
        self.health.last_error = str(exc) or type(exc).__name__
        if self.health.mark_lost():
            logger.warning("ARI %s frakoblet: %s", self.name, self.health.last_error)

    async def _run(self) -> None:
        backoff = 0.2
        url = (f"ws://{self.host}:{self.port}/ari/events?app={quote(self.app)}&subscribeAll=true"
               f"&api_key={quote(self.username)}:{quote(self.password)}")
        while not self._stopped:
            try:
                async with websockets.connect(url, ping_interval=self.ping_interval, ping_timeout=self.ping_timeout,
                                              open_timeout=5, close_timeout=1, max_size=2**22) as ws:
                    await self.ping()
                    self.health.mark_connected()
                    logger.info("ARI %s tilkoblet %s:%s", self.name, self.host, self.port)
                    await self.on_connected(self)
                    backoff = 0.2
                    try:
                        await self._session(ws)
                    except Exception as exc:
                        self._lost(exc)  # before the closing handshake, which a hung Asterisk never answers
                        raise
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._lost(exc)
            if not self._stopped:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self.backoff_max)
