"""Stasis handlers of the attendant console: a caller arrives, an operator's or a transfer target's leg answers, a
channel leaves; and the pick-up after every ARI (re)connect, which rebuilds the calls from Asterisk's bridges."""

from __future__ import annotations

from asterisk_conf import naming
from engine.features.switchboard import bridges as br
from engine.features.switchboard.state import Switchboard, SwitchboardCall, gone

Changes = list[tuple[str, dict]]


def service(node) -> Switchboard:  # type: ignore[no-untyped-def]
    return node.services["switchboard"]


async def stasis_start(node, event: dict) -> Changes:  # type: ignore[no-untyped-def]
    channel = event.get("channel") or {}
    parsed = naming.parse_switchboard_id(channel.get("id", ""))
    if parsed is not None and parsed[1] in ("op", "xf"):
        return await _leg_answered(node, parsed, channel["id"])
    args = event.get("args") or []
    if len(args) == 2 and args[0] == naming.SWITCHBOARD_APP_ARG:
        return await _caller_arrived(node, args[1], channel)
    return []


async def _caller_arrived(node, slug: str, channel: dict) -> Changes:  # type: ignore[no-untyped-def]
    """A call to the agency's switchboard number: the agency is the Stasis argument of its own dialplan, checked
    against the (generated) context the call came from; answer, play music, wait in ``sb-<slug>-queue``."""
    context = (channel.get("dialplan") or {}).get("context", "")
    if naming.agency_of(context) != naming.checked_slug(slug):
        await br.hangup(node.link, channel.get("id", ""))
        return []
    caller = channel.get("caller") or {}
    call = SwitchboardCall(call_id=naming.switchboard_call_id(channel["id"]), slug=slug, channel=channel["id"],
                           number=str(caller.get("number", ""))[:40], name=str(caller.get("name", ""))[:80])
    service(node).agency(slug)[call.call_id] = call
    await node.link.request("POST", f"/channels/{br._path_part(call.channel)}/answer")
    await br.set_var(node.link, call.channel, "SB_ARRIVED", f"{call.arrived:.3f}")
    call.bridge = br.queue_bridge(slug)
    await br.ensure_bridge(node.link, call.bridge, holding=True, moh_class=naming.default_moh_class(slug))
    await br.move(node.link, call.channel, to=call.bridge)
    return [(slug, call.as_change())]


async def _leg_answered(node, parsed: tuple[str, str, str], leg: str) -> Changes:  # type: ignore[no-untyped-def]
    slug, role, call_id = parsed
    call = service(node).find(slug, call_id)
    if call is None or leg not in (call.operator_channel, call.target_channel):
        await br.hangup(node.link, leg)
        return []
    link, talk = node.link, br.call_bridge(slug, call_id)
    await br.ensure_bridge(link, talk, holding=False)
    if role == "op":
        previous = call.bridge
        await br.move(link, call.channel, to=talk, from_=previous)
        await br.move(link, leg, to=talk)
        call.bridge, call.state = talk, "talking"
        if previous != br.queue_bridge(slug):
            await br.destroy_bridge(link, previous)
        return [(slug, call.as_change())]
    if call.state == "consult_ringing":  # announced: the operator talks to the target first
        await br.move(link, leg, to=talk)
        call.state = "consulting"
        return [(slug, call.as_change())]
    return await _connect(node, call, leg)


async def _connect(node, call: SwitchboardCall, leg: str) -> Changes:  # type: ignore[no-untyped-def]
    """Put the caller through to the target: both in the call bridge, the operator out."""
    link, talk, held = node.link, br.call_bridge(call.slug, call.call_id), call.bridge
    await br.ensure_bridge(link, talk, holding=False)
    await br.move(link, call.channel, to=talk, from_=held)
    if leg:
        await br.move(link, leg, to=talk)
    call.bridge, call.state = talk, "connected"
    operator, call.operator_channel, call.operator = call.operator_channel, "", ""
    await br.hangup(link, operator)
    if held != talk:
        await br.destroy_bridge(link, held)
    return [(call.slug, gone(call))]


