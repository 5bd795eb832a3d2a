"""The agency admin downloads all of its own agency's data from the admin, and only its own."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context

pytestmark = pytest.mark.django_db


def _login(client, slug: str, username: str = "admin", password: str = "demo-passord-2026") -> None:  # type: ignore[no-untyped-def]
    response = client.post("/admin/login/?next=/admin/", {"username": username, "password": password},
                           HTTP_HOST=f"{slug}.localhost")
    assert response.status_code == 302


def test_admin_button_downloads_own_agency_only(client) -> None:  # type: ignore[no-untyped-def]
    _login(client, "nkh")
    index = client.get("/admin/", HTTP_HOST="nkh.localhost").content.decode()
    assert "Last ned alle data (zip)" in index
    response = client.get("/admin/etatens-data/eksport/", HTTP_HOST="nkh.localhost")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "nkh-eksport-" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        people = zf.read("tabeller/switchboard.person.jsonl").decode()
    assert manifest["agency"]["slug"] == "nkh"
    assert "Strand" in people and "Bakke" not in people  # nkh's Magnus Strand, never fhi's Ingrid Bakke


def test_export_needs_an_agency_admin(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/admin/etatens-data/eksport/", HTTP_HOST="fhi.localhost").status_code == 302  # login first
    with schema_context("fhi"):
        get_user_model().objects.create_user("leser", password="leser-passord-2026", is_staff=True)
    _login(client, "fhi", "leser", "leser-passord-2026")
    assert client.get("/admin/etatens-data/eksport/", HTTP_HOST="fhi.localhost").status_code == 403
    _login(client, "nkh")  # an admin of another agency, with fhi's host: no session there
    response = client.get("/admin/etatens-data/eksport/", HTTP_HOST="fhi.localhost")
    assert response.status_code in (302, 403)
