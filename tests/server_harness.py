"""Serve the real ASGI application (HTTP + WebSocket) with uvicorn in a background thread, with the
engine in the same process and event loop (the default, in-memory channel layer mode)."""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.request

import uvicorn

from engine.core import Engine, NodeConfig


class LiveServer:
    def __init__(self, nodes: list[NodeConfig], port: int) -> None:
        from controlplane.asgi import application

        self.port = port
        self.engine: Engine | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        nodes_ = nodes

        async def app(scope, receive, send):  # type: ignore[no-untyped-def]
            if scope["type"] != "lifespan":
                return await application(scope, receive, send)
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    self.loop = asyncio.get_running_loop()
                    self.engine = Engine(nodes_)
                    await self.engine.start()
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    if self.engine:
                        await self.engine.stop()
                    await send({"type": "lifespan.shutdown.complete"})
                    return

        config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning", ws="websockets-sansio")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name=f"uvicorn-{port}")

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2):
                    pass
            except urllib.error.HTTPError:
                break  # answering (404 for a host without an agency is fine)
            except OSError:
                time.sleep(0.1)
                continue
            break
        assert self.server.started, "webserveren startet ikke"
        return self

    def call(self, fn):  # type: ignore[no-untyped-def]
        """Run ``fn()`` on the server's event loop (where the engine lives) and return its result."""
        assert self.loop is not None

        async def run():  # type: ignore[no-untyped-def]
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def snapshot(self, slug: str) -> dict:
        return self.call(lambda: self.engine.snapshot(slug))  # type: ignore[union-attr]

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
