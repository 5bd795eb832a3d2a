"""The callback list in real Chromium: the console (place, number, time waited, queue, state, attempts) and the
wallboard (callbacks waiting, oldest wait); fhi's callbacks never shown at nkh. The live push after a write is
proven over the WebSocket in test_callback_console.py."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.utils import timezone

from tests.contactcenter.test_console_browser import PASSWORD, _login, browser, pytestmark, stack  # noqa: F401


def _committed(fn) -> None:  # type: ignore[no-untyped-def]
    """Run ``fn`` on a thread of its own (its own connection, autocommit), so the live server sees its rows."""
    from django.db import connection

    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if errors:
        raise errors[0]


def _make() -> None:
    from django_tenants.utils import schema_context

    from contactcenter.models import CallbackPolicy
    from contactcenter.services import callback_request_create

    with schema_context("fhi"):
        CallbackPolicy.objects.update_or_create(queue_id=1, defaults={"enabled": True})
        for minutes, number in ((4, "22222222"), (9, "41234567")):
            callback_request_create(queue_id=1, number=number, joined_at=timezone.now() - dt.timedelta(minutes=minutes))


def _clean() -> None:
    from django_tenants.utils import schema_context

    from contactcenter.models import CallbackPolicy, CallbackRequest

    with schema_context("fhi"):
        CallbackRequest.objects.all().delete()
        CallbackPolicy.objects.all().delete()


@pytest.fixture
def two_callbacks(django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        _committed(_clean)
        _committed(_make)
        yield
        _committed(_clean)


def test_console_and_wallboard_show_pending_callbacks_in_place_order(stack, browser, two_callbacks,  # noqa: F811
                                                                      artifacts_dir):
    _ast, server = stack
    page = browser.new_page(viewport={"width": 1600, "height": 1200})
    try:
        _login(page, server.port, "jonas")  # supervisor at FHI
        page.wait_for_selector("#callbacks tr[data-callback]", timeout=10000)
        rows = [[td.inner_text() for td in tr.query_selector_all("td")]
                for tr in page.query_selector_all("#callbacks tr[data-callback]")]
        assert [(r[0], r[1], r[3], r[5]) for r in rows] == [("1", "+4741234567", "Sentralbord", "0"),
                                                          ("2", "+4722222222", "Sentralbord", "0")]
        assert "9 min" in rows[0][2] and "4 min" in rows[1][2]
        assert page.inner_text("#callbacks-count") == "2"
        page.locator("#callbacks-h").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts_dir / "tilbakeringing-konsoll.png"), full_page=True)

        page.goto(f"http://fhi.localhost:{server.port}/wallboard/")
        page.wait_for_function("document.getElementById('t-callbacks').textContent === '2'", timeout=10000)
        oldest = int(page.inner_text("#t-callback-oldest").split()[0])
        assert 9 * 60 <= oldest < 11 * 60
        page.screenshot(path=str(artifacts_dir / "tilbakeringing-tavle.png"))
    finally:
        page.close()


def test_fhi_callbacks_are_never_shown_at_nkh(stack, browser, two_callbacks):  # noqa: F811
    _ast, server = stack
    page = browser.new_page()
    try:
        page.goto(f"http://nkh.localhost:{server.port}/console/")
        page.fill("input[name=username]", "magnus")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#conn[data-state=up]", timeout=10000)
        page.wait_for_function("document.getElementById('callbacks-count').textContent === '0'", timeout=5000)
        assert "+4741234567" not in page.content() and "+4722222222" not in page.content()
        page.goto(f"http://nkh.localhost:{server.port}/wallboard/")
        page.wait_for_function("document.getElementById('t-callbacks').textContent === '0'", timeout=10000)
    finally:
        page.close()


def _offer_to_sigrid() -> None:
    """The engine's claim of the next attempt for Sigrid's phone (what its dispatcher does when her turn comes)."""
    from django_tenants.utils import schema_context

    from asterisk_conf import naming
    from contactcenter.models import Agent, CallbackPolicy
    from contactcenter.services import callback_claim

    with schema_context("fhi"):
        CallbackPolicy.objects.update_or_create(queue_id=3, defaults={
            "enabled": True, "weekdays_only": False, "window_opens": dt.time(0, 0), "window_closes": dt.time(23, 59, 59)})
        from contactcenter.services import callback_request_create

        request = callback_request_create(queue_id=3, number="41234567",
                                          joined_at=timezone.now() - dt.timedelta(minutes=6))
        agent = Agent.objects.get(user__username="sigrid")
        interface = naming.phone_interface("fhi", agent.extension.phones.filter(is_active=True).first().pk)
        assert callback_claim(request_id=request.pk, claimed_by=f"test|{interface}|abc") is not None


def test_agent_offered_a_callback_sees_number_queue_and_wait(stack, browser, two_callbacks, artifacts_dir):  # noqa: F811
    _ast, server = stack
    _committed(_offer_to_sigrid)
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    try:
        _login(page, server.port, "sigrid")  # agent in Vaksinetelefonen only: fhi's Sentralbord callbacks are not hers
        page.wait_for_selector("#callback-offer:not([hidden])", timeout=10000)
        assert page.inner_text("#callback-offer [data-f=number]") == "+4741234567"
        assert page.inner_text("#callback-offer [data-f=queue]") == "Vaksinetelefonen"
        assert "6 min" in page.inner_text("#callback-offer [data-f=waited]")
        rows = page.query_selector_all("#callbacks tr[data-callback]")
        assert len(rows) == 1 and rows[0].get_attribute("data-state") == "dialling"
        page.screenshot(path=str(artifacts_dir / "tilbakeringing-til-deg.png"))
    finally:
        page.close()
