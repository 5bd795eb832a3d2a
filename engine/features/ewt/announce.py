"""The estimated wait, said to the waiting caller.

Every tick the feature looks at each caller waiting in a queue whose "si forventet ventetid" is on. A caller is due
an announcement two seconds after joining (one answered at once hears nothing) and then every
``periodic_announce_seconds``. The estimate comes from the control plane (``contactcenter.selectors.wait_estimate``,
the pure estimator in ``contactcenter.ewt``) from the live agents of the queue and the queue's recent history, read
on the engine's database thread once a minute, with the agents who usually log in to the queue in the next hour at
this time of day (``contactcenter.selectors.queue_expected_logins``, from the sessions the engine records).

The caller stays in app_queue, in their place, while hearing it: ARI makes a snoop channel on the caller's channel
that whispers into what the caller hears (``whisper=out``) and plays the prompts on it, over the queue's music.
"""

from __future__ import annotations

import asyncio
import logging
import time

from asterisk_conf import naming
from engine import background
from engine.ari import AriError, _path_part
from engine.features.ewt import learn
from engine.registry import ActionContext
from engine.state import AgencyLive

logger = logging.getLogger(__name__)

FEATURE = "ewt"
ARI_APP = "controlplane"  # engine.core.ARI_APP: the snoop channel enters our own Stasis application
JOIN_DELAY_S = 2.0
REFRESH_S = 60.0  # history is read again at least this often, and when a new caller waits (at most every 5 s)
REFRESH_NEW_CALLER_S = 5.0
PLAYBACK_MAX_S = 30.0
SERVING = {"idle", "ringing", "in_call", "wrapup"}  # logged in and not paused
# Stock prompts (Asterisk core sounds); the Norwegian set adds the two the stock set lacks ("omtrent", "mer enn").
OPTIONAL_PROMPTS = ("ewt-about", "ewt-more-than", "cb-offer")
# The callback offer ("trykk 1 for å bli ringt opp"): the Norwegian cb-offer, or the stock "press 1 to call back".
STOCK_OFFER = ["sound:vm-press", "digits:1", "sound:vm-tocallback"]


def _data(live: AgencyLive) -> dict:
    return live.parts.setdefault(FEATURE, {"announced": {}, "waits": {}, "history": None, "loaded_at": 0.0, "history_at": 0.0,
                                           "prompts": None})


def waits_snapshot(live: AgencyLive) -> dict:
    return dict(_data(live)["waits"])


_spawn = background.spawn


def _load_history(slug: str) -> dict:
    from django_tenants.utils import schema_context

    from contactcenter.selectors import queue_wait_history

    with schema_context(slug):
        return queue_wait_history()


def _load_away(slug: str) -> dict:
    from django_tenants.utils import schema_context

    from contactcenter.selectors import agent_away_history

    with schema_context(slug):
        return agent_away_history(limit=learn.WINDOW)


async def _refresh(ctx: ActionContext, slug: str, data: dict) -> None:
    started = time.time()
    try:
        loop = asyncio.get_running_loop()
        if not data.get("away_seeded"):  # once per live state: after a start or a resync
            learn.seed(data, await loop.run_in_executor(ctx.pool, _load_away, slug))
            data["away_seeded"] = True
        data["history"] = await loop.run_in_executor(ctx.pool, _load_history, slug)
        data["history_at"] = started
    except Exception:
        logger.exception("ventetidshistorikk for %s kunne ikke leses", slug)


def agent_loads(live: AgencyLive, queue: str, now: float, skills: dict | None = None) -> list[tuple]:
    """(busy_for, free_in, skills) of each agent of ``queue`` who is logged in and not paused; ``skills``: the
    queue's required skills each agent ID has (None: the queue requires none, every member counts)."""
    out: list[tuple] = []
    for agent in live.agents.values():
        if queue not in agent.queues or agent.state not in SERVING:
            continue
        has = None if skills is None else skills.get(agent.agent_id, [])
        if agent.state == "idle":
            out.append((None, None, has))
        elif agent.state == "wrapup":
            out.append((None, max(agent.wrapup_until - now, 0.0), has))
        elif agent.state == "ringing":
            out.append((0.0, None, has))
        else:
            out.append((max(now - agent.since, 0.0), None, has))
    return out


def _due(data: dict, uniqueid: str, joined_at: float, period: int, now: float) -> bool:
    last = data["announced"].get(uniqueid)
    age = now - joined_at
    if last is None:
        if age < JOIN_DELAY_S or data["history_at"] < joined_at - REFRESH_NEW_CALLER_S:
            return False
        if age > JOIN_DELAY_S + 10 and period:  # known only since a resync: keep the periodic rhythm
            data["announced"][uniqueid] = now - (age % period)
            return False
        return True
    return bool(period) and now - last >= period


async def tick(ctx: ActionContext) -> None:
    for slug, live in list(ctx.state.agencies.items()):
        data = _data(live)
        learn.observe(data, live)
        waiting = {uid for callers in live.queues.values() for uid in callers}
        since = ctx.now - data["loaded_at"]
        if since >= REFRESH_S or (since >= REFRESH_NEW_CALLER_S and waiting - set(data["announced"])):
            data["loaded_at"] = ctx.now
            _spawn(_refresh(ctx, slug, data))
        if data["history"] is None or ctx.ari is None or not ctx.ari.health.connected:
            continue
        for gone in set(data["announced"]) - waiting:
            data["announced"].pop(gone, None)
            data["waits"].pop(gone, None)
        for queue, callers in live.queues.items():
            _queue_tick(ctx, live, data, queue, callers)


