"""The supervisors' live campaign view in real headless Chromium against the platform: a list import tried first
(dry run: per-row errors, nothing written), then imported; start and pause; the figures (progress, answer rate,
abandon rate against the cap, last attempts) follow the attempts as they are recorded."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pytest
from django_tenants.utils import schema_context

from contactcenter.models import Queue
from outbound import services
from outbound.models import Campaign, CampaignContact

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="Chromium finnes ikke (apt install chromium)."),
]
MONDAY_10 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Europe/Oslo"))


@pytest.fixture
def page(monkeypatch):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser.new_page(viewport={"width": 1200, "height": 1100})
        browser.close()


def _record(campaign_id: int, outcome: str) -> None:
    attempt = services.attempt_claim(campaign_id=campaign_id, at=MONDAY_10)
    services.attempt_dialling(attempt_id=attempt.pk)
    services.attempt_end(attempt_id=attempt.pk, outcome=outcome, agent="Kari Nordmann" if outcome == "connected" else "",
                         at=MONDAY_10)


def test_supervisor_imports_starts_pauses_and_watches_the_figures(page, platform_http, artifacts_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with schema_context("fhi"):
        campaign = Campaign.objects.create(name="Vaksine – oppfølging, Østfold", mode="predictive",
                                           queue=Queue.objects.get(pk=1))
    bad = tmp_path / "liste.csv"
    bad.write_text("nummer;navn\n91234567;Åse\n12;Feil\n91234568;Ørjan\n91234569;Per\n", encoding="utf-8")
    base = f"http://fhi.localhost:{platform_http.port}"
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "jonas")
    page.fill("input[name=password]", "demo-passord-2026")
    page.click("button[type=submit]")
    page.goto(f"{base}/kampanjer/")
    page.click("text=Vaksine – oppfølging, Østfold")
    page.set_input_files("#c-file", str(bad))
    page.click("#c-dry")
    page.wait_for_selector("#c-import-result li")
    assert "Prøve: 3 nye" in page.inner_text("#c-import-result")
    assert "Rad 3: «12» er ikke et gyldig telefonnummer." in page.inner_text("#c-import-result")
    page.click("#c-do")  # with a bad row nothing is imported
    page.wait_for_function("document.getElementById('c-import-result').textContent.includes('Ingenting ble importert')")
    with schema_context("fhi"):
        assert not CampaignContact.objects.filter(campaign=campaign).exists()
    bad.write_text("nummer;navn\n91234567;Åse\n91234568;Ørjan\n91234569;Per\n91234570;Liv\n", encoding="utf-8")
    page.set_input_files("#c-file", str(bad))
    page.click("#c-do")
    page.wait_for_function("document.getElementById('c-total').textContent === '4'")
    page.click("button[data-action=start]")
    page.wait_for_function("document.getElementById('c-status').textContent === 'kjører'")
    with schema_context("fhi"):
        for outcome in ("connected", "abandoned", "busy"):
            _record(campaign.pk, outcome)
    page.wait_for_function("document.getElementById('c-done').textContent === '1'")
    assert page.inner_text("#c-answer") == "66,7 %"
    assert page.inner_text("#c-abandon").startswith("50 % (grense 3 %)")
    assert "Kari Nordmann" in page.inner_text("#c-recent")
    page.click("button[data-action=pause]")
    page.wait_for_function("document.getElementById('c-status').textContent === 'pauset'")
    page.click("button[data-action=pause]")
    page.wait_for_function("document.getElementById('c-error').textContent.includes('kan ikke endres')")
    page.screenshot(path=str(artifacts_dir / "campaign-live.png"), full_page=True)
    with schema_context("fhi"):
        assert services.attempt_claim(campaign_id=campaign.pk, at=MONDAY_10) is None  # paused: nothing dialled


def test_buttons_are_disabled_until_the_page_s_script_runs(page, platform_http) -> None:  # type: ignore[no-untyped-def]
    """A click before campaign.js had attached its handlers did nothing at all (CI once clicked «Prøv» that early
    and waited in vain for the result); now the buttons are disabled until the script has run."""
    with schema_context("fhi"):
        campaign = Campaign.objects.create(name="Influensa, Agder", mode="progressive", queue=Queue.objects.get(pk=1))
    base = f"http://fhi.localhost:{platform_http.port}"
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "jonas")
    page.fill("input[name=password]", "demo-passord-2026")
    page.click("button[type=submit]")
    page.route("**/static/outbound/campaign.js*", lambda route: route.abort())  # as if it has not arrived yet
    page.goto(f"{base}/kampanjer/{campaign.pk}/")
    held = ["#c-dry", "#c-do", "button[data-action=start]", "button[data-action=pause]"]
    assert [page.is_disabled(selector) for selector in held] == [True] * 4
    page.unroute("**/static/outbound/campaign.js*")
    page.reload()
    page.wait_for_function("!document.getElementById('c-dry').disabled")
    assert [page.is_enabled(selector) for selector in held] == [True] * 4
