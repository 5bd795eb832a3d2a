"""The callback dispatcher: when a callback request would be at the head of its queue and an agent is free, claim
the attempt (one conditional UPDATE in the database), reserve the agent (pause, reason «tilbakeringing»), ring the
agent first and then, from the agent's phone, the caller (the click-to-call context). The attempt is answered when
the agent's channel is bridged with the caller, otherwise not answered; the agent is unpaused either way.

At the first tick after the engine starts, attempts left in «dialling» by a previous run are settled: the claim token
names the agent's interface, and an agent still bridged in a call is taken as answered; otherwise the attempt is
interrupted and waits for its next attempt. An attempt is never dialled again.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

from asterisk_conf import naming
from engine.guard import ami_value, dial_number
from engine.registry import ActionContext
from engine.state import AgencyLive

logger = logging.getLogger(__name__)

FEATURE = "callback"
REFRESH_S = 2.0
WATCH_MAX_S = 120.0
PAUSE_REASON = "tilbakeringing"
_tasks: set[asyncio.Task] = set()


def _data(live: AgencyLive) -> dict:
    return live.parts.setdefault(FEATURE, {"rows": [], "loaded_at": 0.0, "reserved": {}, "settled": False,
                                           "log": []})


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


def _free_agents(live: AgencyLive, queue: str, reserved: dict) -> list:
    return [a for a in sorted(live.agents.values(), key=lambda a: a.since)
            if queue in a.queues and a.state == "idle" and a.interface not in reserved]


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


def _start_due(ctx: ActionContext, slug: str, live: AgencyLive, data: dict) -> None:
    from contactcenter.selectors import callbacks_to_start

    by_queue: dict[int, list[dict]] = {}
    for row in data["rows"]:
        if row["id"] not in data["reserved"].values():
            by_queue.setdefault(row["queue_id"], []).append(row)
    for queue_id, rows in by_queue.items():
        queue = naming.queue_name(slug, queue_id)
        free = _free_agents(live, queue, data["reserved"])
        waiting = [c.joined_at for c in live.queues.get(queue, {}).values()]
        ids = callbacks_to_start(pending=[(r["id"], r["joined_at"]) for r in rows], waiting_joined=waiting,
                                 free_agents=len(free))
        for agent, rid in zip(free, ids, strict=False):
            row = next(r for r in rows if r["id"] == rid)
            data["reserved"][agent.interface] = rid
            data["rows"] = [r for r in data["rows"] if r["id"] != rid]
            _spawn(_run(ctx, slug, live, data, row, agent))


async def _run(ctx: ActionContext, slug: str, live: AgencyLive, data: dict, row: dict, agent) -> None:  # type: ignore[no-untyped-def]
    from contactcenter.services import callback_attempt_result, callback_claim

    token = f"{ctx.node}|{agent.interface}|{uuid.uuid4().hex[:12]}"
    try:
        if await _db(ctx, slug, callback_claim, request_id=row["id"], claimed_by=token) is None:
            return
        result = await _call(ctx, live, row, agent.interface)
        await _db(ctx, slug, callback_attempt_result, request_id=row["id"], claimed_by=token, result=result,
                  agent_id=agent.agent_id)
        data["log"].append({"id": row["id"], "agent_id": agent.agent_id, "result": result, "at": time.time()})
    except Exception:
        logger.exception("tilbakeringing %s feilet", row["id"])
    finally:
        data["reserved"].pop(agent.interface, None)
        await _pause(ctx, agent.interface, False)


async def _pause(ctx: ActionContext, interface: str, paused: bool) -> None:
    action = {"Action": "QueuePause", "Interface": interface, "Paused": "true" if paused else "false"}
    if paused:
        action["Reason"] = PAUSE_REASON
    await ctx.ami.action(action)


async def _call(ctx: ActionContext, live: AgencyLive, row: dict, interface: str) -> str:
    """Ring the agent, then the caller from the agent's phone; answered when the two are bridged."""
    number = row["number"]
    target = dial_number(number[3:] if number.startswith("+47") else number.lstrip("+"))
    await _pause(ctx, interface, True)
    variables = f"C2C_TARGET={target}"
    if row["caller_id"]:
        variables += f",OUTBOUND_CID={dial_number(row['caller_id'].lstrip('+'))}"
    await ctx.ami.action({
        "Action": "Originate", "Channel": interface, "Context": naming.context(_slug_of(interface), "c2c"),
        "Exten": "s", "Priority": 1, "Variable": variables, "Timeout": 30000, "Async": "true",
        "CallerID": ami_value(f"Tilbakeringing <{target}>")})
    deadline = time.monotonic() + WATCH_MAX_S
    seen = False
    while time.monotonic() < deadline:
        await asyncio.sleep(0.3)
        if _bridged(live, interface):
            return "answered"
        seen = seen or _has_channel(live, interface)
        if seen and not _has_channel(live, interface):
            return "no_answer"
        if not seen and time.monotonic() > deadline - WATCH_MAX_S + 35:
            return "no_answer"  # the agent's phone never answered the originate
    return "no_answer"


def _slug_of(interface: str) -> str:
    slug = naming.agency_of(interface.removeprefix("PJSIP/"))
    if slug is None:
        raise ValueError(f"ukjent grensesnitt {interface}")
    return slug
