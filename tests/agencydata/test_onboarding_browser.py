"""The onboarding page in real headless Chromium: upload, the dry run's progress bar polled until the job is done,
then the import with its own progress bar. Screenshots land in the artifacts folder."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from switchboard.models import Person
from tenants import services as tn
from tests.agencydata.test_onboarding import AGENTS, PEOPLE, QUEUES
from tests.harness.asterisk_harness import free_port
from tests.harness.server_harness import LiveServer

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SLUG = "svkweb"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="Chromium finnes ikke (apt install chromium)."),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def server(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API keeps a loop on this thread
    tn.agency_create(name="Statens veiledningskontor", slug=SLUG, org_number="910000055",
                     admin_username="admin", admin_password="svk-passord-2026")
    live = LiveServer([], free_port()).start()
    yield live
    live.stop()
    connection.set_schema_to_public()
    with connection.cursor() as cur:
        cur.execute(f'DROP SCHEMA IF EXISTS "{SLUG}" CASCADE')


def _run_jobs() -> None:
    """The platform's job worker as its own process (as run_platform starts it), once over the due jobs."""
    import subprocess
    import sys

    from tests.harness.platform_harness import ROOT, database_url_of

    env = {**os.environ, "DATABASE_URL": database_url_of(connection.settings_dict), "DJANGO_DEBUG": "1"}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "procrastinate", "worker", "--queues", "agencydata",
                    "--one-shot"], env=env, cwd=ROOT, check=True, timeout=120, capture_output=True)


def test_upload_dry_run_and_import_with_progress_bar(server, tmp_path, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    files = []
    for name, text in (("personer.csv", PEOPLE), ("køer.csv", QUEUES), ("agenter.csv", AGENTS)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(str(tmp_path / name))
    base = f"http://{SLUG}.localhost:{server.port}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        page.goto(f"{base}/admin/login/?next=/admin/")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", "svk-passord-2026")
        page.click("input[type=submit]")
        page.click("#onboarding")
        page.set_input_files("#files", files)
        page.click("#upload")
        expect(page.locator("#status")).to_have_text("Sjekkes")
        expect(page.locator("#progress")).to_be_visible()
        page.screenshot(path=str(artifacts_dir / "innlesing-1-sjekkes.png"), full_page=True)
        _run_jobs()
        expect(page.locator("#ready")).to_be_visible(timeout=15000)  # the page polled and reloaded by itself
        expect(page.locator("#progress-text")).to_have_text("5 / 5")
        page.screenshot(path=str(artifacts_dir / "innlesing-2-sjekket.png"), full_page=True)
        with schema_context(SLUG):
            assert not Person.objects.exists()
        page.click("#commit")
        expect(page.locator("#status")).to_have_text("Leses inn")
        _run_jobs()
        expect(page.locator("#done")).to_contain_text("2 personer", timeout=15000)
        page.screenshot(path=str(artifacts_dir / "innlesing-3-lest-inn.png"), full_page=True)
        browser.close()
    with schema_context(SLUG):
        assert Person.objects.count() == 2
