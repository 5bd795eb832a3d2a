"""The callback dispatcher: every due request keeps its place in app_queue through a placeholder (see
placeholder.py); when an agent takes the placeholder, the attempt is claimed (one conditional UPDATE in the
database) and only then is the caller dialled, from the placeholder, with the queue's caller ID.

At the first tick after the engine starts, attempts left in «dialling» by a previous run are settled: the claim token
names the agent's interface, and an agent still bridged in a call is taken as answered; otherwise the attempt is
interrupted and waits for its next attempt. An attempt is never dialled again.
"""

from __future__ import annotations

import asyncio
import logging
import time

from engine.registry import ActionContext
from engine.state import AgencyLive

logger = logging.getLogger(__name__)

FEATURE = "callback"
REFRESH_S = 2.0
_tasks: set[asyncio.Task] = set()


def _data(live: AgencyLive) -> dict:
    return live.parts.setdefault(FEATURE, {"rows": [], "loaded_at": 0.0, "reserved": {}, "settled": False,
                                           "log": [], "placing": {}})


def callbacks_snapshot(live: AgencyLive) -> dict:
    data = _data(live)
    return {"in_flight": dict(data["reserved"]), "log": list(data["log"][-20:])}


def _spawn(coro) -> None:  # type: ignore[no-untyped-def]
    task = asyncio.create_task(coro)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def _in_schema(slug: str, fn, **kwargs):  # type: ignore[no-untyped-def]
    from django_tenants.utils import schema_context

    with schema_context(slug):
        return fn(**kwargs)


async def _db(ctx: ActionContext, slug: str, fn, **kwargs):  # type: ignore[no-untyped-def]
    return await asyncio.get_running_loop().run_in_executor(ctx.pool, lambda: _in_schema(slug, fn, **kwargs))


def _bridged(live: AgencyLive, interface: str) -> bool:
    return any(c.bridge and c.channel.startswith(f"{interface}-") for c in live.channels.values())


def _has_channel(live: AgencyLive, interface: str) -> bool:
    return any(c.channel.startswith(f"{interface}-") for c in live.channels.values())


async def _settle(ctx: ActionContext, slug: str, live: AgencyLive) -> None:
    """After a start: attempts a previous run left in «dialling»."""
    from contactcenter.selectors import callback_dialling_claims
    from contactcenter.services import callback_attempt_result, callback_settle_interrupted

    claims = await _db(ctx, slug, callback_dialling_claims)
    talking = [c for c in claims if _bridged(live, c["token"].split("|")[1])]
    for claim in talking:
        await _db(ctx, slug, callback_attempt_result, request_id=claim["id"], claimed_by=claim["token"],
                  result="answered")
    await _db(ctx, slug, callback_settle_interrupted, live_claims=[c["token"] for c in talking])


async def tick(ctx: ActionContext) -> None:
    for slug, live in list(ctx.state.agencies.items()):
        data = _data(live)
        if ctx.ami is None or not ctx.ami.health.connected:
            continue
        if not data["settled"]:
            data["settled"] = True
            _spawn(_settle(ctx, slug, live))
            continue
        if ctx.now - data["loaded_at"] >= REFRESH_S:
            data["loaded_at"] = ctx.now
            _spawn(_refresh(ctx, slug, data))  # never wait on the database in the ticker
        _start_due(ctx, slug, live, data)


async def _refresh(ctx: ActionContext, slug: str, data: dict) -> None:
    from contactcenter.selectors import callback_due_rows

    try:
        rows = await _db(ctx, slug, callback_due_rows)
    except Exception:
        logger.exception("tilbakeringinger for %s kunne ikke leses", slug)
        return
    started = set(data["reserved"].values())
    data["rows"] = [r for r in rows if r["id"] not in started]
    data["rows_at"] = time.monotonic()


def _start_due(ctx: ActionContext, slug: str, live: AgencyLive, data: dict) -> None:
    """Placeholders: put one into the queue for every due request that has none; act on those an agent took."""
    from engine.features.callback import placeholder

    placeholder.step(ctx, slug, live, data, _spawn, _db)
