"""The SMS send page in real headless Chromium against the platform and a real Kannel: the supervisor previews
the audience (count after duplicates, segments, encoding), sends, and watches the progress bar reach the end."""

from __future__ import annotations

import os
import threading

import pytest
from django_tenants.utils import schema_context

from controlplane import jobs
from tests.outbound.conftest import wait_until

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser, pytest.mark.kannel, pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="Chromium finnes ikke (apt install chromium)."),
]


@pytest.fixture
def page(monkeypatch):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser.new_page(viewport={"width": 1200, "height": 900})
        browser.close()


def test_supervisor_previews_sends_and_sees_progress(page, kannel, sms_settings, platform_http, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    from outbound.models import SmsMessage

    base = f"http://fhi.localhost:{platform_http.port}"
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "jonas")
    page.fill("input[name=password]", "demo-passord-2026")
    page.click("button[type=submit]")
    page.goto(f"{base}/sms/")
    page.fill("#numbers", "912 34 580, 91234581, +4791234581")
    page.fill("#body", "Hei {nummer}! Svaret ditt er klart. Hilsen FHI – Østfold")
    page.click("#btn-preview")
    page.wait_for_selector("#preview p")
    preview = page.inner_text("#preview")
    assert "2 mottakere (1 like fjernet, 0 avmeldt fjernet)" in preview
    assert "1 deler per melding (UCS-2), 2 deler i alt" in preview  # the dash is not in GSM 03.38
    page.click("#btn-send")
    page.wait_for_selector("#progress-box:not([hidden])")
    worker = threading.Thread(target=jobs.run_pending_jobs, kwargs={"queues": ["sms"]})  # Playwright owns this loop
    worker.start()
    worker.join(60)
    page.wait_for_function("document.getElementById('progress-text').textContent.startsWith('2 av 2 sendt')")
    wait_until(lambda: len([r for r in kannel.received() if r[1] in ("4791234580", "4791234581")]) == 2,
               "meldingene kom ikke fram")
    page.wait_for_function("document.querySelector('#sends tr').textContent.includes('ferdig')")
    assert page.locator("#sends tr").first.locator("td").all_inner_texts()[2:] == ["2", "ferdig"]  # this send, on top
    page.screenshot(path=str(artifacts_dir / "sms-send.png"), full_page=True)
    with schema_context("fhi"):
        assert {m.sent_by.username for m in SmsMessage.objects.filter(number__in=["+4791234580", "+4791234581"])} \
            == {"jonas"}
    page.goto(f"{base}/sms/log/")
    assert "Hei +4791234581! Svaret ditt er klart." in page.inner_text("main")
    page.screenshot(path=str(artifacts_dir / "sms-log.png"), full_page=True)


def test_agent_may_not_send(page, platform_http) -> None:  # type: ignore[no-untyped-def]
    base = f"http://fhi.localhost:{platform_http.port}"
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "kari")
    page.fill("input[name=password]", "demo-passord-2026")
    page.click("button[type=submit]")
    response = page.goto(f"{base}/sms/")
    assert response is not None and response.status == 403
