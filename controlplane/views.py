import functools
import json
import logging
from collections.abc import Awaitable, Callable

from django.db import connection
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger("engine.health")
# The engine's state as this process last reported it: a health probe logs only when it changes.
_last_engine_state = {"state": "ok"}


def _log_state_changes(view: Callable[[HttpRequest], Awaitable[JsonResponse]]):  # type: ignore[no-untyped-def]
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
            down = sorted(name for name, n in body.get("nodes", {}).items()
                          if not (isinstance(n, dict) and n.get("ami") and n.get("ari")))
            detail = body.get("error") or (f"uten forbindelse: {', '.join(down)}" if down else "ingen Asterisk-node")
            logger.warning("Motoren er %s (var %s): %s", state, previous, detail)
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response

    return wrapped


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", "schema": connection.schema_name})


@_log_state_changes
async def engine_health(request: HttpRequest) -> JsonResponse:
    """Liveness of the engine and its Asterisk links (platform domain only; no agency data)."""
    from engine.client import EngineUnavailable, engine_call

    try:
        health = await engine_call("health", "platform", timeout=3)
    except EngineUnavailable as exc:
        return JsonResponse({"engine": "unavailable", "error": str(exc)}, status=503)
    nodes = {name: {"ami": n["ami"]["connected"] if n["ami"] else False,
                    "ari": n["ari"]["connected"] if n["ari"] else False,
                    "ami_since": n["ami"]["since"] if n["ami"] else None,
                    "last_event_at": n["ami"]["last_event_at"] if n["ami"] else None}
             for name, n in health["nodes"].items()}  # type: ignore[index]
    ok = bool(nodes) and all(n["ami"] and n["ari"] for n in nodes.values())
    return JsonResponse({"engine": "ok" if ok else "degraded", "nodes": nodes}, status=200 if ok else 503)
