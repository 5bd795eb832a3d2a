"""The API's live actions against a real Asterisk: FHI's token with the «live» scope logs an agent in and pauses
them, seen in the engine's live state; the live snapshot shows it. A token without «live» is refused, and
NKH's token cannot reach FHI's agent (it does not exist there)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from api.services import api_token_create
from asterisk_conf.runtime import find_asterisk
from contactcenter.models import Agent
from tests.engine.test_engine_live import _agent_id, _redis_url, _ua, live, redis_layer  # noqa: F401 (fixtures)
from tests.harness.baresip_harness import find_baresip

pytestmark = [
    pytest.mark.asterisk, pytest.mark.baresip, pytest.mark.redis,
    pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README)."),
    pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)."),
    pytest.mark.skipif(_redis_url() is None, reason="Redis svarer ikke på 127.0.0.1:6379."),
]


def _post(client, slug: str, path: str, token: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post(path, body or {}, content_type="application/json", HTTP_HOST=f"{slug}.localhost",
                       HTTP_AUTHORIZATION=f"Bearer {token}")


def test_live_scope_logs_in_and_pauses_an_agent(live, db, tmp_path, client):  # noqa: F811
    ast, et = live
    agent_id = _agent_id("fhi", "1001")
    with schema_context("fhi"):
        live_token = api_token_create(name="sanntid", scopes=["read", "live"])[1]
        read_token = api_token_create(name="lese", scopes=["read", "write"])[1]
    with schema_context("nkh"):
        nkh_token = api_token_create(name="nkh sanntid", scopes=["read", "live"])[1]
    with schema_context("fhi"):
        fhi_ids = set(Agent.objects.values_list("pk", flat=True))
    with schema_context("nkh"):
        fhi_only = max(fhi_ids - set(Agent.objects.values_list("pk", flat=True)))
    phone = _ua(ast, tmp_path, "fhi", "1001", 20200)
    try:
        assert _post(client, "fhi", f"/api/v1/agents/{agent_id}/login/", read_token).status_code == 403
        # An ID only FHI has: from NKH's domain with NKH's token it does not exist.
        assert _post(client, "nkh", f"/api/v1/agents/{fhi_only}/login/", nkh_token).status_code == 404
        assert et.engine.snapshot("fhi")["agents"].get(str(agent_id), {}).get("state") in (None, "logged_out")
        assert _post(client, "fhi", f"/api/v1/agents/{agent_id}/login/", live_token).json() == {"ok": True}
        et.wait_for(lambda: et.engine.snapshot("fhi")["agents"].get(str(agent_id), {}).get("state") == "idle")
        assert _post(client, "fhi", f"/api/v1/agents/{agent_id}/pause/", live_token, {"reason": "lunsj"}).status_code == 200
        et.wait_for(lambda: et.engine.snapshot("fhi")["agents"][str(agent_id)]["state"] == "paused")
        unknown = _post(client, "fhi", f"/api/v1/agents/{agent_id}/pause/", live_token, {"reason": "finnesikke"})
        assert unknown.status_code == 409 and unknown["Content-Type"] == "application/problem+json"
        snapshot = client.get("/api/v1/live/", HTTP_HOST="fhi.localhost", HTTP_AUTHORIZATION=f"Bearer {live_token}")
        assert snapshot.json()["agents"][str(agent_id)]["state"] == "paused"
        assert _post(client, "fhi", f"/api/v1/agents/{agent_id}/logout/", live_token).status_code == 200
    finally:
        phone.stop()
