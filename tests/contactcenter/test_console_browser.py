"""The operator console in real headless Chromium against a running server, a real Asterisk and
real SIP phones (baresip): log in, work a queued call end to end, register the inquiry."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from asterisk_conf import naming
from asterisk_conf.runtime import find_asterisk
from tests.harness.asterisk_harness import free_port, prepare
from tests.harness.baresip_harness import Baresip, find_baresip
from tests.harness.engine_harness import node_for
from tests.harness.server_harness import LiveServer

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser, pytest.mark.asterisk, pytest.mark.baresip,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="Chromium finnes ikke (apt install chromium)."),
    pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README)."),
    pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)."),
    pytest.mark.django_db,
]
PASSWORD = "demo-passord-2026"


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from channels.layers import channel_layers
    from django.conf import settings

    old_layers = settings.CHANNEL_LAYERS
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    base = Path(tempfile.mkdtemp(prefix="cp-browser-"))
    with django_db_blocker.unblock():
        ast = prepare(base)
        ast.start()
        p = ast.profile
        node = node_for(p, queue_log=False)
        server = LiveServer([node], free_port()).start()
        for _ in range(100):
            if server.call(lambda: server.engine.runtimes["test"].resynced_at):
                break
            time.sleep(0.1)
        yield ast, server
        server.stop()
        ast.stop()
    shutil.rmtree(base, ignore_errors=True)
    settings.CHANNEL_LAYERS = old_layers
    channel_layers.backends.clear()


@pytest.fixture
def browser(monkeypatch):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; our ORM calls here are still plain sync code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync", "--disable-quic"])
        yield b
        b.close()


def _phone(slug: str, ext: str) -> tuple[str, str]:
    from switchboard.models import Phone

    with schema_context(slug):
        phone = Phone.objects.filter(extension__number=ext, is_active=True).order_by("id").first()
        return naming.endpoint_name(slug, phone.pk), phone.sip_password


def _ua(ast, tmp: Path, slug: str, ext: str, rtp: int) -> Baresip:  # type: ignore[no-untyped-def]
    user, password = _phone(slug, ext)
    ua = Baresip(tmp / f"{slug}{ext}", username=user, password=password, sip_port=ast.profile.sip_port, rtp_base=rtp)
    for _ in range(50):
        if f"{user}/sip:" in ast.cli("pjsip show contacts"):
            return ua
        time.sleep(0.1)
    raise AssertionError(f"{user} registrerte seg ikke")


def _login(page, port: int, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"http://fhi.localhost:{port}/console/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#conn[data-state=up]", timeout=10000)


def _wait(predicate, timeout: float = 10):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("tidsavbrudd")


def test_operator_works_a_queued_call_end_to_end(stack, browser, tmp_path, artifacts_dir):
    from contactcenter.models import Agent

    ast, server = stack
    with schema_context("fhi"):
        agent_id = Agent.objects.get(user__username="ingrid").pk
    agent_phone = _ua(ast, tmp_path, "fhi", "1001", 37000)
    caller = _ua(ast, tmp_path, "fhi", "1005", 37040)
    page = browser.new_page(viewport={"width": 1400, "height": 950})
    try:
        _log_in_pause_and_resume(page, server, agent_id, artifacts_dir)
        _caller_waits_then_agent_answers(page, server, caller, agent_phone, artifacts_dir)
        _hang_up_and_register_the_inquiry(page, server, agent_id, artifacts_dir)
    finally:
        page.close()
        agent_phone.stop()
        caller.stop()


def _log_in_pause_and_resume(page, server, agent_id: int, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    _login(page, server.port, "ingrid")
    page.screenshot(path=str(artifacts_dir / "01-konsoll.png"))
    assert page.locator(".queue[data-queue='t-fhi-q1'] h3").inner_text().startswith("Sentralbord")

    page.click("#btn-login")
    page.wait_for_selector("#my-state[data-state=idle]", timeout=5000)
    assert server.snapshot("fhi")["agents"][str(agent_id)]["state"] == "idle"

    page.select_option("#pause-reason", "lunsj")
    page.click("#btn-pause")
    page.wait_for_selector("#my-state[data-state=paused]", timeout=5000)
    assert "(Lunsj)" in page.inner_text("#my-state")
    engine_view = server.snapshot("fhi")["agents"][str(agent_id)]
    assert engine_view["state"] == "paused" and engine_view["paused_reason"] == "lunsj"
    page.screenshot(path=str(artifacts_dir / "02-pause.png"))
    page.click("#btn-unpause")
    page.wait_for_selector("#my-state[data-state=idle]", timeout=5000)


def _caller_waits_then_agent_answers(page, server, caller, agent_phone, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    # A real caller enters the queue; the console shows it within a second of the engine knowing.
    caller.command("dial", "7000")
    _wait(lambda: server.snapshot("fhi")["queues"].get("t-fhi-q1", {}).get("callers"))
    seen_by_engine = time.monotonic()
    page.wait_for_selector(".queue[data-queue='t-fhi-q1'] tr.caller", timeout=1000)
    assert time.monotonic() - seen_by_engine < 1.0
    assert "1005" in page.inner_text(".queue[data-queue='t-fhi-q1'] tr.caller")
    page.screenshot(path=str(artifacts_dir / "03-venter.png"))

    # The agent's phone rings; the operator answers on the phone.
    assert agent_phone.wait_event({"CALL_INCOMING"}, timeout=20) is not None
    agent_phone.command("accept")
    page.wait_for_selector("#current-call:not([hidden])", timeout=5000)
    page.wait_for_function("document.querySelector('#call-person').textContent.includes('Sigrid Berg')",
                           timeout=5000)
    assert "1005" in page.inner_text("#call-number")
    page.fill("#dir-search", "Lie")
    page.wait_for_selector("#dir-results li button", timeout=5000)
    assert "Jonas Lie" in page.inner_text("#dir-results")
    page.screenshot(path=str(artifacts_dir / "04-samtale.png"))


def _hang_up_and_register_the_inquiry(page, server, agent_id: int, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    from contactcenter.models import Inquiry, InquiryCategory

    page.click("#btn-hangup")
    page.wait_for_selector("#wrapup:not([hidden])", timeout=5000)
    _wait(lambda: not server.snapshot("fhi")["calls"])
    with schema_context("fhi"):
        status = InquiryCategory.objects.get(queue_id=1, code="status")
    page.select_option("#wrapup-queue", "1")
    page.select_option("#wrapup-category", str(status.pk))
    page.fill("#wrapup-note", "Spurte om status i saken.")
    page.screenshot(path=str(artifacts_dir / "05-henvendelse.png"))
    page.click("#wrapup button[type=submit]")
    page.wait_for_function("document.querySelector('#wrapup-msg').textContent.includes('lagret')", timeout=5000)
    with schema_context("fhi"):
        inquiry = Inquiry.objects.order_by("-created_at").first()
        assert inquiry.category_id == status.pk and inquiry.agent_id == agent_id
        assert inquiry.note == "Spurte om status i saken."
        assert inquiry.visit is not None and inquiry.visit.outcome == "answered"


def test_console_says_when_the_connection_is_lost_and_recovers(stack, browser, artifacts_dir):
    ast, server = stack
    page = browser.new_page()
    try:
        _login(page, server.port, "jonas")
        # Drop every WebSocket from the server side by restarting the web server on the same port.
        node = server.runner.nodes[0]
        port = server.port
        server.stop()
        page.wait_for_selector("#conn[data-state=down]", timeout=3000)
        page.screenshot(path=str(artifacts_dir / "06-frakoblet.png"))
        new = LiveServer([node], port).start()
        try:
            page.wait_for_selector("#conn[data-state=up]", timeout=10000)
            assert "Tilkoblet" in page.inner_text("#conn")
        finally:
            stack_server_swap(stack, new)
    finally:
        page.close()


def stack_server_swap(stack, new):  # type: ignore[no-untyped-def]
    """Keep the module fixture's teardown pointed at the running server."""
    ast, old = stack
    old.server = new.server
    old.thread = new.thread
    old.runner = new.runner


