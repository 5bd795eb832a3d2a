"""The agency admin makes API tokens (the secret shown once, only its hash kept) and revokes them at once."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import schema_context

from api.models import ApiToken

pytestmark = pytest.mark.django_db
HOST = "fhi.localhost"


def test_admin_creates_token_shown_once_then_revokes_it(client):
    assert client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "demo-passord-2026"},
                       HTTP_HOST=HOST).status_code == 302
    page = client.post("/admin/api/apitoken/add/", {"name": "Rapportering, Ørsta", "scopes": ["read"]},
                       HTTP_HOST=HOST, follow=True).content.decode()
    secret = re.search(r"tpk_[A-Za-z0-9_-]{40,}", page).group(0)
    with schema_context("fhi"):
        token = ApiToken.objects.get(name="Rapportering, Ørsta")
        assert token.scopes == ["read"] and token.created_by.username == "admin" and secret not in token.secret_hash
    listing = client.get("/admin/api/apitoken/", HTTP_HOST=HOST).content.decode()
    assert "Rapportering, Ørsta" in listing and secret not in listing
    api = {"HTTP_HOST": HOST, "HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get("/api/v1/queues/", **api).status_code == 200
    client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, HTTP_HOST=HOST)
    assert client.get("/api/v1/queues/", **api).status_code == 401


def test_admin_refuses_token_without_scope(client):
    client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "demo-passord-2026"}, HTTP_HOST=HOST)
    page = client.post("/admin/api/apitoken/add/", {"name": "Uten tilgang", "scopes": []}, HTTP_HOST=HOST)
    assert page.status_code == 200 and "errorlist" in page.content.decode()
    with schema_context("fhi"):
        assert not ApiToken.objects.filter(name="Uten tilgang").exists()
