"""Commands the engine runs on live calls. Each one checks again that every channel, queue and
interface belongs to the asking agency, and builds its AMI action only from generated names and
validated values. The context and extension of an Originate are fixed per agency; a number the
user typed travels only as a validated channel variable."""

from __future__ import annotations

import re
import time
from pathlib import Path

from asterisk_conf import naming
from engine.ami import AmiLink
from engine.guard import UnsafeValue, ami_value, channel_name, dial_number
from engine.state import LiveState


class CommandRefused(RuntimeError):
    """A command the engine will not run (wrong agency, bad value, unknown channel)."""


_INTERFACE = naming.INTERFACE_RE


def _own_interface(agency: str, value: str) -> str:
    m = _INTERFACE.fullmatch(value or "")
    if not m or m.group("slug") != agency:
        raise CommandRefused("grensesnittet tilhører ikke etaten")
    return value


def _own_queue(agency: str, value: str) -> str:
    parsed = naming.parse_queue_name(value)
    if parsed is None or parsed[0] != agency:
        raise CommandRefused("køen tilhører ikke etaten")
    return value


def _own_member(agency: str, value: str) -> str:
    parsed = naming.parse_member_name(value)
    if parsed is None or parsed[0] != agency:
        raise CommandRefused("agenten tilhører ikke etaten")
    return value


def _own_channel(agency: str, state: LiveState, value: str) -> str:
    try:
        channel_name(value)
    except UnsafeValue as exc:
        raise CommandRefused(str(exc)) from exc
    if naming.agency_of(value) != agency:
        raise CommandRefused("kanalen tilhører ikke etaten")
    live = state.agencies.get(agency)
    if live is None or not any(ch.channel == value for ch in live.channels.values()):
        raise CommandRefused("kanalen finnes ikke (lenger)")
    return value


def _peer_of(agency: str, state: LiveState, channel: str) -> str:
    """The other party bridged with ``channel``. It must be the agency's own channel: a call between
    agencies passes the boundary (a Local channel pair per agency, see asterisk_conf.render), so the peer
    of an agency's phone is that agency's half of the pair. A bridge that holds another agency's channel
    (a call that did not pass the boundary, or the boundary's own middle bridge) is refused, so a command
    can never move, transfer or hang up a channel of another agency."""
    live = state.agencies[agency]
    mine = next(ch for ch in live.channels.values() if ch.channel == channel)
    if not mine.bridge:
        raise CommandRefused("samtalen er ikke koblet opp")
    others = [(slug, ch.channel) for slug, agency_live in state.agencies.items()
              for ch in agency_live.channels.values() if ch.bridge == mine.bridge and ch.channel != channel]
    if any(slug != agency or naming.agency_of(name) != agency for slug, name in others):
        raise CommandRefused("motparten tilhører en annen etat")
    if not others:
        raise CommandRefused("fant ikke motparten")
    return others[0][1]


def _check(resp: object) -> dict:
    if not isinstance(resp, dict) or resp.get("Response") != "Success":
        message = resp.get("Message", "") if isinstance(resp, dict) else ""
        raise CommandRefused(f"Asterisk avviste: {message}")
    return resp


async def run(op: str, *, agency: str, args: dict, link: AmiLink | None, state: LiveState,
              recordings_dir: Path) -> object:
    if link is None:
        raise CommandRefused("ingen AMI-forbindelse")
    try:
        handler = _HANDLERS[op]
    except KeyError as exc:
        raise CommandRefused(f"ukjent kommando {op!r}") from exc
    try:
        return await handler(agency, args, link, state, recordings_dir)
    except UnsafeValue as exc:
        raise CommandRefused(str(exc)) from exc


async def _queue_add(agency, args, link, state, _rec):  # type: ignore[no-untyped-def]
    action = {"Action": "QueueAdd", "Queue": _own_queue(agency, args["queue"]),
              "Interface": _own_interface(agency, args["interface"]),
              "StateInterface": _own_interface(agency, args["interface"]),
              "MemberName": _own_member(agency, args["member"]), "Penalty": int(args.get("penalty", 0))}
    resp = await link.action(action)
    if isinstance(resp, dict) and "Already there" in resp.get("Message", ""):
        return {"already": True}
    return _check(resp)


async def _queue_remove(agency, args, link, state, _rec):  # type: ignore[no-untyped-def]
    resp = await link.action({"Action": "QueueRemove", "Queue": _own_queue(agency, args["queue"]),
                              "Interface": _own_interface(agency, args["interface"])})
    if isinstance(resp, dict) and "Not there" in resp.get("Message", ""):
        return {"already": True}
    return _check(resp)


async def _queue_pause(agency, args, link, state, _rec):  # type: ignore[no-untyped-def]
    action = {"Action": "QueuePause", "Interface": _own_interface(agency, args["interface"]),
              "Paused": "true" if args.get("paused") else "false"}
    if args.get("paused") and args.get("reason"):
        action["Reason"] = ami_value(args["reason"], what="pauseårsak")
    return _check(await link.action(action))