def test_agency_session_does_not_open_another_agencys_console(stack, browser):
    _ast, server = stack
    page = browser.new_page()
    try:
        _login(page, server.port, "ingrid")
        page.goto(f"http://nkh.localhost:{server.port}/console/")
        assert "/login/" in page.url
    finally:
        page.close()


def test_wallboard_shows_todays_figures_from_the_call_history(stack, browser, artifacts_dir):
    from contactcenter.models import QueueVisit

    _ast, server = stack
    with schema_context("fhi"):
        answered_today = QueueVisit.objects.filter(queue_id=1, outcome="answered").count()
    assert answered_today >= 1, "kjør etter samtaletesten i samme modul"
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    try:
        _login(page, server.port, "jonas")
        page.goto(f"http://fhi.localhost:{server.port}/wallboard/")
        row = "#wall-queues tr[data-id='1']"
        page.wait_for_function(f"document.querySelector(\"{row} [data-f=calls]\").textContent !== '–'", timeout=5000)
        assert int(page.inner_text(f"{row} [data-f=calls]")) >= answered_today
        assert page.inner_text(f"{row} [data-f=sl]").endswith("%")
        assert page.inner_text("#t-sl").endswith("%")
        page.screenshot(path=str(artifacts_dir / "07-tavle.png"))
    finally:
        page.close()


