from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def platform_home(request: HttpRequest) -> HttpResponse:
    """The platform domain's front page: where platform staff go from here."""
    return render(request, "platform/home.html", {"domain": request.get_host()})


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", "schema": connection.schema_name})


from controlplane.health_log import log_state_changes  # noqa: E402  (here, next to its only use)


def _ops_refused() -> JsonResponse:
    response = JsonResponse({"detail": "Krever driftsnøkkel (Authorization: Bearer) eller innlogget plattformansatt."},
                            status=401)
    response.headers["WWW-Authenticate"] = 'Bearer realm="drift"'
    return response


async def engine_health(request: HttpRequest) -> JsonResponse:
    """Details of the engine and its Asterisk links, for operators only (platform domain; controlplane.ops)."""
    from controlplane.ops import ops_allowed_async

    if not await ops_allowed_async(request):
        return _ops_refused()
    return await _engine_health(request)


@log_state_changes
async def _engine_health(request: HttpRequest) -> JsonResponse:
    from controlplane.health import engine_health_report
    from engine.client import EngineUnavailable, engine_call

    try:
        health = await engine_call("health", "platform", timeout=3)
    except EngineUnavailable as exc:
        return JsonResponse({"engine": "unavailable", "error": str(exc)}, status=503)
    body, ok = engine_health_report(health)  # type: ignore[arg-type]
    return JsonResponse(body, status=200 if ok else 503)


def health_live(request: HttpRequest) -> JsonResponse:
    """For a load balancer: the web process answers. No details, no authentication."""
    return JsonResponse({"status": "ok"})


def health_ready(request: HttpRequest) -> JsonResponse:
    """For a load balancer: 200 "ok" (database and engine fine) or "degraded" (database fine, engine not: the
    admin still works), 503 "unavailable" without the database. No details, no authentication."""
    from controlplane.health import engine_health_report
    from engine.client import EngineRefused, EngineUnavailable, engine_call_sync

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means not ready
        return JsonResponse({"status": "unavailable"}, status=503)
    try:
        ok = engine_health_report(engine_call_sync("health", "platform", timeout=2))[1]  # type: ignore[arg-type]
    except (EngineUnavailable, EngineRefused):
        ok = False
    return JsonResponse({"status": "ok" if ok else "degraded"})


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics (controlplane.metrics), for operators only (controlplane.ops)."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    from controlplane.metrics import PlatformCollector, gather
    from controlplane.ops import ops_allowed
    from tenants.selectors import agency_list

    if not ops_allowed(request):
        return _ops_refused()
    registry = CollectorRegistry()
    registry.register(PlatformCollector(gather(list(agency_list().values_list("schema_name", flat=True)))))
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
