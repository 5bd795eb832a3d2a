"""Recordings through the API: metadata, and the file only from the agency's own recordings folder. A row that
points into another agency's folder, out of the folder with ``..`` or through a link is never served."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import schema_context

from api.services import api_token_create
from contactcenter.models import Recording

pytestmark = pytest.mark.django_db


def _folder(slug: str) -> Path:
    folder = Path(settings.ASTERISK_SPOOL_DIR) / slug / "recordings"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _download(client, token: str, pk: int):  # type: ignore[no-untyped-def]
    return client.get(f"/api/v1/recordings/{pk}/download/", HTTP_HOST="fhi.localhost",
                      HTTP_AUTHORIZATION=f"Bearer {token}")


def test_recording_file_only_from_own_folder(client, tmp_path):
    own = _folder("fhi") / "1700000000.1-1.wav"
    own.write_bytes(b"RIFF-fhi-lyd")
    foreign = _folder("nkh") / "1700000000.2-1.wav"
    foreign.write_bytes(b"RIFF-nkh-hemmelig")
    link = _folder("fhi") / "lenke.wav"
    link.unlink(missing_ok=True)
    link.symlink_to(foreign)
    now = timezone.now()
    with schema_context("fhi"):
        token = api_token_create(name="opptak", scopes=["read"])[1]
        ids = {name: Recording.objects.create(path=str(path), started_at=now).pk for name, path in {
            "own": own, "foreign": foreign, "dotdot": _folder("fhi") / ".." / ".." / "nkh" / "recordings" / foreign.name,
            "link": link, "gone": _folder("fhi") / "slettet.wav"}.items()}
    listing = client.get("/api/v1/recordings/", HTTP_HOST="fhi.localhost", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert {r["file_name"] for r in listing["results"]} >= {own.name, "lenke.wav"}
    response = _download(client, token, ids["own"])
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"RIFF-fhi-lyd"
    assert response["Content-Type"] == "audio/wav"
    for name in ("foreign", "dotdot", "link", "gone"):
        refused = _download(client, token, ids[name])
        assert refused.status_code == 404 and refused["Content-Type"] == "application/problem+json", name
        assert b"hemmelig" not in refused.content


def test_recordings_of_other_agency_are_not_listed(client):
    with schema_context("nkh"):
        pk = Recording.objects.create(path=str(_folder("nkh") / "x.wav"), started_at=timezone.now()).pk
    with schema_context("fhi"):
        token = api_token_create(name="opptak2", scopes=["read"])[1]
        assert not Recording.objects.filter(pk=pk).exists()
    assert _download(client, token, pk).status_code == 404
