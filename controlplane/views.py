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
    from controlplane.health import engine_health_report
    from engine.client import EngineUnavailable, engine_call

    try:
        health = await engine_call("health", "platform", timeout=3)
    except EngineUnavailable as exc:
        return JsonResponse({"engine": "unavailable", "error": str(exc)}, status=503)
    body, ok = engine_health_report(health)  # type: ignore[arg-type]
    return JsonResponse(body, status=200 if ok else 503)
