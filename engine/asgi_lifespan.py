"""ASGI lifespan for the web server.

uvicorn runs with lifespan on, and Channels' ProtocolTypeRouter has no application for the ``lifespan``
scope, so every application the platform serves answers it here:

- ``with_lifespan``: the web server alone (REDIS_URL mode: the engine is its own process, ``run_engine``);
- ``with_engine``: the engine inside the web server's process and event loop (default mode, in-memory
  channel layer: only code in the same process can talk through it).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from engine.runner import EngineRunner

logger = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]


def with_lifespan(app, *, on_startup: Hook | None = None, on_shutdown: Hook | None = None):  # type: ignore[no-untyped-def]
    """``app`` for HTTP and WebSocket; the lifespan scope answered here, running the hooks."""

    async def wrapped(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "lifespan":
            return await app(scope, receive, send)
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    if on_startup is not None:
                        await on_startup()
                except Exception as exc:
                    logger.exception("oppstarten feilet")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if on_shutdown is not None:
                    await on_shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    return wrapped


def with_engine(app, *, manage_asterisk: bool = True, runner: EngineRunner | None = None):  # type: ignore[no-untyped-def]
    runner = runner or EngineRunner(manage_asterisk=manage_asterisk)

    async def start() -> None:
        await runner.start()

    wrapped = with_lifespan(app, on_startup=start, on_shutdown=runner.stop)
    wrapped.runner = runner  # type: ignore[attr-defined]
    return wrapped
