"""Run the engine in a background thread with its own event loop, as run_engine would."""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from engine.core import Engine, NodeConfig
from engine.runner import EngineRunner


def node_for(profile, *, queue_log: bool = True) -> NodeConfig:  # type: ignore[no-untyped-def]
    """The engine's node for a test Asterisk (``tests.harness.asterisk_harness`` profile): its AMI and ARI, where its
    recordings go and (``queue_log``) app_queue's log the engine reads for the history."""
    return NodeConfig(name="test", host="127.0.0.1", ami_port=profile.ami_port, ari_port=profile.http_port,
                      ami_username=profile.ami_username, ami_secret=profile.ami_secret,
                      ari_username=profile.ari_username, ari_secret=profile.ari_secret,
                      recordings_dir=profile.spool_dir, queue_log=profile.queue_log if queue_log else None)


@contextlib.contextmanager
def asterisk_with_engine(base: Path) -> Iterator[tuple[Any, EngineThread]]:
    """A test Asterisk started from the configuration rendered now (under ``base``) and the engine connected to it
    (resynced); both stopped afterwards."""
    from tests.harness.asterisk_harness import prepare

    ast = prepare(base)
    ast.start()
    try:
        et = engine_for(ast.profile)
        try:
            yield ast, et
        finally:
            et.stop()
    finally:
        ast.stop()


@contextlib.contextmanager
def asterisk_with_replaceable_engine(base: Path) -> Iterator[dict]:
    """As ``asterisk_with_engine``, for tests that restart the engine: yields ``{"ast": …, "et": …}``; a test puts
    the new engine in ``box["et"]``, and the one there at the end is stopped."""
    from tests.harness.asterisk_harness import prepare

    ast = prepare(base)
    ast.start()
    try:
        box = {"ast": ast, "et": engine_for(ast.profile)}
        try:
            yield box
        finally:
            box["et"].stop()
    finally:
        ast.stop()


def engine_for(profile) -> EngineThread:  # type: ignore[no-untyped-def]
    """The engine connected to a test Asterisk (``node_for(profile)``), once it has resynced; a test that restarts
    the engine stops the old one and calls this again."""
    et = EngineThread([node_for(profile)])
    try:
        et.wait_for(lambda: et.engine.runtimes["test"].resynced_at, timeout=15)
    except BaseException:
        et.stop()
        raise
    return et


class EngineThread:
    def __init__(self, nodes: list[NodeConfig] | None = None, *, runner: EngineRunner | None = None,
                 **engine_options: object) -> None:
        """Either an Engine over ``nodes`` (with ``engine_options``), or the platform's own ``runner`` (which
        starts and supervises a managed Asterisk)."""
        self._options = engine_options
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True, name="engine-loop")
        self.thread.start()
        self.runner = runner
        self.engine: Engine = self.run(runner.start(), timeout=90) if runner else self.run(self._make(nodes or []))

    async def _make(self, nodes: list[NodeConfig]) -> Engine:
        engine = Engine(nodes, **self._options)  # type: ignore[arg-type]
        await engine.start()
        return engine

    def run(self, coro, timeout: float = 30):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def wait_for(self, predicate: Callable[[], object], timeout: float = 10, interval: float = 0.1) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.run(self._call(predicate))
            if value:
                return value
            time.sleep(interval)
        raise AssertionError("tidsavbrudd mens vi ventet på motoren")

    @staticmethod
    async def _call(fn: Callable[[], object]) -> object:
        return fn()

    @staticmethod
    async def _task_stacks() -> str:
        from engine.aio import task_stack

        return "\n".join(f"Oppgave {task.get_name()}:\n{task_stack(task)}" for task in asyncio.all_tasks())

    def snapshot(self, slug: str) -> dict:
        return self.run(self._call(lambda: self.engine.snapshot(slug)))

    def flush_history(self) -> None:
        self.run(self.engine.flush_history())

    def stop(self) -> None:
        if not self.thread.is_alive():
            return  # stopped already (a test that restarts the engine stops the old one itself)
        given_up = _ErrorsOf("engine.aio")
        try:
            with given_up:
                self.run(self.runner.stop() if self.runner else self.engine.stop(), timeout=90)
            assert not given_up.messages, "motoren stoppet, men måtte gi opp noe:\n" + "\n".join(given_up.messages)
        except TimeoutError:  # an engine that cannot stop: show where every thread and task is, then fail
            faulthandler.dump_traceback(all_threads=True)
            with contextlib.suppress(Exception):
                print(self.run(self._task_stacks(), timeout=5), file=sys.stderr)
            raise
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)


class _ErrorsOf(logging.Handler):
    """Collects what one logger reports at ERROR while in the ``with`` block (here: a stop that had to give a task
    or a step up, which the engine survives but a test must not pass over)."""

    def __init__(self, name: str) -> None:
        super().__init__(logging.ERROR)
        self.logger = logging.getLogger(name)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> _ErrorsOf:
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self)
