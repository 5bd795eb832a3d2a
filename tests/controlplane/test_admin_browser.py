"""Issue 7 §5: the admins in real headless Chromium, logged in as admin in Norwegian. Each list and add
page (and the add page with its error messages) is saved as a PNG under test-artifacts/; the test fails
when a known English admin string is shown or an error message cannot be read against its background."""

from __future__ import annotations

import os
import re

import pytest

from tests.harness.asterisk_harness import free_port
from tests.harness.server_harness import LiveServer

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="Chromium finnes ikke (apt install chromium)."),
    pytest.mark.django_db,
]
PASSWORD = "demo-passord-2026"

# English that Django's admin shows when a translation is missing, and wrong Norwegian seen before.
ENGLISH = [
    "Please correct the error", "Please correct the errors", "Start typing to filter", "Show counts",
    "Hide counts", "Schema name", "Size", "This field is required", "Add another", "Save and add another",
    "Save and continue", "Select all", "to change", "Log out", "View site", "Home", "Search", "Delete",
    "Action", "Change password", "Skip to main content", "Toggle theme", "Breadcrumbs", "entries",
    "Legg til ny innringingsnummer",
]
# Text a user meets outside the page's text: placeholders, tooltips, screen-reader labels, button captions.
ATTRIBUTE_TEXT_JS = r"""
() => [...document.querySelectorAll('[placeholder], [title], [aria-label], input[type=submit], input[type=button]')]
  .filter(e => e.offsetParent !== null || e.getAttribute('placeholder'))
  .map(e => [e.getAttribute('placeholder'), e.getAttribute('title'), e.getAttribute('aria-label'),
             e.type === 'submit' || e.type === 'button' ? e.value : null].filter(Boolean).join(' | '))
  .join('\n')
"""
PAGES = {
    "plattform": ["tenants/agency", "tenants/numberrange"],
    "fhi": ["switchboard/did", "contactcenter/queue", "switchboard/person"],
}
# Text colour and the background it is drawn on, for every error message on the page.
ERROR_COLOURS_JS = """
() => {
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const bg = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll('.errornote, .errorlist li, .messagelist .error')]
    .filter(e => e.offsetParent !== null)
    .map(e => ({text: e.innerText.trim(), fg: parse(getComputedStyle(e).color).slice(0, 3), bg: bg(e)}));
}
"""


def _luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: list[float], bg: list[float]) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def english_on_page(text: str) -> list[str]:
    return [s for s in ENGLISH if re.search(rf"(?<![\w]){re.escape(s)}(?![\w])", text, re.IGNORECASE)]


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        live = LiveServer([], free_port()).start()
        yield live
        live.stop()


@pytest.fixture
def browser(monkeypatch):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def _check(page, name: str, artifacts_dir) -> list[str]:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(artifacts_dir / f"admin-{name}.png"), full_page=True)
    text = page.inner_text("body") + "\n" + page.evaluate(ATTRIBUTE_TEXT_JS)
    problems = [f"{name}: engelsk eller feil tekst «{s}»" for s in english_on_page(text)]
    for err in page.evaluate(ERROR_COLOURS_JS):
        if contrast(err["fg"], err["bg"]) < 3:
            problems.append(f"{name}: feilmeldingen «{err['text'][:60]}» kan ikke leses ({err['fg']} på {err['bg']})")
    return problems


@pytest.mark.parametrize("site", sorted(PAGES))
def test_admin_pages_are_norwegian_and_errors_readable(server, browser, artifacts_dir, site):
    host = "localhost" if site == "plattform" else f"{site}.localhost"
    base = f"http://{host}:{server.port}/admin"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/login/?next=/admin/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/")
    problems: list[str] = []
    errors_seen = 0
    for path in PAGES[site]:
        slug = f"{site}-{path.replace('/', '-')}"
        response = page.goto(f"{base}/{path}/")
        assert response is not None and response.status == 200, path
        problems += _check(page, f"{slug}-liste", artifacts_dir)
        page.goto(f"{base}/{path}/add/")
        problems += _check(page, f"{slug}-ny", artifacts_dir)
        page.click("input[name=_save]")  # empty form: Norwegian, readable errors, nothing saved
        page.wait_for_selector(".errornote")
        errors_seen += len(page.evaluate(ERROR_COLOURS_JS))
        problems += _check(page, f"{slug}-ny-feil", artifacts_dir)
    page.close()
    assert errors_seen > 0
    assert problems == [], "\n".join(problems)


def test_english_detector_and_contrast_check_can_fail():
    assert english_on_page("Velg nummerserie\nPLEASE CORRECT THE ERROR BELOW.\nSCHEMA NAME") == [
        "Please correct the error", "Schema name"]
    assert english_on_page("Legg til innringingsnummer. Størrelse. Handlingen") == []
    assert contrast([186, 33, 33], [186, 33, 33]) < 3 < contrast([186, 33, 33], [255, 255, 255])
