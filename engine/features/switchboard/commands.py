"""Commands of the attendant console. Every one names a call of the asking agency (``sb_*`` IDs are built from the
agency's slug, so another agency's call is simply not found) and the operator's own phone interface."""

from __future__ import annotations

from dataclasses import dataclass

from asterisk_conf import naming
from engine.commands import CommandContext, CommandRefused
from engine.features.switchboard import bridges as br
from engine.features.switchboard.handlers import service
from engine.features.switchboard.state import SwitchboardCall
from engine.guard import NUMBER_RE, dial_number
from engine.ownership import own_interface


@dataclass(frozen=True)
class Answer:
    call_id: str
    endpoint: str  # the operator's phone (PJSIP/fhi-p3)


@dataclass(frozen=True)
class Hold:
    call_id: str
    endpoint: str


@dataclass(frozen=True)
class Transfer:
    call_id: str
    endpoint: str
    number: str
    timeout: int = 30  # the agency's time before an unanswered transfer comes back
    announced: bool = False


@dataclass(frozen=True)
class Finish:
    call_id: str
    endpoint: str


def _cid(number: str) -> str:
    """The caller's number for the new leg's caller ID, only if it is a plain number (it came from outside)."""
    return number if NUMBER_RE.fullmatch(number or "") else ""


def _call(ctx: CommandContext, call_id: str) -> SwitchboardCall:
    if ctx.stasis is None or ctx.stasis.link is None or not ctx.stasis.link.health.connected:
        raise CommandRefused("ARI er ikke tilkoblet")
    call = service(ctx.stasis).find(ctx.agency, call_id)
    if call is None or call.state == "connected":
        raise CommandRefused("samtalen finnes ikke (lenger)")
    return call


def _mine(ctx: CommandContext, call: SwitchboardCall, endpoint: str, *states: str) -> None:
    if call.operator != endpoint or call.state not in states:
        raise CommandRefused("samtalen er ikke din nå")


async def answer(req: Answer, ctx: CommandContext) -> object:
    """Claim the call for this operator and ring the operator's phone. The check and the claim happen with no
    await between them on the engine's one event loop: of two operators who answer at once, one gets the call."""
    endpoint = own_interface(ctx.agency, req.endpoint)
    call = _call(ctx, req.call_id)
    if call.state not in ("waiting", "held"):
        raise CommandRefused("samtalen er allerede besvart av en annen operatør")
    previous = call.state
    call.state, call.operator = "ringing", endpoint
    call.operator_channel = naming.switchboard_id(ctx.agency, "op", call.call_id, call.next_leg())
    try:
        await br.originate(ctx.stasis.link, call.operator_channel, endpoint=endpoint, role="operator",
                           caller_id=f"Sentralbord <{_cid(call.number)}>", timeout=30)
    except Exception as exc:
        call.state, call.operator, call.operator_channel = previous, "", ""
        raise CommandRefused(f"kunne ikke ringe operatørens telefon: {exc}") from exc
    ctx.stasis.publish(ctx.agency, [call.as_change()])
    return {"call_id": call.call_id, "state": call.state}


async def hold(req: Hold, ctx: CommandContext) -> object:
    """Park the caller in ``sb-<slug>-hold-<call>`` with music; the operator's leg ends (answer picks it up again)."""
    call = _call(ctx, req.call_id)
    _mine(ctx, call, own_interface(ctx.agency, req.endpoint), "talking")
    link, held = ctx.stasis.link, br.hold_bridge(ctx.agency, call.call_id)
    await br.ensure_bridge(link, held, holding=True, moh_class=naming.default_moh_class(ctx.agency))
    operator = call.operator_channel
    call.state, call.operator, call.operator_channel = "held", "", ""
    talk = call.bridge
    await br.move(link, call.channel, to=held, from_=talk)
    call.bridge = held
    await br.hangup(link, operator)
    await br.destroy_bridge(link, talk)
    ctx.stasis.publish(ctx.agency, [call.as_change()])
    return {"call_id": call.call_id, "state": call.state}


async def transfer(req: Transfer, ctx: CommandContext) -> object:
    """Blind: the caller waits with music while the target rings, the operator is free at once. Announced: the
    operator stays on the line and talks to the target first (``sb_complete`` / ``sb_cancel``). A target that does
    not answer within ``timeout`` seconds sends the call back to the operators, marked (``handlers._target_left``)."""
    call = _call(ctx, req.call_id)
    _mine(ctx, call, own_interface(ctx.agency, req.endpoint), "talking")
    number = dial_number(req.number)
    if not 5 <= req.timeout <= 300:
        raise CommandRefused("ugyldig tid før tilbakefall")
    link, held = ctx.stasis.link, br.hold_bridge(ctx.agency, call.call_id)
    await br.ensure_bridge(link, held, holding=True, moh_class=naming.default_moh_class(ctx.agency))
    await br.move(link, call.channel, to=held, from_=call.bridge)
    call.bridge, call.target, call.returned, call.returned_from = held, number, False, ""
    call.target_channel = naming.switchboard_id(ctx.agency, "xf", call.call_id, call.next_leg())
    call.state = "consult_ringing" if req.announced else "transferring"
    operator = "" if req.announced else call.operator_channel
    if not req.announced:
        call.operator_channel, call.operator = "", ""
    await br.originate(link, call.target_channel, endpoint=f"Local/{number}@{naming.context(ctx.agency, 'phones')}/n",
                       role="target", caller_id=f"<{_cid(call.number)}>",
                       timeout=req.timeout)
    await br.hangup(link, operator)
    ctx.stasis.publish(ctx.agency, [call.as_change()])
    return {"call_id": call.call_id, "state": call.state}


async def complete(req: Finish, ctx: CommandContext) -> object:
    """Announced transfer: put the caller through to the target the operator is talking to."""
    from engine.features.switchboard.handlers import _connect

    call = _call(ctx, req.call_id)
    _mine(ctx, call, own_interface(ctx.agency, req.endpoint), "consulting")
    changes = await _connect(ctx.stasis, call, "")
    ctx.stasis.publish(ctx.agency, [change for _slug, change in changes])
    return {"call_id": call.call_id, "state": call.state}


async def cancel(req: Finish, ctx: CommandContext) -> object:
    """Announced transfer: end the leg to the target; the caller comes back to the operator."""
    call = _call(ctx, req.call_id)
    _mine(ctx, call, own_interface(ctx.agency, req.endpoint), "consulting", "consult_ringing")
    await br.hangup(ctx.stasis.link, call.target_channel)  # _target_left brings the caller back
    return {"call_id": call.call_id, "state": call.state}


async def hangup(req: Finish, ctx: CommandContext) -> object:
    call = _call(ctx, req.call_id)
    _mine(ctx, call, own_interface(ctx.agency, req.endpoint), "talking", "held", "consulting")
    await br.hangup(ctx.stasis.link, call.channel)
    return {"call_id": call.call_id}
