"""Preview mode in real headless Chromium against the platform with the real engine and a real Asterisk: the agent
sees the contact claimed for her (number, the import's columns, attempts), skips one, rings the next: the engine's
dialer (``dialer_preview_dial``) rings her real phone (baresip) first and, when she answers, the contact (a baresip
phone reached by its public number); then she sets the category of that call; the supervisor's live view shows the
queue's agents with their state from the engine, the calls now and the category.

Nothing in the browser is mocked."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest

from tests.contactcenter.test_callback_browser import _committed
from tests.contactcenter.test_console_browser import _login, _ua, _wait, browser, pytestmark, stack  # noqa: F401
from tests.engine.test_engine_live import _public_number

NAME = "Oppfølging av prøvesvar (forhåndsvisning)"
RTP = int(os.environ.get("TEST_RTP_START", "26000")) + 600
CONTACT_EXT = "1004"  # the contact the agent reaches: this extension's phone, dialled by its public number


def _list(contact: str) -> bytes:
    return f"nummer;navn;prøve\n91234501;Åse Ødegård;A-17\n{contact};Per Ås;B-18\n91234503;Liv Ørn;C-19\n".encode()


def _make() -> None:
    from django_tenants.utils import schema_context

    from contactcenter.models import Queue
    from outbound import services
    from outbound.models import Campaign

    with schema_context("fhi"):
        campaign = Campaign.objects.create(name=NAME, mode="preview", queue=Queue.objects.get(pk=1),
                                           weekdays="1234567", window_start=dt.time(0, 0),
                                           window_end=dt.time(23, 59, 59), skip_holidays=False)
        contact = _public_number("fhi", CONTACT_EXT)
        services.campaign_contacts_import(campaign_id=campaign.pk, name="l.csv", data=_list(contact), dry_run=False)
        services.campaign_status_change(campaign_id=campaign.pk, action="start")


def _clean() -> None:
    from django_tenants.utils import schema_context

    from outbound.models import Campaign

    with schema_context("fhi"):
        Campaign.objects.filter(name=NAME).delete()


@pytest.fixture
def preview_campaign(stack, django_db_blocker):  # type: ignore[no-untyped-def]  # noqa: F811
    """The campaign, committed (the real engine's dialer dials it)."""
    with django_db_blocker.unblock():
        _committed(_clean)
        _committed(_make)
        yield
        _committed(_clean)


def _db(fn):  # type: ignore[no-untyped-def]
    out: list = []
    _committed(lambda: out.append(fn()))
    return out[0]


def _attempt_of(number: str) -> tuple[int, str]:
    from django_tenants.utils import schema_context

    from outbound.models import CallAttempt

    with schema_context("fhi"):
        a = CallAttempt.objects.filter(contact__number=number, campaign__name=NAME).order_by("-id").first()
        return a.pk, a.state


def _category(code: str) -> tuple[int, str]:
    from django_tenants.utils import schema_context

    from contactcenter.models import InquiryCategory

    with schema_context("fhi"):
        c = InquiryCategory.objects.get(queue_id=1, code=code)
        return c.pk, c.name


def test_agent_previews_skips_rings_and_disposes_and_the_supervisor_sees_it_live(
        stack, browser, preview_campaign, tmp_path, artifacts_dir):  # noqa: F811
    ast, server = stack
    phone = _ua(ast, tmp_path, "fhi", "1001", RTP)  # Ingrid's phone: rings first when she presses «Ring»
    contact_phone = _ua(ast, tmp_path, "fhi", CONTACT_EXT, RTP + 40)
    contact = _public_number("fhi", CONTACT_EXT)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        _login(page, server.port, "ingrid")
        page.wait_for_selector("#campaign-panel:not([hidden]) #cp-contact:not([hidden])", timeout=10000)
        assert page.inner_text("#cp-number") == "+4791234501"
        assert page.inner_text("#cp-data").split() == ["navn", "Åse", "Ødegård", "prøve", "A-17"]
        assert page.inner_text("#cp-attempts") == "1 av 3"
        assert NAME in page.inner_text("#cp-h")
        page.screenshot(path=str(artifacts_dir / "kampanje-forhandsvisning.png"), full_page=True)

        page.click("#cp-skip")
        page.wait_for_function(f"document.getElementById('cp-number').textContent === '{contact}'", timeout=5000)
        assert page.inner_text("#cp-msg") == "Hoppet over."
        page.click("#cp-dial")
        page.wait_for_function("document.getElementById('cp-state').textContent === 'ringer'", timeout=10000)
        assert page.inner_text("#cp-msg") == f"Ringer {contact} …"
        assert page.is_disabled("#cp-dial") and page.is_disabled("#cp-skip")
        page.screenshot(path=str(artifacts_dir / "kampanje-ringer.png"), full_page=True)
        attempt_id = _agent_then_contact(phone, contact_phone, contact)
        # After the refresh she sets (and then changes) the call's category.
        page.click("#btn-login")
        page.wait_for_selector("#my-state[data-state=idle]", timeout=10000)
        page.reload()
        page.wait_for_selector("#cp-last:not([hidden])", timeout=10000)
        assert page.inner_text("#cp-last-number") == contact
        assert page.inner_text("#cp-number") == "+4791234503"  # the untried one before the skipped one
        assert _db(lambda: _contact("+4791234501")) == ("pending", 0)  # skipped: back on the list, unspent
        new_name = _dispose(page, attempt_id, artifacts_dir)

        supervisor = browser.new_page(viewport={"width": 1200, "height": 1100})
        try:
            _live_view(supervisor, server.port, new_name, artifacts_dir)
        finally:
            supervisor.close()
    finally:
        page.close()
        phone.stop()
        contact_phone.stop()


def _agent_then_contact(phone, contact_phone, contact: str) -> int:  # type: ignore[no-untyped-def]
    """The engine rings her phone first; she answers, and only then the contact's phone rings; it answers, talks,
    hangs up: the attempt ends connected with her name. Returns the attempt's id."""
    assert phone.wait_event({"CALL_INCOMING"}, timeout=15) is not None
    attempt_id, state = _db(lambda: _attempt_of(contact))
    assert state == "dialling"
    assert contact_phone.wait_event({"CALL_INCOMING"}, timeout=2) is None  # not before she has answered
    phone.command("accept")
    assert contact_phone.wait_event({"CALL_INCOMING"}, timeout=15) is not None
    contact_phone.command("accept")
    assert contact_phone.wait_event({"CALL_ESTABLISHED"}, timeout=15) is not None
    time.sleep(1)
    contact_phone.command("hangup")
    _wait(lambda: _db(lambda: _outcome(attempt_id)) == ("connected", "Ingrid Bakke"), timeout=20)
    return attempt_id


def _dispose(page, attempt_id: int, artifacts_dir) -> str:  # type: ignore[no-untyped-def]
    """She must choose a category, saves one, then changes it; the last one is the attempt's. Returns its name."""
    status_id, _status = _db(lambda: _category("status"))
    new_id, new_name = _db(lambda: _category("ny-sak"))
    page.click("#cp-dispose")
    assert page.inner_text("#cp-last-msg") == "Velg en kategori."
    page.select_option("#cp-category", str(status_id))
    page.click("#cp-dispose")
    page.wait_for_function("document.getElementById('cp-last-msg').textContent === 'Kategorien er lagret.'")
    page.select_option("#cp-category", str(new_id))
    page.click("#cp-dispose")
    _wait(lambda: _db(lambda: _disposition(attempt_id)) == new_id)
    page.screenshot(path=str(artifacts_dir / "kampanje-kategori.png"), full_page=True)
    return new_name


def _outcome(attempt_id: int) -> tuple[str, str]:
    from django_tenants.utils import schema_context

    from outbound.models import CallAttempt

    with schema_context("fhi"):
        a = CallAttempt.objects.get(pk=attempt_id)
        return a.outcome, a.agent


def _disposition(attempt_id: int) -> int | None:
    from django_tenants.utils import schema_context

    from outbound.models import CallAttempt

    with schema_context("fhi"):
        return CallAttempt.objects.get(pk=attempt_id).disposition_id


def _live_view(page, port: int, category: str, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    campaign_id = _db(lambda: _campaign_id())
    _login_supervisor(page, port)
    page.goto(f"http://fhi.localhost:{port}/kampanjer/{campaign_id}/")
    page.wait_for_selector("#c-agents tr[data-agent]", timeout=10000)
    rows = {r.split("\t")[0]: r.split("\t")[1:] for r in page.inner_text("#c-agents").splitlines()}
    assert rows == {"Ingrid Bakke": ["ledig", "1"], "Ola Nordmann": ["logget ut", "0"]}, rows
    calls = page.inner_text("#c-calls")
    assert "+4791234503" in calls and "reservert" in calls and "Ingrid Bakke" in calls
    assert category in page.inner_text("#c-recent")
    assert page.is_hidden("#c-engine")
    page.screenshot(path=str(artifacts_dir / "kampanje-live-agenter.png"), full_page=True)


def _contact(number: str) -> tuple[str, int]:
    from django_tenants.utils import schema_context

    from outbound.models import CampaignContact

    with schema_context("fhi"):
        c = CampaignContact.objects.get(campaign__name=NAME, number=number)
        return c.state, c.attempts


def _campaign_id() -> int:
    from django_tenants.utils import schema_context

    from outbound.models import Campaign

    with schema_context("fhi"):
        return Campaign.objects.get(name=NAME).pk


def _login_supervisor(page, port: int) -> None:  # type: ignore[no-untyped-def]
    from tests.contactcenter.test_console_browser import PASSWORD

    page.goto(f"http://fhi.localhost:{port}/login/")
    page.fill("input[name=username]", "jonas")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