def _engine_status(server) -> dict:  # type: ignore[no-untyped-def]
    return server.call(lambda: server.engine.link_status())


def test_banner_follows_asterisk_hanging_and_recovering(stack, browser, artifacts_dir):
    """Asterisk hangs (SIGSTOP) then resumes (SIGCONT): a console left open turns red within 2 s of the engine
    noticing and marks its lists as possibly stale; a console loaded during the hang starts red; both clear
    within 2 s of the engine's recovery, and the lists are fresh again after the resync snapshot."""
    import signal

    ast, server = stack
    open_page = browser.new_page(viewport={"width": 1400, "height": 900})
    late_page = browser.new_page(viewport={"width": 1400, "height": 900})
    wall = browser.new_page(viewport={"width": 1400, "height": 900})
    stopped = False
    try:
        _login(open_page, server.port, "jonas")
        assert "Tilkoblet" == open_page.inner_text("#conn")
        _login(wall, server.port, "jonas")
        wall.goto(f"http://fhi.localhost:{server.port}/wallboard/")
        wall.wait_for_selector("#conn[data-state=up]", timeout=10000)
        os.kill(ast.process.pid, signal.SIGSTOP)
        stopped = True
        _wait(lambda: _engine_status(server)["state"] == "degraded", timeout=15)
        open_page.wait_for_selector("#conn[data-state=degraded]", timeout=2000)
        assert "mangler kontakt med Asterisk" in open_page.inner_text("#conn")
        assert open_page.get_attribute("body", "data-stale") == "1" and open_page.is_visible("#stale-note")
        wall.wait_for_selector("#conn[data-state=degraded]", timeout=2000)
        assert wall.get_attribute("body", "data-stale") == "1"
        open_page.screenshot(path=str(artifacts_dir / "08-asterisk-henger.png"))

        late_page.goto(f"http://fhi.localhost:{server.port}/console/")
        late_page.fill("input[name=username]", "ingrid")
        late_page.fill("input[name=password]", PASSWORD)
        late_page.click("button[type=submit]")
        late_page.wait_for_selector("#conn[data-state=degraded]", timeout=5000)
        assert "mangler kontakt med Asterisk" in late_page.inner_text("#conn")
        late_page.screenshot(path=str(artifacts_dir / "09-lastet-under-stopp.png"))

        os.kill(ast.process.pid, signal.SIGCONT)
        stopped = False
        _wait(lambda: _engine_status(server)["state"] == "connected", timeout=20)
        for page in (open_page, late_page, wall):
            page.wait_for_selector("#conn[data-state=up]", timeout=2000)
            assert page.inner_text("#conn") == "Tilkoblet"
            page.wait_for_function("!document.body.dataset.stale", timeout=5000)
        assert not open_page.is_visible("#stale-note")
        late_page.screenshot(path=str(artifacts_dir / "10-kontakt-igjen.png"))
    finally:
        if stopped:
            os.kill(ast.process.pid, signal.SIGCONT)
        wall.close()
        open_page.close()
        late_page.close()
