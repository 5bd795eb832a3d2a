"""The recordings page: only users with the listen permission; a reason before play or download, logged with
who and why; the file streamed with HTTP Range (seekable); another agency's user never reaches it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone
from django_tenants.utils import schema_context

from contactcenter import recordings
from contactcenter.models import Recording
from contactcenter.models_voice import RecordingAccess

pytestmark = pytest.mark.django_db
PASSWORD = "demo-passord-2026"
HOST = {"HTTP_HOST": "fhi.localhost"}


@pytest.fixture
def recording(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.ASTERISK_SPOOL_DIR = tmp_path / "spool"
    path = recordings.folder("fhi") / "1700000001.5-q1-1700000001.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + bytes(range(256)) * 40)
    with schema_context("fhi"):
        rec = Recording.objects.create(path=str(path), started_at=timezone.now(), retention_class="policy",
                                       delete_after=timezone.now() + dt.timedelta(days=30))
    return rec, path


def _user(slug: str, name: str, *, listen: bool):  # type: ignore[no-untyped-def]
    with schema_context(slug):
        user = get_user_model().objects.create_user(username=name, password=PASSWORD)
        if listen:
            user.user_permissions.add(Permission.objects.get(codename="listen_recording"))
    return user


def _login(client, slug: str, name: str) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/login/", {"username": name, "password": PASSWORD},
                       HTTP_HOST=f"{slug}.localhost").status_code == 302


def test_without_the_permission_nothing_is_shown_or_served(client, recording):
    rec, _path = recording
    _user("fhi", "uten", listen=False)
    _login(client, "fhi", "uten")
    assert client.get("/opptak/", **HOST).status_code == 403
    response = client.post(f"/opptak/{rec.pk}/tilgang/", {"action": "play", "reason": "nysgjerrig"}, **HOST)
    assert response.status_code == 403
    with schema_context("fhi"):
        assert not RecordingAccess.objects.filter(recording=rec).exists()


def test_play_needs_a_reason_is_logged_and_seekable(client, recording):
    rec, path = recording
    _user("fhi", "lytter", listen=True)
    _login(client, "fhi", "lytter")
    page = client.get("/opptak/", **HOST).content.decode()
    assert f'data-id="{rec.pk}"' in page
    refused = client.post(f"/opptak/{rec.pk}/tilgang/", {"action": "play", "reason": "  "}, **HOST)
    assert refused.status_code == 400 and "Oppgi hvorfor" in refused.json()["error"]
    ok = client.post(f"/opptak/{rec.pk}/tilgang/", {"action": "play", "reason": "Klagesak 2026-114, «Ærlig» sak"},
                     **HOST)
    url = ok.json()["url"]
    with schema_context("fhi"):
        access = RecordingAccess.objects.get(recording=rec)
        assert (access.username, access.action, access.reason) == ("lytter", "play", "Klagesak 2026-114, «Ærlig» sak")
    size = path.stat().st_size
    whole = client.get(url, **HOST)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == path.read_bytes()
    part = client.get(url, HTTP_RANGE="bytes=100-199", **HOST)
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{size}"
    assert b"".join(part.streaming_content) == path.read_bytes()[100:200]
    tail = client.get(url, HTTP_RANGE="bytes=-10", **HOST)
    assert b"".join(tail.streaming_content) == path.read_bytes()[-10:]
    assert client.get(url, HTTP_RANGE=f"bytes={size + 5}-", **HOST).status_code == 416
    assert "Content-Disposition" not in whole


def test_download_is_logged_and_served_as_attachment(client, recording):
    rec, path = recording
    _user("fhi", "laster", listen=True)
    _login(client, "fhi", "laster")
    url = client.post(f"/opptak/{rec.pk}/tilgang/", {"action": "download", "reason": "Politianmeldelse"},
                      **HOST).json()["url"]
    response = client.get(url, **HOST)
    assert response["Content-Disposition"] == f'attachment; filename="{path.name}"'
    with schema_context("fhi"):
        assert RecordingAccess.objects.get(recording=rec).action == "download"


def test_another_agencys_user_never_reaches_the_file(client, recording):
    rec, _path = recording
    fhi_user = _user("fhi", "fhilytter", listen=True)
    _login(client, "fhi", "fhilytter")
    url = client.post(f"/opptak/{rec.pk}/tilgang/", {"action": "play", "reason": "sak"}, **HOST).json()["url"]
    assert fhi_user.pk
    _user("nkh", "nkhlytter", listen=True)
    other = client.__class__()
    _login(other, "nkh", "nkhlytter")
    assert other.get(url, HTTP_HOST="nkh.localhost").status_code == 404
    assert other.post(f"/opptak/{rec.pk}/tilgang/", {"action": "play", "reason": "sak"},
                      HTTP_HOST="nkh.localhost").status_code == 403
    # The fhi session does not work at nkh's address either.
    assert client.get(url, HTTP_HOST="nkh.localhost").status_code in (302, 403, 404)
