"""The agency's own agent activity through the REST API (its data, free access): sessions and pauses, read by
period, per agency only (from the attacker's side: fhi's token at fhi and at nkh), never written."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from contactcenter.models import Agent, AgentPause, AgentSession, Queue
from tests.controlplane.test_api_isolation import _get, _problem, _token

pytestmark = pytest.mark.django_db
DAY = dt.datetime(2021, 3, 3, 9, 0, tzinfo=dt.UTC)  # a day of its own: live tests record today's sessions


def _activity(slug: str, reason: str) -> tuple[int, int]:
    with schema_context(slug):
        agent = Agent.objects.order_by("id").first()
        session = AgentSession.objects.create(agent=agent, queue=Queue.objects.get(pk=1), started_at=DAY,
                                              ended_at=DAY + dt.timedelta(hours=7))
        pause = AgentPause.objects.create(agent=agent, reason=reason, started_at=DAY + dt.timedelta(hours=3),
                                          ended_at=DAY + dt.timedelta(hours=3, minutes=30))
        return session.pk, pause.pk


def test_sessions_and_pauses_per_agency_by_period_read_only(client):
    fhi_session, fhi_pause = _activity("fhi", "Lunsj, «kantina»")
    nkh_session, nkh_pause = _activity("nkh", "hemmelig-nkh")
    fhi = _token("fhi", ["read", "write"])
    period = "?from=2021-03-03&to=2021-03-04"
    sessions = _get(client, "fhi", f"/api/v1/agent-sessions/{period}", fhi).json()["results"]
    assert [(r["id"], r["queue"], r["ended_at"] is not None) for r in sessions] == [(fhi_session, 1, True)]
    pauses = _get(client, "fhi", f"/api/v1/agent-pauses/{period}", fhi).json()["results"]
    assert [(r["id"], r["reason"], r["ended_by_logout"]) for r in pauses] == [(fhi_pause, "Lunsj, «kantina»", False)]
    later = _get(client, "fhi", "/api/v1/agent-pauses/?from=2021-03-04", fhi).json()["results"]
    assert fhi_pause not in [r["id"] for r in later]  # outside the period
    assert "hemmelig-nkh" not in _get(client, "fhi", "/api/v1/agent-pauses/", fhi).content.decode()
    if nkh_pause != fhi_pause:
        _problem(_get(client, "fhi", f"/api/v1/agent-pauses/{nkh_pause}/", fhi), 404)
    if nkh_session != fhi_session:
        _problem(_get(client, "fhi", f"/api/v1/agent-sessions/{nkh_session}/", fhi), 404)
    _problem(_get(client, "nkh", "/api/v1/agent-pauses/", fhi), 401)  # fhi's token at nkh's domain
    _problem(_get(client, "fhi", "/api/v1/agent-pauses/?from=i-går", fhi), 400)
    response = client.post("/api/v1/agent-pauses/", {"reason": "x"}, HTTP_HOST="fhi.localhost",
                           HTTP_AUTHORIZATION=f"Bearer {fhi}")
    assert response.status_code == 405
