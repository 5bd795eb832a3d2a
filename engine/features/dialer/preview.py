"""Preview mode: the agent sees the contact in the console and presses Ring. The console calls
``engine_call("dialer_preview_dial", agency, {"attempt_id": .., "agent_id": ..})``.

The engine checks the attempt in the agency's own schema (claimed, its campaign in preview mode, shown to this very
agent), moves it to «dialling» with the uniqueid of the agent's call, and rings the agent's phone first; when the
agent answers, the call goes on through click-to-call (``t-<agency>-c2c``) to the contact, with the queue's number
as caller ID. The outcome is read from AMI like any dialer call (outcomes.py): connected with the agent when the
contact answers, else busy / no answer / failed.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.utils.translation import gettext as _

from asterisk_conf import naming
from engine.commands import CommandContext, CommandRefused
from engine.features.dialer import dispatch
from engine.features.dialer.outcomes import Decision, Flight
from engine.guard import ami_value, dial_number
from engine.ownership import own_interface
from engine.registry import ActionContext

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreviewDial:
    attempt_id: int
    agent_id: int


def national_target(number: str) -> str:
    """What the agent's phone context dials: eight digits for a Norwegian number, 00 + digits for any other."""
    digits = number.lstrip("+")
    return dial_number(digits[2:] if digits.startswith("47") and len(digits) == 10 else f"00{digits}")


def _check(attempt_id: int, agent_id: int, channel_id: str) -> dict:
    """In the agency's schema: the attempt, checked and moved to «dialling» (or CommandRefused, in Norwegian)."""
    from contactcenter.selectors import agent_list
    from outbound.selectors import attempt_preview_row
    from outbound.services import attempt_dialling

    row = attempt_preview_row(attempt_id=attempt_id)
    if row is None:
        raise CommandRefused(_("Fant ikke ringeforsøket i denne etaten."))
    if row["mode"] != "preview":
        raise CommandRefused(_("Kampanjen ringer ikke i forhåndsvisning."))
    if row["preview_agent_id"] != agent_id:
        raise CommandRefused(_("Ringeforsøket er vist til en annen agent."))
    if row["state"] != "claimed":
        raise CommandRefused(_("Ringeforsøket er allerede ringt."))
    agent = agent_list().filter(pk=agent_id).first()
    phone = agent.extension.phones.filter(is_active=True).order_by("id").first() if agent else None
    if phone is None:
        raise CommandRefused(_("Agenten har ingen aktiv telefon."))
    if not attempt_dialling(attempt_id=attempt_id, channel_id=channel_id):
        raise CommandRefused(_("Ringeforsøket er allerede ringt."))
    return {**row, "agent": str(agent.person), "phone_id": phone.pk}


async def preview_dial(req: PreviewDial, ctx: CommandContext) -> dict:
    live = ctx.state.agency(ctx.agency)
    data = dispatch.data_for(ctx.state, ctx.agency, live)
    channel_id = dispatch.new_channel_id()
    row = await dispatch.db(dispatch.POOL.get("pool"), ctx.agency, _check, attempt_id=req.attempt_id,
                            agent_id=req.agent_id, channel_id=channel_id)
    interface = own_interface(ctx.agency, naming.phone_interface(ctx.agency, row["phone_id"]))
    flight = Flight(attempt_id=row["id"], campaign_id=row["campaign_id"], number=row["number"], channel_id=channel_id,
                    dialled_at=time.time(), preview=True, agent_id=req.agent_id, agent=row["agent"])
    data["flights"][flight.attempt_id] = flight
    variables = [f"C2C_TARGET={national_target(row['number'])}", f"DIALER_ATTEMPT={int(flight.attempt_id)}"]
    if row["caller_id"]:
        variables.append(f"OUTBOUND_CID={dial_number(row['caller_id'].lstrip('+'))}")
    action = {"Action": "Originate", "Channel": interface, "Context": naming.context(ctx.agency, "c2c"), "Exten": "s",
              "Priority": 1, "CallerID": ami_value(f"Kampanje <{national_target(row['number'])}>"),
              "ChannelId": ami_value(channel_id), "Variable": ",".join(variables), "Timeout": 30000, "Async": "true"}
    actx = ActionContext(node=ctx.node, state=ctx.state, ami=ctx.link, ari=None, pool=dispatch.POOL.get("pool"),
                         now=time.time())
    dispatch.spawn(_ring(actx, ctx.agency, live, flight, action))
    logger.info("forhåndsvisning: forsøk %s ringer agent %s først", flight.attempt_id, req.agent_id)
    return {"status": "ringer", "attempt_id": flight.attempt_id, "channel_id": channel_id}


async def _ring(ctx: ActionContext, slug: str, live, flight: Flight, action: dict) -> None:  # type: ignore[no-untyped-def]
    try:
        result = await ctx.ami.action(action, timeout=90)
    except Exception:
        logger.exception("forhåndsvisning: Originate for forsøk %s feilet", flight.attempt_id)
        result = {"Response": "Error"}
    await dispatch.sent(ctx, slug, live, flight, result)


__all__ = ["Decision", "PreviewDial", "preview_dial"]
