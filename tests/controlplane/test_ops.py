"""Operations endpoints: /health/live and /health/ready for a load balancer (open, no details), /metrics and
/health/engine only for operators (the ops token or platform staff signed in), never for an agency's users,
sessions or API tokens. The metrics come from a real engine over the real channel layer (Redis)."""

from __future__ import annotations

import os
import re
import socket
import uuid

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context

from api.services import api_token_create
from controlplane import jobs
from tests.harness.engine_harness import EngineThread
from tests.helpers import OPS_HEADERS

pytestmark = pytest.mark.django_db
AUTH = OPS_HEADERS["Authorization"]


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@jobs.app.task(queue="test-ops-metrics", name="tests.ops_noop")
def ops_noop() -> None:
    pass


@pytest.mark.parametrize("host", ["localhost", "fhi.localhost"])
def test_health_live_and_ready_are_open_and_bare(client, host):
    live = client.get("/health/live", HTTP_HOST=host)
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    ready = client.get("/health/ready", HTTP_HOST=host)
    assert ready.status_code == 200 and ready.json()["status"] in {"ok", "degraded"} and len(ready.json()) == 1


def test_metrics_and_engine_details_refuse_everyone_but_operators(client):
    for path in ("/metrics", "/health/engine"):
        assert client.get(path, HTTP_HOST="localhost").status_code == 401
        assert client.get(path, HTTP_HOST="localhost", HTTP_AUTHORIZATION="Bearer feil-nokkel").status_code == 401
    with schema_context("fhi"):
        agency_token = api_token_create(name="drift?", scopes=["read", "write", "live"])[1]
    assert client.get("/metrics", HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {agency_token}").status_code == 401
    # An agency's admin signed in at the agency's domain: the ops endpoints are not there at all.
    assert client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "demo-passord-2026"},
                       HTTP_HOST="fhi.localhost").status_code == 302
    assert client.get("/metrics", HTTP_HOST="fhi.localhost").status_code == 404
    assert client.get("/health/engine", HTTP_HOST="fhi.localhost").status_code == 404


def test_platform_staff_session_opens_metrics(client):
    with schema_context("public"):
        get_user_model().objects.create_user("driftsvakt", password="drift-passord-2026", is_staff=True)
    client.post("/admin/login/?next=/admin/", {"username": "driftsvakt", "password": "drift-passord-2026"},
                HTTP_HOST="localhost")
    response = client.get("/metrics", HTTP_HOST="localhost")
    assert response.status_code == 200 and "telefoni_engine_up" in response.content.decode()


@pytest.mark.redis
@pytest.mark.skipif(not _redis_up(), reason="Redis svarer ikke på 127.0.0.1:6379.")
def test_metrics_from_a_real_engine_per_agency_and_job_backlog(client, settings):
    from channels.layers import channel_layers

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                           "CONFIG": {"hosts": [url], "prefix": f"ops-{uuid.uuid4().hex[:8]}"}}}
    channel_layers.backends.clear()
    ops_noop.defer()
    engine = EngineThread([], record_history=False)
    try:
        response = client.get("/metrics", HTTP_HOST="localhost", HTTP_AUTHORIZATION=AUTH)
        ready = client.get("/health/ready", HTTP_HOST="localhost").json()
        details = client.get("/health/engine", HTTP_HOST="localhost", HTTP_AUTHORIZATION=AUTH)
    finally:
        engine.stop()
        channel_layers.backends.clear()
    text = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    assert re.search(r"^telefoni_engine_up 1\.0$", text, re.M), text
    for slug in ("fhi", "nkh"):
        assert f'telefoni_calls_in_progress{{agency="{slug}"}} 0.0' in text
    assert 'telefoni_jobs{queue="test-ops-metrics",status="todo"} 1.0' in text
    # No Asterisk node: the engine answers but is degraded; the details say so only to the operator.
    assert ready == {"status": "degraded"}
    assert details.status_code == 503 and details.json()["engine"] == "degraded"


def test_metrics_without_engine_say_so(client, settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    try:
        text = client.get("/metrics", HTTP_HOST="localhost", HTTP_AUTHORIZATION=AUTH).content.decode()
    finally:
        channel_layers.backends.clear()
    assert re.search(r"^telefoni_engine_up 0\.0$", text, re.M) and "telefoni_calls_in_progress" not in text


def test_short_ops_token_is_refused_at_start(settings):
    from controlplane.checks import ops_token_check

    settings.OPS_TOKEN = "kort"
    assert [e.id for e in ops_token_check(None)] == ["controlplane.E002"]
    settings.OPS_TOKEN = "x" * 40
    assert ops_token_check(None) == []
