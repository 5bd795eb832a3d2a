"""Serve the real ASGI application (HTTP + WebSocket) with uvicorn in a background thread, with the
engine in the same process and event loop (the default, in-memory channel layer mode)."""

from __future__ import annotations

import asyncio
import threading
import time

import uvicorn

from engine.asgi_lifespan import with_engine
from engine.core import Engine, NodeConfig
from engine.runner import EngineRunner


class LiveServer:
    def __init__(self, nodes: list[NodeConfig], port: int) -> None:
        from controlplane.asgi import application

        self.port = port
        self.runner = EngineRunner(manage_asterisk=False, nodes=nodes)
        config = uvicorn.Config(with_engine(application, runner=self.runner), host="127.0.0.1", port=port,
                                lifespan="on", log_level="warning", ws="websockets-sansio")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name=f"uvicorn-{port}")

    @property
    def engine(self) -> Engine:
        assert self.runner.engine is not None
        return self.runner.engine

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not self.server.started:
            time.sleep(0.05)
        assert self.server.started, "webserveren startet ikke"
        return self

    def call(self, fn):  # type: ignore[no-untyped-def]
        """Run ``fn()`` on the server's event loop (where the engine lives) and return its result."""
        assert self.runner.loop is not None

        async def run():  # type: ignore[no-untyped-def]
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self.runner.loop).result(10)

    def snapshot(self, slug: str) -> dict:
        return self.call(lambda: self.engine.snapshot(slug))

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
