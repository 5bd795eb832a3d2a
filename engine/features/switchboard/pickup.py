"""Pick-up after an engine restart or an ARI reconnect: the calls, read back from Asterisk's bridges and channels.

Everything needed is in Asterisk: which bridge a caller is in gives its state, our leg IDs
(``sb-<slug>-op-<call>-<n>``, ``sb-<slug>-xf-<call>-<n>``) say which call a leg belongs to, and the caller's channel
variables keep what a bridge cannot (``SB_ARRIVED``, ``SB_RETURNED``)."""

from __future__ import annotations

import contextlib

from asterisk_conf import naming
from engine.ari import AriLink
from engine.features.switchboard import bridges as br
from engine.features.switchboard.state import SwitchboardCall

_STATE_OF_BRIDGE = {"queue": "waiting", "hold": "held", "call": "talking"}


async def _caller(link: AriLink, slug: str, role: str, bridge_id: str, channel: dict) -> SwitchboardCall | None:
    try:
        call_id = naming.switchboard_call_id(channel["id"])
    except naming.NamingError:
        return None
    caller = channel.get("caller") or {}
    call = SwitchboardCall(call_id=call_id, slug=slug, channel=channel["id"], number=str(caller.get("number", ""))[:40],
                           name=str(caller.get("name", ""))[:80], state=_STATE_OF_BRIDGE[role], bridge=bridge_id)
    with contextlib.suppress(ValueError):
        call.arrived = float(await br.get_var(link, call.channel, "SB_ARRIVED"))
    returned = await br.get_var(link, call.channel, "SB_RETURNED")
    call.returned, call.returned_from = bool(returned), returned if returned != "1" else ""
    return call


def _endpoint_of(name: str) -> str:
    parsed = naming.parse_phone_channel(name or "")
    return naming.phone_interface(*parsed) if parsed else ""


def _attach_leg(calls: dict[str, dict[str, SwitchboardCall]], leg: dict, bridged: set[str]) -> None:
    slug, role, call_id = naming.parse_switchboard_id(leg["id"]) or ("", "", "")
    call = calls.get(slug, {}).get(call_id)
    if call is None:
        return
    n = int(leg["id"].rsplit("-", 1)[1])
    call.legs = max(call.legs, n)
    in_bridge = leg["id"] in bridged
    if role == "op":
        call.operator_channel, call.operator = leg["id"], _endpoint_of(leg.get("name", ""))
        if not in_bridge:
            call.state = "ringing"
    else:
        call.target_channel = leg["id"]
        call.target = (leg.get("dialplan") or {}).get("exten", "") if not in_bridge else call.target
        if call.state == "held":
            call.state = "transferring"
        elif call.state == "talking" and in_bridge:
            call.state = "consulting"


async def rebuild(link: AriLink) -> dict[str, dict[str, SwitchboardCall]]:
    calls: dict[str, dict[str, SwitchboardCall]] = {}
    channels = {c["id"]: c for c in await link.channels()}
    bridged: set[str] = set()
    for bridge in await link.bridges():
        parsed = naming.parse_switchboard_id(bridge.get("id", ""))
        if parsed is None or parsed[1] not in _STATE_OF_BRIDGE:
            continue
        slug, role, _call = parsed
        members = [channels[c] for c in bridge.get("channels", []) if c in channels]
        bridged.update(c["id"] for c in members)
        callers = [c for c in members if naming.parse_switchboard_id(c["id"]) is None]
        if not callers and role != "queue":
            await br.destroy_bridge(link, bridge["id"])
        for channel in callers:
            call = await _caller(link, slug, role, bridge["id"], channel)
            if call is not None:
                calls.setdefault(slug, {})[call.call_id] = call
    for leg in channels.values():
        if naming.parse_switchboard_id(leg["id"]) is not None:
            _attach_leg(calls, leg, bridged)
    for slug_calls in calls.values():
        for call in slug_calls.values():
            if call.state in ("talking", "consulting") and call.target_channel and not call.operator_channel:
                call.state = "connected"  # put through before the restart
    return calls
