"""A callback's placeholder in app_queue: the place is really kept (see docs/tilbakeringing.md).

For every due request the engine originates ``Local/cb<id>@t-<agency>-cbph/n``: the ;1 half enters the queue with
``Queue(..., position)`` at the place the caller had (behind everyone still waiting who joined before the caller,
ahead of everyone who joined later, ``callback_queue_position``), showing «Tilbakeringing <number>» to the agent; the
;2 half answers and waits, silent. app_queue now serves the placeholder exactly as it would have served the caller:
a later caller cannot take the agent first.

When an agent answers the placeholder (its ;1 half is bridged), the attempt is claimed in the database (one
conditional UPDATE) and only then the ;2 half is sent to click-to-call with the number and the queue's caller ID:
agent first, then the caller. The attempt is answered when the ;2 half is bridged with the caller, otherwise
«no answer» (the ;2 half hangs up, and the agent's call ends); a retry waits in the job system and, when due, gets
a new placeholder at the place its ``joined_at`` gives it.

Nothing of this lives only in memory: the placeholders are found again from the live channels by their names, so
after an engine restart a placeholder still in the queue is kept, not duplicated; an attempt is dialled only by the
one that won its claim, so a restart never dials it twice.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Callable

from asterisk_conf import naming
from engine.guard import ami_value, channel_name, dial_number
from engine.registry import ActionContext
from engine.state import AgencyLive, ChannelState

logger = logging.getLogger(__name__)

PLACING_GRACE_S = 15.0  # an originated placeholder not yet seen in the live state is not placed again before this
HANDLED_GRACE_S = 10.0  # a request whose attempt just ended is not placed again from rows read before it ended
WATCH_MAX_S = 180.0  # a caller's phone still ringing after this is hung up: no answer
BUSY_CAUSE = "17"  # AST_CAUSE_USER_BUSY
_HALF = re.compile(r"Local/cb(?P<id>[0-9]{1,12})@t-[a-z0-9-]+-cbph-[0-9a-f]{8};(?P<half>[12])")


def placeholders(live: AgencyLive) -> dict[int, dict[int, ChannelState]]:
    """Request id -> {half: channel} of every placeholder channel alive now."""
    out: dict[int, dict[int, ChannelState]] = {}
    for ch in live.channels.values():
        m = _HALF.fullmatch(ch.channel)
        if m:
            out.setdefault(int(m.group("id")), {})[int(m.group("half"))] = ch
    return out


def _effective_joined(live: AgencyLive, queue: str, rows: dict[int, dict]) -> list[float]:
    """The join times of everyone waiting in ``queue``; a placeholder counts with its request's join time."""
    out = []
    for caller in live.queues.get(queue, {}).values():
        m = _HALF.fullmatch(caller.channel)
        row = rows.get(int(m.group("id"))) if m else None
        out.append(row["joined_at"] if row else caller.joined_at)
    return out


def step(ctx: ActionContext, slug: str, live: AgencyLive, data: dict, spawn: Callable, db: Callable) -> None:
    now = time.monotonic()
    present = placeholders(live)
    placing, handled = data["placing"], data.setdefault("handled", {})
    for rid in [r for r, at in placing.items() if r in present or now - at > PLACING_GRACE_S]:
        placing.pop(rid)
    for rid in [r for r, at in handled.items() if now - at > HANDLED_GRACE_S and r not in present]:
        handled.pop(rid)
    rows = {r["id"]: r for r in data["rows"]}
    for rid, halves in present.items():
        one = halves.get(1)
        if one is not None and one.bridge and rid in rows and rid not in handled and rid not in data["reserved"].values():
            agent = _agent_bridged_with(live, one)
            if agent is not None:
                data["reserved"][agent.interface] = rid
                spawn(_answered(ctx, slug, live, data, rows[rid], halves, agent, db))
    if data.get("rows_at"):
        for rid in [r for r in present if r not in rows and r not in handled and r not in data["reserved"].values()]:
            handled[rid] = now  # its request is no longer waiting (expired, cancelled, or claimed before a restart)
            spawn(_release_unclaimed(ctx, present[rid]))
    for rid, row in rows.items():
        if rid in present or rid in placing or rid in handled or rid in data["reserved"].values():
            continue
        placing[rid] = now
        spawn(_place(ctx, slug, live, row, rows))


def _agent_bridged_with(live: AgencyLive, one: ChannelState):  # type: ignore[no-untyped-def]
    for ch in live.channels.values():
        if ch.bridge == one.bridge and ch is not one:
            for agent in live.agents.values():
                if ch.channel.startswith(f"{agent.interface}-"):
                    return agent
    return None


def _target(number: str) -> str:
    return dial_number(number[3:] if number.startswith("+47") else number.lstrip("+"))


async def _place(ctx: ActionContext, slug: str, live: AgencyLive, row: dict, rows: dict[int, dict]) -> None:
    from contactcenter.selectors import callback_queue_position

    queue = naming.queue_name(slug, row["queue_id"])
    position = callback_queue_position(joined_at=row["joined_at"], waiting_joined=_effective_joined(live, queue, rows))
    context = naming.context(slug, "cbph")
    try:
        response = await ctx.ami.action({
            "Action": "Originate", "Channel": f"Local/cb{int(row['id'])}@{context}/n", "Context": context,
            "Exten": f"q{int(row['queue_id'])}", "Priority": 1, "Variable": f"CB_POS={int(position)}",
            "CallerID": ami_value(f"Tilbakeringing <{_target(row['number'])}>"), "Timeout": 10000, "Async": "true"})
        if isinstance(response, dict) and response.get("Response") == "Error":
            logger.warning("plassholder for tilbakeringing %s avvist: %s", row["id"], response.get("Message"))
            return
        logger.info("tilbakeringing %s: plassholder i %s på plass %s", row["id"], queue, position)
    except Exception:
        logger.exception("plassholder for tilbakeringing %s kunne ikke settes i kø", row["id"])


