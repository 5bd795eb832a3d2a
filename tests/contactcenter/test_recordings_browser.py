"""The recording player in real headless Chromium: the reason before play, the file streamed and seekable
(HTTP Range), the play logged with who and why. Screenshot in the artifacts folder."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone
from django_tenants.utils import schema_context

from asterisk_conf.sounds.tts import EspeakSynthesizer, synthesize
from tests.harness.asterisk_harness import free_port
from tests.harness.server_harness import LiveServer

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.browser, pytest.mark.tts,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="Chromium finnes ikke (apt install chromium)."),
    pytest.mark.skipif(not EspeakSynthesizer.available(), reason="espeak-ng og sox er ikke installert."),
]
PASSWORD = "demo-passord-2026"


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from contactcenter import recordings
    from contactcenter.models import Queue, Recording

    with django_db_blocker.unblock():
        path = recordings.folder("fhi") / "1700000099.1-q1-1700000099.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        synthesize("Dette er et opptak av en samtale med Folkehelseinstituttet. Innringeren spør om vaksiner, "
                   "og agenten svarer. Samtalen varer i noen sekunder.", path)
        with schema_context("fhi"):
            rec = Recording.objects.create(path=str(path), started_at=timezone.now(), retention_class="policy",
                                           queue=Queue.objects.get(pk=1),
                                           delete_after=timezone.now() + dt.timedelta(days=30))
            user = get_user_model().objects.create_user(username="revisor", password=PASSWORD,
                                                        first_name="Rita", last_name="Revisor")
            user.user_permissions.add(Permission.objects.get(codename="listen_recording"))
            get_user_model().objects.create_user(username="uten-tilgang", password=PASSWORD)
        srv = LiveServer([], free_port()).start()
        try:
            yield srv, rec
        finally:
            srv.stop()
            with schema_context("fhi"):
                Recording.objects.filter(pk=rec.pk).delete()
                get_user_model().objects.filter(username__in=["revisor", "uten-tilgang"]).delete()
            path.unlink(missing_ok=True)


@pytest.fixture
def browser(monkeypatch):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync", "--autoplay-policy=no-user-gesture-required"])
        yield b
        b.close()


def _login(page, port: int, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"http://fhi.localhost:{port}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_player_asks_why_streams_seeks_and_logs(server, browser, artifacts_dir):
    from contactcenter.models_voice import RecordingAccess

    srv, rec = server
    page = browser.new_page(viewport={"width": 1200, "height": 600})
    _login(page, srv.port, "revisor")
    ranges: list[str] = []
    page.on("request", lambda r: "/opptak/lyd/" in r.url and ranges.append(r.headers.get("range", "")))
    page.goto(f"http://fhi.localhost:{srv.port}/opptak/")
    row = page.locator(f'tr[data-id="{rec.pk}"]')
    row.locator("input[name=reason]").fill("Klagesak 2026-114: «Åse» ba om innsyn")
    row.locator("button[value=play]").click()
    audio = row.locator("audio")
    page.wait_for_function("a => a.readyState >= 1 && a.duration > 3", arg=audio.element_handle(), timeout=15000)
    audio.evaluate("a => { a.pause(); a.currentTime = 3; }")
    page.wait_for_function("a => !a.seeking && a.currentTime >= 3", arg=audio.element_handle(), timeout=15000)
    assert audio.evaluate("a => a.error") is None
    assert any(r.startswith("bytes=") for r in ranges), ranges  # Chromium streams with Range requests
    page.screenshot(path=str(artifacts_dir / "side-opptak.png"), full_page=True)
    with schema_context("fhi"):
        access = RecordingAccess.objects.filter(recording_id=rec.pk).get()
        assert (access.username, access.action) == ("revisor", "play")
        assert access.reason == "Klagesak 2026-114: «Åse» ba om innsyn"


def test_a_user_without_the_role_sees_nothing(server, browser, artifacts_dir):
    srv, rec = server
    page = browser.new_page(viewport={"width": 1000, "height": 400})
    _login(page, srv.port, "uten-tilgang")
    response = page.goto(f"http://fhi.localhost:{srv.port}/opptak/")
    assert response.status == 403
    assert f'data-id="{rec.pk}"' not in page.content()
