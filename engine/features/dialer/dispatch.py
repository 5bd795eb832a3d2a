"""The dialer's tick: for every running campaign inside its window, how many calls to start now (progressive: one
per ready agent of the campaign's queue minus the calls in flight; predictive: outbound.pacing.Pacer from the live
agent state and the calls ringing; preview: none, the agent dials from the console), and the dialling itself.

Every call is claimed in the database first (``attempt_claim``), then moved to «dialling» with the uniqueid the
engine gives it (``attempt_dialling``, conditional: False means never dial), and only then originated (AMI, Async)
out the agency's outbound route into ``t-<agency>-dialer``, extension = the campaign. Nothing waits on the database
in the ticker: the work runs in tasks, the database in the engine's pool.

At the first tick after a start the attempts a previous run left open are settled: one whose channel is still up
is followed to its end; every other ends as «failed» and its contact gets a later retry. None is originated again.
A resync (after an AMI reconnect) rebuilds the agency's live state but not the engine's own calls: the flights are
kept per node and agency (``data_for``), so a call that ends just after the resync is decided from its Hangup; one
whose channel ended while the link was down is decided from how far it had come (``ended_unseen``).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
import weakref

from asterisk_conf import naming
from engine import background
from engine.features.dialer.outcomes import Decision, Flight, decide, ended_unseen
from engine.guard import ami_value, dial_number
from engine.registry import ActionContext
from engine.state import AgencyLive, LiveState

logger = logging.getLogger(__name__)

FEATURE = "dialer"
REFRESH_S = 2.0
# The agency's live state is new after a start and after every resync (which rebuilds it): open attempts are
# settled only when it has existed this long, so a call still up is found, not ended as failed.
SETTLE_AFTER_S = 3.0
MAX_PER_TICK = 5  # new calls a campaign starts in one tick, at most
POOL: dict[str, object] = {}  # the engine's database pool, for the preview command (its context has none)


def data_of(live: AgencyLive) -> dict:
    return live.parts.setdefault(FEATURE, {"campaigns": [], "loaded_at": 0.0, "settled": False, "flights": {},
                                           "claiming": {}, "pacers": {}, "log": [], "seen_at": time.time()})


# The node's live state (it outlives a resync) -> agency -> the parts of the dialer's data a resync must not drop.
_KEPT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
KEPT_PARTS = ("flights", "pacers", "log")


def data_for(state: LiveState, slug: str, live: AgencyLive) -> dict:
    """``data_of``, with the calls in flight, the pacers and the log the node had for the agency before its live state
    was last rebuilt (one dict per part for the node's whole run, whatever a new AgencyLive got meanwhile added)."""
    data = data_of(live)
    kept = _KEPT.setdefault(state, {}).setdefault(slug, {})
    for key in KEPT_PARTS:
        own = kept.setdefault(key, data[key])
        if own is data[key]:
            continue
        if isinstance(own, dict):
            own.update(data[key])
        else:
            own.extend(data[key])
        data[key] = own
    return data


def _mask(number: str) -> str:
    return number[:-4] + "••••" if len(number) > 6 else number


def dialer_snapshot(live: AgencyLive) -> dict:
    """The calls in flight per campaign (the campaign live view) and the last outcomes."""
    campaigns: dict[str, list[dict]] = {}
    for f in data_of(live)["flights"].values():
        campaigns.setdefault(str(f.campaign_id), []).append(
            {"id": f.attempt_id, "number": _mask(f.number), "state": f.state, "agent": f.agent,
             "preview": f.preview, "since": f.dialled_at})
    return {"campaigns": campaigns, "log": list(data_of(live)["log"][-20:])}


spawn = background.spawn  # the feature's tasks (preview.py uses it too)
db = background.in_agency  # db(pool, slug, fn, **kwargs)


def new_channel_id() -> str:
    """A uniqueid for the channel the engine originates: Asterisk's own shape (``<epoch>.<n>``, so the call's row in
    the history has it as its linkedid), with a random part far above Asterisk's own counter."""
    return f"{int(time.time())}.{secrets.randbelow(9 * 10**9) + 10**9}"


def dial_target(number: str) -> str:
    """E.164 as the outbound route takes it: country code and number, digits only."""
    return dial_number(number.lstrip("+"))


# --- the tick ------------------------------------------------------------------------------------------------------

async def tick(ctx: ActionContext) -> None:
    POOL["pool"] = ctx.pool
    if ctx.ami is None or not ctx.ami.health.connected:
        return
    for slug, live in list(ctx.state.agencies.items()):
        data = data_for(ctx.state, slug, live)
        data["slug"], data["ctx"], data["live"] = slug, ctx, live
        if not data["settled"]:
            if time.time() - data["seen_at"] < SETTLE_AFTER_S:
                continue  # a (re)sync is still rebuilding the agency's channels: settle when they are known
            data["settled"] = True
            data["loaded_at"] = ctx.now
            spawn(_settle(ctx, slug, live))
            continue
        if data.get("settling"):
            continue
        if ctx.now - data["loaded_at"] >= REFRESH_S:
            data["loaded_at"] = ctx.now
            spawn(_refresh(ctx, slug, data))
        _expire(data, time.time())
        for campaign in data["campaigns"]:
            n = min(MAX_PER_TICK, calls_to_place(live, data, campaign, time.time()))
            for _ in range(n):
                data["claiming"][campaign["id"]] = data["claiming"].get(campaign["id"], 0) + 1
                spawn(_dial(ctx, slug, live, campaign))


FAILING_S = 5.0  # a failed Originate whose channel's Hangup does not come (no channel was made) is «failed»
STALE_S = 300.0  # a call with no word from Asterisk this long after it was dialled is given up (failed)


def _expire(data: dict, now: float) -> None:
    for flight in list(data["flights"].values()):
        stale = flight.state == "dialling" and now - flight.dialled_at > STALE_S
        if (stale or flight.state == "failing" and now - flight.failed_at > FAILING_S) and not flight.decided:
            flight.decided = True
            spawn(write(data["ctx"], data["slug"], data["live"], Decision(flight.attempt_id, "end", "failed")))


async def _refresh(ctx: ActionContext, slug: str, data: dict) -> None:
    from outbound.selectors import dialer_campaign_rows

    try:
        data["campaigns"] = await db(ctx.pool, slug, dialer_campaign_rows, at=dt.datetime.now(dt.UTC))
    except Exception:
        logger.exception("ringekampanjer for %s kunne ikke leses", slug)


def _agents(live: AgencyLive, queue: str, now: float):  # type: ignore[no-untyped-def]
    from outbound.pacing import AgentState

    free, wrapping, talking = 0, [], []
    for agent in live.agents.values():
        if queue not in agent.queues:
            continue
        if agent.state == "idle":
            free += 1
        elif agent.state == "wrapup":
            wrapping.append(max(0.0, agent.wrapup_until - now))
        elif agent.state in ("in_call", "ringing"):
            talking.append(max(0.0, now - agent.since))
    return free, wrapping, talking, AgentState


def calls_to_place(live: AgencyLive, data: dict, campaign: dict, now: float) -> int:
    """New calls for one campaign now (never for a preview campaign)."""
    from outbound.pacing import Pacer

    if campaign["mode"] not in ("progressive", "predictive"):
        return 0
    queue = naming.queue_name(live_slug(data), campaign["queue_id"])
    free, wrapping, talking, agent_state = _agents(live, queue, now)
    flights = [f for f in data["flights"].values() if f.campaign_id == campaign["id"] and not f.preview]
    claiming = data["claiming"].get(campaign["id"], 0)
    waiting = [f for f in flights if f.state == "answered"]
    ringing = [now - f.dialled_at for f in flights if f.state == "dialling"]
    if campaign["mode"] == "progressive":
        return max(0, free - len(waiting) - len(ringing) - claiming)
    pacer = data["pacers"].get(campaign["id"])
    if pacer is None or pacer.abandon_cap != campaign["abandon_cap"]:
        pacer = data["pacers"][campaign["id"]] = Pacer(mode="predictive", abandon_cap=campaign["abandon_cap"],
                                                       grace_seconds=0.0)
    agents = agent_state(free=free, waiting=len(waiting), wrapping=tuple(wrapping), talking=tuple(talking))
    return max(0, pacer.calls_to_place(agents=agents, ringing=ringing) - claiming)


def live_slug(data: dict) -> str:
    return data.get("slug", "")


# --- one call --------------------------------------------------------------------------------------------------------

async def _dial(ctx: ActionContext, slug: str, live: AgencyLive, campaign: dict) -> None:
    from outbound.services import attempt_claim, attempt_dialling

    data = data_of(live)
    cid = campaign["id"]
    flight = None
    try:
        attempt = await db(ctx.pool, slug, attempt_claim, campaign_id=cid)
        if attempt is None:  # nothing due (or paused, or the window closed): read the campaigns again first
            data["campaigns"] = [c for c in data["campaigns"] if c["id"] != cid]
            return
        channel_id = new_channel_id()
        flight = Flight(attempt_id=attempt.pk, campaign_id=cid, number=attempt.contact.number, channel_id=channel_id,
                        dialled_at=time.time())
        if not await db(ctx.pool, slug, attempt_dialling, attempt_id=attempt.pk, channel_id=channel_id):
            logger.warning("ringeforsøk %s ble ikke ringt: det var ikke lenger reservert", attempt.pk)
            return
        data["flights"][attempt.pk] = flight
    finally:
        data["claiming"][cid] = max(0, data["claiming"].get(cid, 1) - 1)
    logger.info("kampanje %s: ringer forsøk %s (kanal %s)", cid, flight.attempt_id, flight.channel_id)
    try:
        result = await ctx.ami.action(originate_action(slug, campaign, flight),
                                      timeout=campaign["ring_seconds"] + 60)
    except Exception:
        logger.exception("ringeforsøk %s: Originate feilet", flight.attempt_id)
        if not flight.decided:
            flight.decided = True
            await write(ctx, slug, live, Decision(flight.attempt_id, "end", "failed"))
        return
    await sent(ctx, slug, live, flight, result)


async def sent(ctx: ActionContext, slug: str, live: AgencyLive, flight: Flight, result: object) -> None:
    """Asterisk's answer to the Originate: queued (the OriginateResponse event tells the rest) or refused."""
    response = result[0] if isinstance(result, list) and result else result
    if isinstance(response, dict) and response.get("Response") == "Success":
        flight.action_id = str(response.get("ActionID", ""))
        return
    logger.warning("ringeforsøk %s: Originate avvist: %s", flight.attempt_id, response)
    if not flight.decided:
        flight.decided = True
        await write(ctx, slug, live, Decision(flight.attempt_id, "end", "failed"))


def originate_action(slug: str, campaign: dict, flight: Flight) -> dict:
    """The contact's number out the agency's outbound route (a Local channel, kept: /n), into the dialer context
    when answered; the channel gets the engine's uniqueid and the attempt's id."""
    caller_id = dial_number(campaign["caller_id"].lstrip("+")) if campaign["caller_id"] else ""
    variables = [f"DIALER_ATTEMPT={int(flight.attempt_id)}"]
    if caller_id:
        variables.append(f"OUTBOUND_CID={caller_id}")
    return {"Action": "Originate", "Channel": f"Local/{dial_target(flight.number)}@{naming.context(slug, 'outbound')}/n",
            "Context": naming.context(slug, "dialer"), "Exten": str(int(campaign["id"])), "Priority": 1,
            "Timeout": int(campaign["ring_seconds"]) * 1000, "CallerID": ami_value(caller_id or "Kampanje"),
            "ChannelId": ami_value(flight.channel_id), "Variable": ",".join(variables), "Async": "true"}


# --- outcomes --------------------------------------------------------------------------------------------------------

async def on_event(ctx: ActionContext, slug: str, ev: dict[str, str]) -> None:
    """UserEvent (DialerAbandoned, DialerMachine), AgentConnect, DialEnd, Newstate, Hangup of a call in flight."""
    live = ctx.state.agencies.get(slug)
    if live is None:
        return
    data = data_for(ctx.state, slug, live)
    if not data["flights"]:
        return
    decision = decide(data["flights"], ev, time.time())
    if decision is not None:
        await write(ctx, slug, live, decision)


def _agent_name(agent_id: int) -> str:
    from contactcenter.selectors import agent_list

    agent = agent_list().filter(pk=agent_id).first()
    return str(agent.person) if agent else ""


def _write_end(attempt_id: int, outcome: str, agent: str) -> bool:
    from outbound.services import attempt_answered, attempt_end

    if outcome in ("connected", "abandoned", "machine"):
        attempt_answered(attempt_id=attempt_id)
    return attempt_end(attempt_id=attempt_id, outcome=outcome, agent=agent)


async def write(ctx: ActionContext, slug: str, live: AgencyLive, decision: Decision) -> None:
    from outbound.services import attempt_answered

    data = data_of(live)
    flight = data["flights"].get(decision.attempt_id)
    try:
        if decision.kind == "answered":
            await db(ctx.pool, slug, attempt_answered, attempt_id=decision.attempt_id)
            return
        if decision.kind == "connected":
            if flight is not None and decision.agent_id is not None and not flight.agent:
                flight.agent = await db(ctx.pool, slug, _agent_name, agent_id=decision.agent_id)
            if flight is not None and flight.preview:
                await db(ctx.pool, slug, attempt_answered, attempt_id=decision.attempt_id)
            _learn_connected(data, flight)
            return
        agent = flight.agent if flight is not None and decision.outcome == "connected" else ""
        await db(ctx.pool, slug, _write_end, attempt_id=decision.attempt_id, outcome=decision.outcome, agent=agent)
        logger.info("ringeforsøk %s: %s%s", decision.attempt_id, decision.outcome, f" ({agent})" if agent else "")
        _learn(data, flight, decision.outcome)
        data["log"].append({"id": decision.attempt_id, "outcome": decision.outcome, "agent": agent, "at": time.time()})
    except Exception:
        logger.exception("ringeforsøk %s: utfallet kunne ikke lagres", decision.attempt_id)
    finally:
        if decision.kind == "end":
            data["flights"].pop(decision.attempt_id, None)


def _learn_connected(data: dict, flight: Flight | None) -> None:
    """An agent took the call: it enters the pacer's abandon window now (as in bench/dialer_sim.py), not when the
    call ends minutes later, so the window's abandoned share is not read too high meanwhile."""
    if flight is None or flight.counted or flight.campaign_id not in data["pacers"]:
        return
    delay = (flight.answered_at - flight.dialled_at) if flight.answered_at else None
    data["pacers"][flight.campaign_id].record_attempt(answered=True, abandoned=False, delay=delay)
    flight.counted = True


def _learn(data: dict, flight: Flight | None, outcome: str) -> None:
    """Feed the predictive pacer with the campaign's own outcomes."""
    if flight is None or flight.campaign_id not in data["pacers"]:
        return
    pacer, now = data["pacers"][flight.campaign_id], time.time()
    delay = (flight.answered_at - flight.dialled_at) if flight.answered_at else None
    if outcome == "connected":
        _learn_connected(data, flight)  # a call followed again after a restart was not counted at its connect
        pacer.record_handled(talk_seconds=now - (flight.connected_at or now))
    elif outcome == "abandoned":
        pacer.record_attempt(answered=True, abandoned=True, delay=delay)
    else:
        pacer.record_attempt(answered=False)


def _agent_bridged_with(live: AgencyLive, channel) -> int | None:  # type: ignore[no-untyped-def]
    """The agent whose phone is in the same bridge as ``channel`` (a call an agent is taking now)."""
    if not channel.bridge:
        return None
    for other in live.channels.values():
        if other.bridge == channel.bridge and other is not channel:
            for agent in live.agents.values():
                if other.channel.startswith(f"{agent.interface}-"):
                    return agent.agent_id
    return None


# --- after a start -----------------------------------------------------------------------------------------------

async def _settle(ctx: ActionContext, slug: str, live: AgencyLive) -> None:
    """Attempts a previous run left open: follow those whose channel is still up, end the others as failed (their
    contact gets a later retry). Claimed preview attempts wait for their agent and are left alone. After a resync,
    the engine's own calls whose channel is gone ended while the AMI link was down (``ended_unseen``)."""
    from outbound.selectors import attempts_open

    data = data_of(live)
    data["slug"] = slug
    data["settling"] = True
    try:
        up = {c.uniqueid: c for c in live.channels.values()}
        for decision in _ended_unseen(data, up):
            await write(ctx, slug, live, decision)
        for row in await db(ctx.pool, slug, attempts_open):
            if row["id"] in data["flights"] or (row["state"] == "claimed" and row["preview_agent_id"]):
                continue
            channel = up.get(row["channel_id"]) if row["channel_id"] else None
            if channel is not None:
                await _resume(ctx, slug, live, row, channel)
            else:
                outcome, agent = await db(ctx.pool, slug, _outcome_from_history, row=row)
                await db(ctx.pool, slug, _write_end, attempt_id=row["id"], outcome=outcome, agent=agent)
                logger.info("ringeforsøk %s: åpent fra før omstart, kanalen er borte: %s", row["id"], outcome)
    except Exception:
        logger.exception("åpne ringeforsøk for %s kunne ikke gjøres opp", slug)
        data["settled"] = False
    finally:
        data["settling"] = False


def _outcome_from_history(row: dict) -> tuple[str, str]:
    """An open attempt of a previous run whose channel is gone (it ended while no engine ran): connected if an
    agent took the call (the history knows it by the attempt's channel id, the call's linkedid), abandoned if it
    was answered without one, otherwise failed. Only connected closes the contact; the others get a later retry."""
    from contactcenter.selectors import call_taken_by

    agent = call_taken_by(linkedid=row["channel_id"]) if row["channel_id"] else None
    if agent:
        return "connected", agent
    return ("abandoned" if row["state"] == "answered" else "failed"), ""


def _ended_unseen(data: dict, up: dict) -> list[Decision]:
    """The engine's own calls, started before the live state was rebuilt, whose channel Asterisk no longer has."""
    ended = []
    for flight in list(data["flights"].values()):
        started = flight.action_id or flight.resumed  # Asterisk had its channel (an Originate not yet answered: no)
        if started and not flight.decided and flight.channel_id not in up and flight.dialled_at < data["seen_at"]:
            ended.append(ended_unseen(flight))
    return ended


async def _resume(ctx: ActionContext, slug: str, live: AgencyLive, row: dict, channel) -> None:  # type: ignore[no-untyped-def]
    """An open attempt of a previous run whose channel is still up: followed to its end (connected if an agent's
    phone is in its bridge)."""
    agent = _agent_bridged_with(live, channel)
    data_of(live)["flights"][row["id"]] = flight = Flight(
        attempt_id=row["id"], campaign_id=row["campaign_id"], number=row["contact__number"],
        channel_id=row["channel_id"], dialled_at=channel.started or time.time(),
        preview=bool(row["preview_agent_id"]), resumed=True,
        state="answered" if row["state"] == "answered" or channel.state == "Up" else "dialling")
    if agent is not None:
        flight.state, flight.agent_id, flight.connected_at = "connected", agent, time.time()
        flight.agent = row["agent"] or await db(ctx.pool, slug, _agent_name, agent_id=agent)
    logger.info("ringeforsøk %s: samtalen pågår fortsatt etter omstart, følges videre", row["id"])