async def _answered(ctx: ActionContext, slug: str, live: AgencyLive, data: dict, row: dict,  # type: ignore[no-untyped-def]
                    halves: dict[int, ChannelState], agent, db: Callable) -> None:
    """An agent took the placeholder: claim the attempt, then (and only then) dial the caller from the ;2 half."""
    from contactcenter.services import callback_attempt_result, callback_claim

    rid = row["id"]
    token = f"{ctx.node}|{agent.interface}|ph{uuid.uuid4().hex[:10]}"
    two = halves.get(2)
    try:
        if two is None or await db(ctx, slug, callback_claim, request_id=rid, claimed_by=token) is None:
            logger.info("tilbakeringing %s: ikke krevd (allerede krevd eller ikke lenger ventende)", rid)
            await _release_unclaimed(ctx, halves)
            return  # claimed before (e.g. by the run before a restart): that run's call goes on, never a second dial
        logger.info("tilbakeringing %s: %s tok plassholderen, forsøket er krevd, ringer innringeren", rid,
                    agent.interface)
        result = await _dial(ctx, live, two, row)
        logger.info("tilbakeringing %s: %s", rid, result)
        await db(ctx, slug, callback_attempt_result, request_id=rid, claimed_by=token, result=result,
                 agent_id=agent.agent_id)
        data["log"].append({"id": rid, "agent_id": agent.agent_id, "result": result, "at": time.time()})
    except Exception:
        logger.exception("tilbakeringing %s feilet", rid)
    finally:
        data.setdefault("handled", {})[rid] = time.monotonic()
        data["reserved"].pop(agent.interface, None)


async def _release_unclaimed(ctx: ActionContext, halves: dict[int, ChannelState]) -> None:
    """A placeholder whose request could not be claimed: if it was never sent to dial (no C2C_TARGET on its ;2
    half: the request expired or was cancelled while it waited), hang it up so the agent is free again. One that
    was sent to dial by an earlier run is left alone: that call goes on."""
    two = halves.get(2)
    if two is None:
        return
    channel = channel_name(two.channel)
    response = await ctx.ami.action({"Action": "Getvar", "Channel": channel, "Variable": "C2C_TARGET"})
    if isinstance(response, dict) and response.get("Response") == "Success" and not response.get("Value"):
        await ctx.ami.action({"Action": "Hangup", "Channel": channel})


async def _dial(ctx: ActionContext, live: AgencyLive, two: ChannelState, row: dict) -> str:
    """Send the placeholder's ;2 half to click-to-call, then watch it (``watch``)."""
    channel = channel_name(two.channel)
    variables = {"C2C_TARGET": _target(row["number"])}
    if row["caller_id"]:
        variables["OUTBOUND_CID"] = dial_number(row["caller_id"].lstrip("+"))
    for name, value in variables.items():
        await ctx.ami.action({"Action": "Setvar", "Channel": channel, "Variable": name, "Value": value})
    slug = naming.agency_of(channel) or ""
    await ctx.ami.action({"Action": "Redirect", "Channel": channel, "Context": naming.context(slug, "c2c"),
                          "Exten": "s", "Priority": 1})
    return await watch(ctx, live, two)


async def was_sent_to_dial(ctx: ActionContext, two: ChannelState) -> bool:
    """Whether the ;2 half was sent to click-to-call (it has a C2C_TARGET): after a restart, an attempt claimed but
    never sent has dialled nobody."""
    response = await ctx.ami.action({"Action": "Getvar", "Channel": channel_name(two.channel),
                                     "Variable": "C2C_TARGET"})
    return not (isinstance(response, dict) and response.get("Response") == "Success" and not response.get("Value"))


async def watch(ctx: ActionContext, live: AgencyLive, two: ChannelState) -> str:
    """The attempt's outcome from the caller's leg: answered when the ;2 half (dialling the caller) is bridged with
    the caller's channel; «busy» when it hung up with cause 17 (the phone answered 486), otherwise «no answer».
    The agent's side says nothing: the agent is bridged with the placeholder before the caller answers. A call
    still ringing after ``WATCH_MAX_S`` is hung up, so the outcome recorded is the true one."""
    deadline = time.monotonic() + WATCH_MAX_S
    while time.monotonic() < deadline:
        await asyncio.sleep(0.3)
        now = live.channels.get(two.uniqueid)
        if now is None:
            return await _ended(live, two.uniqueid)
        if now.bridge:
            return "answered"
    await ctx.ami.action({"Action": "Hangup", "Channel": channel_name(two.channel)})
    return "no_answer"


async def _ended(live: AgencyLive, uniqueid: str) -> str:
    causes = live.parts.setdefault("callback_causes", {})
    for _ in range(10):  # the Hangup's cause is noted by a signal handler, a moment after the channel left the state
        if uniqueid in causes:
            break
        await asyncio.sleep(0.1)
    return "busy" if causes.pop(uniqueid, "") == BUSY_CAUSE else "no_answer"


def note_hangup(live: AgencyLive, ev: dict[str, str]) -> None:
    """A placeholder's ;2 half hung up: keep its cause (``_ended``), the last few only."""
    m = _HALF.fullmatch(ev.get("Channel", ""))
    if not m or m.group("half") != "2":
        return
    causes = live.parts.setdefault("callback_causes", {})
    causes[ev.get("Uniqueid", "")] = ev.get("Cause", "")
    for old in list(causes)[:-50]:
        causes.pop(old)
