"""Engine health as the log shows it: one line per change of state, not one per probe.

A probe of ``/health/engine`` answers 503 while the engine is degraded or unavailable; django.request would
log every such answer at ERROR. Monitoring probes every few seconds, so the log would fill with one line per
probe. Instead: one WARNING when the engine leaves "ok" (or goes from one bad state to another), one INFO
when it is back.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable

from django.http import HttpRequest, JsonResponse

logger = logging.getLogger("engine.health")
# The engine's state as this process last reported it: a health probe logs only when it changes.
_last_engine_state = {"state": "ok"}


def log_state_changes(view: Callable[[HttpRequest], Awaitable[JsonResponse]]):  # type: ignore[no-untyped-def]
    """One WARNING when the engine leaves "ok" or goes from one bad state to another, one INFO when it is
    back, and nothing per probe: django.request would log every 503 at ERROR, so the response is marked as
    logged (Django's own flag for that)."""

    @functools.wraps(view)
    async def wrapped(request: HttpRequest) -> JsonResponse:
        response = await view(request)
        body = json.loads(response.content)
        state = str(body.get("engine", "ok" if response.status_code < 500 else "unavailable"))
        previous, _last_engine_state["state"] = _last_engine_state["state"], state
        if state != previous and state == "ok":
            logger.info("Motoren er ok igjen (var %s).", previous)
        elif state != previous:
            nodes = body.get("nodes") if isinstance(body.get("nodes"), dict) else {}
            down = sorted(name for name, n in nodes.items() if not (isinstance(n, dict) and n.get("ami") and n.get("ari")))
            detail = body.get("error") or (f"uten forbindelse: {', '.join(down)}" if down else "ingen Asterisk-node")
            logger.warning("Motoren er %s (var %s): %s", state, previous, detail)
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response

    return wrapped