async def channel_left(node, event: dict) -> Changes:  # type: ignore[no-untyped-def]
    """StasisEnd or ChannelDestroyed (a leg that never answered never entered Stasis): idempotent."""
    found = service(node).by_channel((event.get("channel") or {}).get("id", ""))
    if found is None:
        return []
    call, part = found
    if part == "caller":
        return await _caller_left(node, call)
    if part == "operator":
        call.operator_channel = ""
        return await _operator_left(node, call)
    call.target_channel = ""
    return await _target_left(node, call)


async def _caller_left(node, call: SwitchboardCall) -> Changes:  # type: ignore[no-untyped-def]
    service(node).agency(call.slug).pop(call.call_id, None)
    for leg in (call.operator_channel, call.target_channel):
        await br.hangup(node.link, leg)
    for bridge in (br.hold_bridge(call.slug, call.call_id), br.call_bridge(call.slug, call.call_id)):
        await br.destroy_bridge(node.link, bridge)
    return [(call.slug, gone(call))]


async def _operator_left(node, call: SwitchboardCall) -> Changes:  # type: ignore[no-untyped-def]
    if call.state == "ringing":  # the operator did not answer: the call is free again
        call.state = "waiting" if call.bridge == br.queue_bridge(call.slug) else "held"
        call.operator = ""
        return [(call.slug, call.as_change())]
    if call.state == "talking":  # the operator hung up on the caller
        await br.hangup(node.link, call.channel)
        return []
    if call.state == "consulting":  # hanging up after announcing puts the caller through
        return await _connect(node, call, "")
    if call.state == "consult_ringing":  # the operator left before the target answered: a blind transfer now
        call.state, call.operator = "transferring", ""
        return [(call.slug, call.as_change())]
    return []


async def _target_left(node, call: SwitchboardCall) -> Changes:  # type: ignore[no-untyped-def]
    link = node.link
    if call.state == "connected":
        await br.hangup(link, call.channel)
        return []
    if call.state == "transferring":  # not answered in time: back to the operators, marked
        held = call.bridge
        call.bridge = br.queue_bridge(call.slug)
        await br.move(link, call.channel, to=call.bridge, from_=held)
        await br.destroy_bridge(link, held)
        call.state, call.operator, call.returned, call.returned_from = "waiting", "", True, call.target
        await br.set_var(link, call.channel, "SB_RETURNED", call.target or "1")
        return [(call.slug, call.as_change())]
    if call.state in ("consult_ringing", "consulting"):  # back to the operator, who is still on the line
        talk, held = br.call_bridge(call.slug, call.call_id), call.bridge
        await br.move(link, call.channel, to=talk, from_=held)
        await br.destroy_bridge(link, held)
        call.bridge = talk
        call.returned, call.returned_from = call.state == "consult_ringing", call.target
        call.state = "talking"
        return [(call.slug, call.as_change())]
    return []


async def pick_up(node) -> Changes:  # type: ignore[no-untyped-def]
    """After a (re)connect: rebuild every switchboard call from the bridges and channels Asterisk kept (the Stasis
    application keeps its channels while the engine is away), and tell the consoles."""
    from engine.features.switchboard.pickup import rebuild

    sb = service(node)
    before = {(slug, cid): call for slug, calls in sb.calls.items() for cid, call in calls.items()}
    sb.calls = await rebuild(node.link)
    after = {(slug, cid) for slug, calls in sb.calls.items() for cid in calls}
    out: Changes = [(slug, gone(call)) for (slug, cid), call in before.items() if (slug, cid) not in after]
    out += [(slug, call.as_change()) for slug, calls in sb.calls.items() for call in calls.values()
            if call.state != "connected"]
    return out
