"""The REST API's read endpoints for dialer campaigns and call attempts, from the attacker's side: fhi's token reads
fhi's campaigns and attempts only (by list, by id, at the other domain); the campaign filter and the period filter
work, bad values are a clear 400, and nothing can be written."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from contactcenter.models import InquiryCategory, Queue
from outbound import services
from outbound.models import Campaign
from tests.controlplane.test_api_isolation import _get, _problem, _token

pytestmark = pytest.mark.django_db
MONDAY_10 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Oslo"))


def _data(slug: str, number: str) -> tuple[int, int, int]:
    with schema_context(slug):
        campaign = Campaign.objects.create(name=f"API-kampanje {slug}", queue=Queue.objects.get(pk=1))
        services.campaign_contacts_import(campaign_id=campaign.pk, name="l.csv",
                                          data=f"nummer\n{number}\n{int(number) + 1}\n".encode(), dry_run=False)
        services.campaign_status_change(campaign_id=campaign.pk, action="start")
        attempt = services.attempt_claim(campaign_id=campaign.pk, at=MONDAY_10)
        services.attempt_dialling(attempt_id=attempt.pk)
        services.attempt_end(attempt_id=attempt.pk, outcome="connected", agent="Kari")
        category = InquiryCategory.objects.filter(queue_id=1).order_by("id").first()
        services.attempt_dispose(attempt_id=attempt.pk, category_id=category.pk)
        return campaign.pk, attempt.pk, category.pk


def test_campaigns_and_attempts_are_read_per_agency_only(client):
    fhi_campaign, fhi_attempt, category = _data("fhi", "91234567")
    nkh_campaign, nkh_attempt, _c = _data("nkh", "92234567")
    fhi = _token("fhi", ["read"])
    campaigns = _get(client, "fhi", "/api/v1/campaigns/", fhi).json()["results"]
    assert [(c["id"], c["name"], c["mode"], c["status"], c["queue_name"], c["contacts_total"], c["contacts_done"],
             c["contacts_pending"]) for c in campaigns] == [
        (fhi_campaign, "API-kampanje fhi", "progressive", "running", "Sentralbord", 2, 1, 1)]
    attempts = _get(client, "fhi", f"/api/v1/call-attempts/?campaign={fhi_campaign}", fhi).json()["results"]
    assert [(a["id"], a["number"], a["outcome"], a["agent"], a["disposition"]) for a in attempts] == [
        (fhi_attempt, "+4791234567", "connected", "Kari", category)]
    assert _get(client, "fhi", f"/api/v1/call-attempts/{fhi_attempt}/", fhi).json()["disposition_name"]
    assert _get(client, "fhi", f"/api/v1/call-attempts/?campaign={fhi_campaign + 1000}", fhi).json()["results"] == []
    assert _problem(_get(client, "fhi", "/api/v1/call-attempts/?campaign=første", fhi),
                    400)["errors"][0]["field"] == "campaign"
    if nkh_campaign != fhi_campaign:  # nkh's ids never open at fhi
        _problem(_get(client, "fhi", f"/api/v1/campaigns/{nkh_campaign}/", fhi), 404)
    if nkh_attempt != fhi_attempt:
        _problem(_get(client, "fhi", f"/api/v1/call-attempts/{nkh_attempt}/", fhi), 404)
    for path in ("/api/v1/campaigns/", "/api/v1/call-attempts/"):
        _problem(_get(client, "nkh", path, fhi), 401)  # fhi's token at nkh's domain
        assert "92234567" not in _get(client, "fhi", path, fhi).content.decode()
    nkh = _token("nkh", ["read"])
    assert [c["name"] for c in _get(client, "nkh", "/api/v1/campaigns/", nkh).json()["results"]] == ["API-kampanje nkh"]


def test_period_filter_and_read_only(client):
    _data("fhi", "91234567")
    token = _token("fhi", ["read"])
    writer = _token("fhi", ["read", "write"])
    today = dt.date.today()
    for path in ("/api/v1/campaigns/", "/api/v1/call-attempts/"):
        assert len(_get(client, "fhi", f"{path}?from={today - dt.timedelta(days=1)}", token).json()["results"]) == 1
        assert _get(client, "fhi", f"{path}?from={today + dt.timedelta(days=2)}", token).json()["results"] == []
        assert _problem(_get(client, "fhi", f"{path}?to=igår", token), 400)["errors"][0]["field"] == "to"
        _problem(client.post(path, {}, content_type="application/json", HTTP_HOST="fhi.localhost",
                             HTTP_AUTHORIZATION=f"Bearer {writer}"), 405)
