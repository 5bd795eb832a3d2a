"""The platform's ASGI application over real HTTP on 127.0.0.1 (no engine): what a phone or a browser reaches."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from tests.harness.asterisk_harness import free_port


@contextmanager
def serve_app() -> Iterator[int]:
    from controlplane.asgi import application

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, lifespan="off",
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True, name=f"http-app-{port}")
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "webserveren startet ikke"
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)
