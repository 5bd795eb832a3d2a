from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def platform_home(request: HttpRequest) -> HttpResponse:
    """The platform domain's front page: where platform staff go from here."""
    return render(request, "platform/home.html", {"domain": request.get_host()})


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", "schema": connection.schema_name})


from controlplane.health_log import log_state_changes  # noqa: E402  (here, next to its only use)


@log_state_changes
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
    # Config and data problems (an agency whose config failed, missing prompts or music on hold) degrade too.
    config = health.get("config") or {}  # type: ignore[union-attr]
    ok = ok and config.get("ok", True)
    body = {"engine": "ok" if ok else "degraded", "nodes": nodes, "config": config}
    if health.get("managed_asterisk"):  # type: ignore[union-attr]
        body["managed_asterisk"] = health["managed_asterisk"]  # type: ignore[index]
    return JsonResponse(body, status=200 if ok else 503)
