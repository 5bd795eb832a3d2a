"""Stopping the engine's own tasks, also when one of them swallows a cancellation.

A task can swallow one cancellation and go on waiting: on Python 3.11 ``asyncio.wait_for`` does when its inner
future finishes at the same moment (gh-86296), and channels_redis's ``receive`` awaits an unsubscribe while it is
being cancelled. Awaiting such a task once after ``cancel()`` can wait for ever, and the engine then never stops
(seen in CI: an idle event loop, every thread waiting, ``Engine.stop`` not returning). So the task is cancelled again
until it has ended, and one that still runs after ``rounds`` is logged with its stack and left behind.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)


async def cancel_tasks(*tasks: asyncio.Task | None, rounds: int = 20, wait_s: float = 0.5) -> list[asyncio.Task]:
    """Cancel ``tasks`` and wait until every one has ended; returns those that would not (logged)."""
    pending = {task for task in tasks if task is not None and not task.done()}
    for _ in range(rounds):
        if not pending:
            break
        for task in pending:
            task.cancel()
        _done, pending = await asyncio.wait(pending, timeout=wait_s)
    for task in tasks:
        if task is not None and task.done() and not task.cancelled():
            task.exception()  # retrieved: a task that failed earlier is not reported again at garbage collection
    for task in pending:
        logger.error("oppgaven %s stoppet ikke etter %s forsøk:\n%s", task.get_name(), rounds, task_stack(task))
    return sorted(pending, key=lambda task: task.get_name())


async def cancel_task(task: asyncio.Task | None) -> None:
    """Cancel a link's supervising task and wait for it to end."""
    await cancel_tasks(task)


def task_stack(task: asyncio.Task) -> str:
    out = io.StringIO()
    task.print_stack(file=out)
    return out.getvalue()


async def finish_within(coro: Coroutine[Any, Any, object], *, seconds: float, name: str) -> bool:
    """Run one step of a shutdown for at most ``seconds``; a step that hangs is logged with its stack and cancelled
    (``cancel_tasks``), and the shutdown goes on. False when the step failed or had to be cancelled."""
    task = asyncio.create_task(coro, name=name)
    try:
        done, _pending = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:  # the shutdown itself was cancelled: its step goes with it
        task.cancel()
        raise
    if not done:
        logger.error("%s ble ikke ferdig innen %s s:\n%s", name, seconds, task_stack(task))
        await cancel_tasks(task)
        return False
    if task.exception() is not None:
        logger.error("%s feilet: %r", name, task.exception())
        return False
    return True
