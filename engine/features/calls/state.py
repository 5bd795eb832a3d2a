"""Calls in the live state: every channel of the agency, its state, numbers and bridge."""

from __future__ import annotations

import time
from dataclasses import asdict

from engine.state import AgencyLive, ChannelState, LiveState, event_time


def calls_snapshot(live: AgencyLive) -> dict:
    return {ch.uniqueid: asdict(ch) for ch in live.channels.values()}


def _chan_change(ch: ChannelState, removed: bool = False) -> list[dict]:
    if removed:  # the channel name stays in the message: consumers filter on it
        return [{"kind": "call", "uniqueid": ch.uniqueid, "channel": ch.channel, "removed": True}]
    return [{"kind": "call", "removed": False, **asdict(ch)}]


def on_newchannel(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    ch = ChannelState(uniqueid=ev["Uniqueid"], linkedid=ev.get("Linkedid", ev["Uniqueid"]),
                      channel=ev.get("Channel", ""), state=ev.get("ChannelStateDesc", ""),
                      caller_number=ev.get("CallerIDNum", ""), connected_number=ev.get("ConnectedLineNum", ""),
                      context=ev.get("Context", ""), exten=ev.get("Exten", ""), started=event_time(ev))
    live.channels[ch.uniqueid] = ch
    return _chan_change(ch)


def on_core_show_channel(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    """Resync (CoreShowChannels): a channel, with its bridge and age. Its context and extension are where the
    channel is now (events keep where it entered the dialplan: a resync cannot know that). Asterisk 22 names the
    extension ``Exten`` here; older versions ``Extension``."""
    if "Exten" not in ev:
        ev = {**ev, "Exten": ev.get("Extension", "")}
    changes = on_newchannel(state, live, ev)
    ch = live.channels[ev["Uniqueid"]]
    ch.bridge = ev.get("BridgeId", "")
    try:
        h, m, s = (int(x) for x in ev.get("Duration", "0:0:0").split(":"))
        ch.started = time.time() - (h * 3600 + m * 60 + s)
    except ValueError:
        pass
    return changes


def _update_channel(live: AgencyLive, ev: dict, **fields: str) -> list[dict]:
    ch = live.channels.get(ev.get("Uniqueid", ""))
    if ch is None:
        return []
    for key, value in fields.items():
        setattr(ch, key, value)
    return _chan_change(ch)


def on_newstate(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    return _update_channel(live, ev, state=ev.get("ChannelStateDesc", ""),
                           connected_number=ev.get("ConnectedLineNum", ""))


def on_new_callerid(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    """A Local half learns its caller's number after it was created (a call from another agency)."""
    return _update_channel(live, ev, caller_number=ev.get("CallerIDNum", ""))


def on_new_connected_line(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    return _update_channel(live, ev, connected_number=ev.get("ConnectedLineNum", ""))


def on_bridge_enter(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    return _update_channel(live, ev, bridge=ev.get("BridgeUniqueid", ""))


def on_bridge_leave(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    return _update_channel(live, ev, bridge="")


def on_hangup(state: LiveState, live: AgencyLive, ev: dict) -> list[dict]:
    ch = live.channels.pop(ev.get("Uniqueid", ""), None)
    return _chan_change(ch, removed=True) if ch else []
