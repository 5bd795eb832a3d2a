"""The campaign pages from the outside: Norwegian errors, never a 500; another agency's session never reaches a
campaign, its figures, its import or its pause button."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from contactcenter.models import Queue
from outbound.models import Campaign, CampaignContact

pytestmark = pytest.mark.django_db


def _client(username: str, slug: str) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": "demo-passord-2026", "next": "/console/"},
                           HTTP_HOST=f"{slug}.localhost")
    assert response.status_code == 302
    return client


def test_bad_input_gets_norwegian_errors_and_another_agency_reaches_nothing() -> None:
    with schema_context("fhi"):
        campaign = Campaign.objects.create(name="Oppfølging", queue=Queue.objects.get(pk=1))
    fhi = _client("jonas", "fhi")
    host = {"HTTP_HOST": "fhi.localhost"}
    response = fhi.post(f"/kampanjer/{campaign.pk}/import", {"file": SimpleUploadedFile("l.pdf", b"%PDF")}, **host)
    assert response.status_code == 400 and "CSV" in " ".join(response.json()["errors"])
    response = fhi.post(f"/kampanjer/{campaign.pk}/import", {}, **host)
    assert response.status_code == 400 and "Velg en fil" in response.json()["error"]
    response = fhi.post(f"/kampanjer/{campaign.pk}/action", {"action": "tull"}, **host)
    assert response.status_code == 400 and response.json()["error"] == "Ukjent handling."
    assert fhi.get("/kampanjer/99999/live", **host).status_code == 404
    # fhi's session on nkh's domain is not logged in there; nkh's supervisor never reaches fhi's campaign.
    assert fhi.get(f"/kampanjer/{campaign.pk}/live", HTTP_HOST="nkh.localhost").status_code in (302, 403)
    nkh = _client("magnus", "nkh")
    assert nkh.get(f"/kampanjer/{campaign.pk}/live", HTTP_HOST="nkh.localhost").status_code == 404
    assert "Oppfølging" not in nkh.get("/kampanjer/", HTTP_HOST="nkh.localhost").content.decode()
    response = nkh.post(f"/kampanjer/{campaign.pk}/action", {"action": "start"}, HTTP_HOST="nkh.localhost")
    assert response.status_code == 404
    with schema_context("fhi"):
        assert Campaign.objects.get(pk=campaign.pk).status == "draft"
        assert not CampaignContact.objects.exists()


def test_supervisors_find_the_campaigns_in_the_menu_agents_do_not() -> None:
    supervisor, agent = _client("jonas", "fhi"), _client("kari", "fhi")
    assert 'href="/kampanjer/"' in supervisor.get("/console/", HTTP_HOST="fhi.localhost").content.decode()
    assert supervisor.get("/kampanjer/", HTTP_HOST="fhi.localhost").status_code == 200
    assert 'href="/kampanjer/"' not in agent.get("/console/", HTTP_HOST="fhi.localhost").content.decode()
    assert agent.get("/kampanjer/", HTTP_HOST="fhi.localhost").status_code == 403