def _queue_tick(ctx: ActionContext, live: AgencyLive, data: dict, queue: str, callers: dict) -> None:
    parsed = naming.parse_queue_name(queue)
    cfg = data["history"].get(parsed[1]) if parsed else None
    if not cfg or not cfg["announce"]:
        return
    for caller in sorted(callers.values(), key=lambda c: c.position):
        if not _due(data, caller.uniqueid, caller.joined_at, cfg["periodic"], ctx.now):
            continue
        data["announced"][caller.uniqueid] = ctx.now
        skills = cfg.get("agent_skills") if cfg.get("required") else None
        cfg = {**cfg, **learn.away_inputs(data)}
        _spawn(_announce(ctx, data, queue, caller.uniqueid, caller.position, cfg,
                         agent_loads(live, queue, ctx.now, skills)))


def logins_ahead(logins: list, now: float) -> list[tuple[float, float]]:
    """The usual logins read with the history ((epoch seconds, expected agents)), as seconds from ``now``; those
    whose time has passed since are left out (the agents who came are among the live agents now)."""
    return [(at - now, n) for at, n in logins if at > now]


def _estimate(position: int, loads: list, cfg: dict) -> dict:
    from contactcenter.selectors import wait_estimate

    return wait_estimate(position=position, agents=loads, handle_times=cfg["handle_times"],
                         abandon_rate=cfg["abandon_rate"], away_share=cfg.get("away_share", 0.0),
                         away_times=cfg.get("away_times"), required=cfg.get("required"),
                         logins=logins_ahead(cfg.get("logins") or [], time.time()))


async def _announce(ctx: ActionContext, data: dict, queue: str, uniqueid: str, position: int, cfg: dict,
                    loads: list) -> None:
    est = await asyncio.get_running_loop().run_in_executor(ctx.pool, _estimate, position, loads, cfg)
    record = {"queue": queue, "position": position, "kind": est["kind"], "minutes": est["minutes"],
              "text": est["text"], "at": time.time(), "media": [], "played": "",
              "count": data["waits"].get(uniqueid, {}).get("count", 0)}
    data["waits"][uniqueid] = record
    media = await _media(ctx, data, est)
    if media and cfg.get("callback_above") is not None and (est["seconds"] or 0) > cfg["callback_above"]:
        media += ["sound:cb-offer"] if "cb-offer" in data["prompts"] else STOCK_OFFER
        record["offered_callback"] = True
    if not media:
        record["played"] = "nothing to say"
        return
    record["media"] = media
    try:
        await play(ctx.ari, uniqueid, media)
        record["played"] = "done"
        record["count"] += 1
    except (AriError, OSError) as exc:
        record["played"] = f"failed: {exc}"
        logger.warning("ventetid til %s ble ikke spilt: %s", uniqueid, exc)


async def _prompts(ctx: ActionContext, data: dict) -> set[str]:
    """Which optional prompts Asterisk has (asked once per agency per engine run)."""
    if data["prompts"] is None:
        found = set()
        for name in OPTIONAL_PROMPTS:
            try:
                await ctx.ari.request("GET", f"/sounds/{_path_part(name)}")
                found.add(name)
            except AriError:
                pass
        data["prompts"] = found
    return data["prompts"]


async def _media(ctx: ActionContext, data: dict, est: dict) -> list[str]:
    """The prompts for an estimate: "Forventet ventetid er [omtrent] N minutter", "... mer enn N minutter" only
    when the Norwegian set has "mer enn", and nothing for an unknown wait."""
    have = await _prompts(ctx, data)
    n = est["minutes"]
    unit = "sound:queue-minute" if n == 1 else "sound:queue-minutes"
    if est["kind"] == "about":
        about = ["sound:ewt-about"] if "ewt-about" in have else []
        return ["sound:queue-holdtime", *about, f"number:{int(n)}", unit]
    if est["kind"] == "more_than" and "ewt-more-than" in have:
        return ["sound:queue-holdtime", "sound:ewt-more-than", f"number:{int(n)}", unit]
    return []


async def play(ari, uniqueid: str, media: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Whisper ``media`` into what the caller on channel ``uniqueid`` hears, and wait until it has played."""
    snoop = await ari.request("POST", f"/channels/{_path_part(uniqueid)}/snoop", app=ARI_APP, whisper="out",
                              spy="none")
    snoop_id = _path_part(snoop["id"])
    try:
        playback = await ari.request("POST", f"/channels/{snoop_id}/play", media=",".join(media))
        deadline = time.monotonic() + PLAYBACK_MAX_S
        while time.monotonic() < deadline:
            await asyncio.sleep(0.3)
            try:
                await ari.request("GET", f"/playbacks/{_path_part(playback['id'])}")
            except AriError:
                return  # gone: finished
    finally:
        try:
            await ari.request("DELETE", f"/channels/{snoop_id}")
        except AriError:
            pass
