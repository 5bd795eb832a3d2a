"""ASGI wrapper that runs the engine inside the web server's process and event loop (default mode,
in-memory channel layer: only code in the same process can talk through it)."""

from __future__ import annotations

import logging

from engine.runner import EngineRunner

logger = logging.getLogger(__name__)


def with_engine(app, *, manage_asterisk: bool = True, runner: EngineRunner | None = None):  # type: ignore[no-untyped-def]
    runner = runner or EngineRunner(manage_asterisk=manage_asterisk)

    async def wrapped(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "lifespan":
            return await app(scope, receive, send)
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await runner.start()
                except Exception as exc:
                    logger.exception("motoren startet ikke")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await runner.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    wrapped.runner = runner  # type: ignore[attr-defined]
    return wrapped
