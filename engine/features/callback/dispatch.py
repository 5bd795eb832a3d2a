"""The callback dispatcher: every due request keeps its place in app_queue through a placeholder (see
placeholder.py); when an agent takes the placeholder, the attempt is claimed (one conditional UPDATE in the
database) and only then is the caller dialled, from the placeholder, with the queue's caller ID.

Shortly after the engine starts (or reconnects), attempts left in «dialling» by a previous run are settled from the
caller's leg, the placeholder's ;2 half that dialled the caller (never from the agent's side: the agent is bridged
with the placeholder before the caller answers): bridged -> answered; still ringing -> watched until it is answered or
ends, and that outcome recorded; gone -> interrupted, waiting for its next attempt. An attempt is never dialled
again.
"""

from __future__ import annotations

import logging
import time

from engine import background
from engine.features.callback import placeholder
from engine.guard import channel_name
from engine.registry import ActionContext
from engine.state import AgencyLive

logger = logging.getLogger(__name__)

FEATURE = "callback"
REFRESH_S = 2.0
SETTLE_AFTER_S = 2.0


def _data(live: AgencyLive) -> dict:
    return live.parts.setdefault(FEATURE, {"rows": [], "loaded_at": 0.0, "reserved": {}, "settled": False,
                                           "log": [], "placing": {}})


def callbacks_snapshot(live: AgencyLive) -> dict:
    data = _data(live)
    return {"in_flight": dict(data["reserved"]), "log": list(data["log"][-20:])}


_spawn = background.spawn


async def _db(ctx: ActionContext, slug: str, fn, **kwargs):  # type: ignore[no-untyped-def]
    return await background.in_agency(ctx.pool, slug, fn, **kwargs)


def _agent_id(live: AgencyLive, interface: str) -> int | None:
    return next((a.agent_id for a in live.agents.values() if a.interface == interface), None)


async def _settle(ctx: ActionContext, slug: str, live: AgencyLive, data: dict) -> None:
    """After a start: attempts a previous run left in «dialling», decided from the caller's leg (the placeholder's
    ;2 half): bridged -> answered; still dialling the caller -> watched on until it is answered or ends, and that
    outcome recorded; gone, or never sent to dial -> interrupted. None of them is dialled again."""
    from contactcenter.selectors import callback_dialling_claims
    from contactcenter.services import callback_settle_interrupted

    claims = await _db(ctx, slug, callback_dialling_claims)
    present = placeholder.placeholders(live)
    live_claims = []
    for claim in claims:
        two = present.get(claim["id"], {}).get(2)
        if two is None or not (two.bridge or await placeholder.was_sent_to_dial(ctx, two)):
            continue
        live_claims.append(claim["token"])
        _spawn(_resume(ctx, slug, live, data, claim, two))
    await _db(ctx, slug, callback_settle_interrupted, live_claims=live_claims)
    for claim in claims:  # claimed but never sent to dial: the placeholder goes, the agent is free again
        two = present.get(claim["id"], {}).get(2)
        if two is not None and claim["token"] not in live_claims:
            await ctx.ami.action({"Action": "Hangup", "Channel": channel_name(two.channel)})


async def _resume(ctx: ActionContext, slug: str, live: AgencyLive, data: dict, claim: dict, two) -> None:  # type: ignore[no-untyped-def]
    """Watch an attempt a previous run dialled until the caller answers or the call ends; record that once."""
    from contactcenter.services import callback_attempt_result

    rid, interface = claim["id"], (claim["token"].split("|") + ["", ""])[1]
    data["reserved"][interface] = rid
    try:
        result = await placeholder.watch(ctx, live, two)
        logger.info("tilbakeringing %s (fra før omstart): %s", rid, result)
        await _db(ctx, slug, callback_attempt_result, request_id=rid, claimed_by=claim["token"], result=result,
                  agent_id=_agent_id(live, interface))
        data["log"].append({"id": rid, "agent_id": _agent_id(live, interface), "result": result, "at": time.time()})
    except Exception:
        logger.exception("tilbakeringing %s kunne ikke gjenopptas", rid)
    finally:
        data.setdefault("handled", {})[rid] = time.monotonic()
        data["reserved"].pop(interface, None)


async def on_hangup(ctx: ActionContext, slug: str, ev: dict[str, str]) -> None:
    placeholder.note_hangup(ctx.state.agency(slug), ev)


async def tick(ctx: ActionContext) -> None:
    for slug, live in list(ctx.state.agencies.items()):
        data = _data(live)
        if ctx.ami is None or not ctx.ami.health.connected:
            continue
        if not data["settled"]:  # once the state rebuilt after a (re)connect has had a moment to fill
            if ctx.now - data.setdefault("seen_at", ctx.now) >= SETTLE_AFTER_S:
                data["settled"] = True
                _spawn(_settle(ctx, slug, live, data))
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
    placeholder.step(ctx, slug, live, data, _spawn, _db)