async def _originate_call(agency, args, link, state, _rec):  # type: ignore[no-untyped-def]
    interface = _own_interface(agency, args["interface"])
    target = dial_number(args["number"])
    return _check(await link.action({
        "Action": "Originate", "Channel": interface, "Context": naming.context(agency, "c2c"), "Exten": "s",
        "Priority": 1, "Variable": f"C2C_TARGET={target}", "CallerID": ami_value(args.get("caller_id", target)),
        "Timeout": 30000, "Async": "true"}))


async def _hangup(agency, args, link, state, _rec):  # type: ignore[no-untyped-def]
    return _check(await link.action({"Action": "Hangup", "Channel": _own_channel(agency, state, args["channel"])}))


async def _blind_transfer(agency, args, link, state, _rec):  # type: ignore[no-untyped-def]
    mine = _own_channel(agency, state, args["channel"])
    target = dial_number(args["number"])
    peer = _peer_of(agency, state, mine)
    _check(await link.action({"Action": "Setvar", "Channel": peer, "Variable": "XFER_TARGET", "Value": target}))
    return _check(await link.action({"Action": "Redirect", "Channel": peer, "Context": naming.context(agency, "xfer"),
                                     "Exten": "s", "Priority": 1}))


async def _attended_transfer(agency, args, link, state, _rec):  # type: ignore[no-untyped-def]
    """AMI Atxfer plays the transfer feature into the call as DTMF followed by the number, exactly as if
    the operator had pressed the transfer key and dialled it: so the number can only be validated digits,
    and the context is the agency's own phones context (never one the user names)."""
    mine = _own_channel(agency, state, args["channel"])
    target = dial_number(args["number"])
    return _check(await link.action({"Action": "Atxfer", "Channel": mine, "Context": naming.context(agency, "phones"),
                                     "Exten": target}))


async def _record_start(agency, args, link, state, recordings_dir):  # type: ignore[no-untyped-def]
    channel = _own_channel(agency, state, args["channel"])
    live = state.agencies[agency]
    linkedid = next(ch.linkedid for ch in live.channels.values() if ch.channel == channel)
    if not re.fullmatch(r"[0-9]+\.[0-9]+", linkedid):
        raise CommandRefused("ugyldig samtale-ID")
    folder = Path(recordings_dir) / agency / "recordings"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{linkedid}-{int(time.time())}.wav"
    _check(await link.action({"Action": "MixMonitor", "Channel": channel, "File": str(path)}))
    return {"path": str(path), "linkedid": linkedid}


async def _record_stop(agency, args, link, state, _rec):  # type: ignore[no-untyped-def]
    return _check(await link.action({"Action": "StopMixMonitor",
                                     "Channel": _own_channel(agency, state, args["channel"])}))


async def _hold(agency, args, link, state, _rec):  # type: ignore[no-untyped-def]
    """Put the other party on hold (music) and park the operator's own channel. Which channel belongs to
    which is kept on the operator's channel in Asterisk (HOLD_PEER), so a restarted engine can resume."""
    mine = _own_channel(agency, state, args["channel"])
    peer = _peer_of(agency, state, mine)
    _check(await link.action({"Action": "Setvar", "Channel": mine, "Variable": "HOLD_PEER", "Value": peer}))
    hold = naming.context(agency, "hold")
    return _check(await link.action({"Action": "Redirect", "Channel": peer, "Context": hold, "Exten": "caller",
                                     "Priority": 1, "ExtraChannel": mine, "ExtraContext": hold,
                                     "ExtraExten": "agent", "ExtraPriority": 1}))


async def _resume(agency, args, link, state, _rec):  # type: ignore[no-untyped-def]
    mine = _own_channel(agency, state, args["channel"])
    resp = await link.action({"Action": "Getvar", "Channel": mine, "Variable": "HOLD_PEER"})
    peer = resp.get("Value", "") if isinstance(resp, dict) else ""
    try:
        channel_name(peer)
    except UnsafeValue as exc:
        raise CommandRefused("samtalen står ikke på vent") from exc
    if naming.agency_of(peer) != agency:
        raise CommandRefused("motparten tilhører en annen etat")
    live = state.agencies.get(agency)
    if live is None or not any(ch.channel == peer for ch in live.channels.values()):
        raise CommandRefused("den som sto på vent, har lagt på")
    return _check(await link.action({"Action": "Bridge", "Channel1": mine, "Channel2": peer, "Tone": "no"}))


_SPY_OPTIONS = {"listen": "qE", "whisper": "qwE", "barge": "qBE"}


async def _supervise(agency, args, link, state, _rec):  # type: ignore[no-untyped-def]
    target = _own_channel(agency, state, args["channel"])
    supervisor = _own_interface(agency, args["interface"])
    options = _SPY_OPTIONS.get(args.get("mode", ""))
    if options is None:
        raise CommandRefused("ukjent overvåkingsmodus")
    return _check(await link.action({
        "Action": "Originate", "Channel": supervisor, "Application": "ChanSpy", "Data": f"{target},{options}",
        "CallerID": "Veileder", "Timeout": 30000, "Async": "true"}))


_HANDLERS = {
    "queue_add": _queue_add, "queue_remove": _queue_remove, "queue_pause": _queue_pause,
    "originate": _originate_call, "hangup": _hangup, "blind_transfer": _blind_transfer,
    "attended_transfer": _attended_transfer, "record_start": _record_start, "record_stop": _record_stop,
    "supervise": _supervise, "hold": _hold, "resume": _resume,
}
