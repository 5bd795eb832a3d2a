"""The attendant console in real headless Chromium against the real server, a real Asterisk and real SIP phones
(baresip), with a real SMTP server (aiosmtpd): a call to fhi's switchboard number shows on both fhi operators'
screens with the caller looked up, never on nkh's operator's; the operator works it with the keyboard only (select,
answer, search the directory, transfer; the transfer nobody answers comes back marked), and takes a message that
arrives by e-mail."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path

import pytest

from asterisk_conf.runtime import find_asterisk
from tests.harness.asterisk_harness import free_port, prepare
from tests.harness.baresip_harness import find_baresip
from tests.harness.engine_harness import node_for
from tests.harness.server_harness import LiveServer
from tests.switchboard.test_attendant_live import RTP, _auto, _ua

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser, pytest.mark.asterisk, pytest.mark.baresip, pytest.mark.smtp,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="Chromium finnes ikke (apt install chromium)."),
    pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README)."),
    pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)."),
    pytest.mark.django_db,
]
PASSWORD = "demo-passord-2026"


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=email_policy)))
        return "250 OK"


@pytest.fixture
def smtp(settings):  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    yield inbox
    controller.stop()


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from channels.layers import channel_layers
    from django.conf import settings

    old_layers = settings.CHANNEL_LAYERS
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    base = Path(tempfile.mkdtemp(prefix="cp-attendant-browser-"))
    with django_db_blocker.unblock():
        ast = prepare(base)
        ast.start()
        p = ast.profile
        node = node_for(p, queue_log=False)
        server = LiveServer([node], free_port()).start()
        for _ in range(150):
            if server.call(lambda: server.engine.runtimes["test"].stasis.picked_up_at):
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

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync", "--disable-quic"])
        yield b
        b.close()


def _login(browser, port: int, slug: str, username: str):  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"http://{slug}.localhost:{port}/sentralbord/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#conn[data-state=up]", timeout=10000)
    return page


def test_operators_work_a_switchboard_call_with_the_keyboard(stack, browser, smtp, tmp_path, artifacts_dir):
    ast, server = stack
    operator_phone = _auto(ast, tmp_path, "fhi", "1001", RTP + 200)
    caller = _ua(ast, tmp_path, "fhi", "1005", RTP + 240)
    ingrid, ola = _login(browser, server.port, "fhi", "ingrid"), _login(browser, server.port, "fhi", "ola")
    astrid = _login(browser, server.port, "nkh", "astrid")
    try:
        caller.command("dial", "21077090")
        for page in (ingrid, ola):  # every fhi operator sees it, with the caller looked up in the directory
            page.wait_for_selector("tr.sb-call", timeout=10000)
            page.wait_for_function("document.querySelector('tr.sb-call').textContent.includes('Sigrid Berg')",
                                   timeout=5000)
        assert "+4721077014" in ingrid.inner_text("tr.sb-call")
        time.sleep(0.5)
        assert astrid.locator("tr.sb-call").count() == 0  # nkh's operator never sees fhi's call
        ingrid.screenshot(path=str(artifacts_dir / "sentralbord-01-venter.png"))

        ingrid.keyboard.press("n")  # the next waiting call
        ingrid.keyboard.press("Enter")  # answer: the operator's phone rings and answers (auto)
        for page in (ingrid, ola):
            page.wait_for_function("document.querySelector('tr.sb-call').textContent.includes('I samtale')",
                                   timeout=15000)
        assert "annen operatør" in ola.inner_text("tr.sb-call")
        _transfer_comes_back(ingrid, artifacts_dir)
        _message_by_email(ingrid, smtp, artifacts_dir)
    finally:
        for page in (ingrid, ola, astrid):
            page.close()
        for ua in (caller, operator_phone):
            ua.command("hangup")
            ua.stop()


def _transfer_comes_back(page, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    page.keyboard.press("/")
    page.keyboard.type("Lie")
    page.wait_for_function("document.querySelector('#sb-results').textContent.includes('Jonas Lie')", timeout=5000)
    assert "Avdelingsdirektør" in page.inner_text("#sb-results")
    page.wait_for_selector("#sb-results .pres-offline, #sb-results .pres-available", timeout=5000)
    page.keyboard.press("Escape")  # leave the search field
    page.screenshot(path=str(artifacts_dir / "sentralbord-02-samtale-og-katalog.png"))
    page.keyboard.press("b")  # blind transfer to Jonas Lie (1008: no phone registered, nobody answers)
    page.wait_for_selector("tr.sb-call.returned", timeout=30000)
    assert "Tilbake fra 1008" in page.inner_text("tr.sb-call")
    page.screenshot(path=str(artifacts_dir / "sentralbord-03-tilbake.png"))


def _message_by_email(page, smtp: Inbox, artifacts_dir) -> None:  # type: ignore[no-untyped-def]
    page.keyboard.press("m")
    page.wait_for_selector("#message-form:not([hidden])", timeout=5000)
    page.fill("#msg-text", "Ring tilbake om vaksinerådet, gjerne før kl. 14. Takk!")
    page.keyboard.press("Control+Enter")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not smtp.messages:
        time.sleep(0.1)
    assert smtp.messages, "ingen e-post kom fram"
    rcpt, message = smtp.messages[0]
    assert rcpt == ["jonas.lie@fhi.example"]
    body = message.get_body().get_content()
    assert "Ring tilbake om vaksinerådet, gjerne før kl. 14. Takk!" in body and "Sigrid Berg" in body
    page.screenshot(path=str(artifacts_dir / "sentralbord-04-beskjed.png"))
