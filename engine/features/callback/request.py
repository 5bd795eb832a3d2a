"""A caller's callback request from the dialplan (UserEvent CallbackRequested, see the ``cbq`` context): made in the
database with the caller's place (the time they joined the queue), answered to the dialplan in CB_RESULT.

The queue travels as ``CbQueue``, not ``Queue``: an event with a ``Queue`` header is mapped to its agency by the queue
name (engine.state.agency_of_event); this one belongs to the caller's channel's agency."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from engine.guard import ami_value
from engine.registry import ActionContext

logger = logging.getLogger(__name__)


def _create(slug: str, ev: dict[str, str]) -> str:
    from django.core.exceptions import ValidationError
    from django_tenants.utils import schema_context

    from contactcenter.services import callback_request_create

    try:
        joined = dt.datetime.fromtimestamp(int(ev.get("Joined", "")), tz=dt.UTC)
        queue_id = int(ev.get("CbQueue", ""))
    except ValueError:
        return "invalid"
    with schema_context(slug):
        try:
            callback_request_create(queue_id=queue_id, number=ev.get("Number", ""), joined_at=joined,
                                    caller_number=ev.get("CallerIDNum", ""), uniqueid=ev.get("Uniqueid", ""))
        except ValidationError as exc:
            logger.info("tilbakeringing avvist for %s: %s", ev.get("Uniqueid"), exc)
            return "invalid"
    return "ok"


async def on_user_event(ctx: ActionContext, slug: str, ev: dict[str, str]) -> None:
    if ev.get("UserEvent") != "CallbackRequested" or ctx.ami is None:
        return
    try:
        result = await asyncio.get_running_loop().run_in_executor(ctx.pool, _create, slug, ev)
    except Exception:
        logger.exception("tilbakeringing fra %s kunne ikke lagres", ev.get("Uniqueid"))
        result = "error"
    if result == "ok":  # read the requests now: the placeholder takes the caller's place without waiting a refresh
        ctx.state.agency(slug).parts.get("callback", {})["loaded_at"] = 0.0
    await ctx.ami.action({"Action": "Setvar", "Channel": ami_value(ev.get("Channel", ""), what="kanal"),
                          "Variable": "CB_RESULT", "Value": result})
