"""Background work of the engine's features: tasks started from the ticker (kept referenced until done, so the event
loop does not drop them), and database calls in an agency's schema on the engine's database thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor
from typing import Any

_tasks: set[asyncio.Task] = set()


def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
    """Run ``coro`` as its own task; the ticker that starts it never waits for it."""
    task = asyncio.create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


def _in_schema(slug: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
    from django_tenants.utils import schema_context

    with schema_context(slug):
        return fn(**kwargs)


async def in_agency(pool: Executor | None, slug: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
    """``fn(**kwargs)`` inside the agency's schema, on ``pool`` (the engine's database thread)."""
    return await asyncio.get_running_loop().run_in_executor(pool, lambda: _in_schema(slug, fn, **kwargs))
