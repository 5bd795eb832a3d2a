"""The browser softphone in real Chromium (fake microphone) against a real Asterisk: it registers over
Asterisk's WebSocket transport with the user's own credentials, calls a real SIP phone (baresip) and audio
flows both ways over DTLS-SRTP (WebRTC getStats in the page, Asterisk's RTP statistics on the phone's leg);
hold and resume; an incoming call from the phone is answered in the browser and transferred (REFER) to a third
phone."""

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
from tests.harness.asterisk_harness import prepare
from tests.harness.baresip_harness import Baresip, find_baresip
from tests.harness.http_app import serve_app

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
JSSIP = Path(__file__).resolve().parents[2] / "switchboard" / "static" / "switchboard" / "vendor" / "jssip.min.js"
PASSWORD = "myk-telefon-passord-2026"
RTP = int(os.environ.get("TEST_RTP_START", "26000"))
pytestmark = [
    pytest.mark.browser, pytest.mark.asterisk, pytest.mark.baresip,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="Chromium finnes ikke (apt install chromium)."),
    pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README)."),
    pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)."),
    pytest.mark.skipif(not JSSIP.exists(), reason="JsSIP er ikke bygd: kjør npm ci && npm run build (./dev gjør det)."),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def softphone_user():  # type: ignore[no-untyped-def]
    """A softphone on an FHI extension whose person logs in as 'myk-bruker'; the callee is another extension's phone."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from switchboard import services
    from switchboard.models import Extension, Person, Phone

    with schema_context("fhi"):
        ext = Extension.objects.filter(person__isnull=False).order_by("number").first()
        soft = services.phone_create(extension=ext, tier="standard", label="Nettleser")
        Phone.objects.filter(pk=soft.pk).update(is_softphone=True)
        user = get_user_model().objects.create_user("myk-bruker", password=PASSWORD)
        Person.objects.filter(pk=ext.person_id).update(user=user)
        other = Phone.objects.exclude(extension=ext).filter(is_active=True, is_softphone=False).order_by("id").first()
        callee = (other.pk, other.sip_password, other.extension.number)
        third = (Phone.objects.exclude(extension__in=[ext, other.extension]).filter(is_active=True, is_softphone=False)
                 .order_by("id").first())
        target = (third.pk, third.sip_password, third.extension.number)
    yield {"ext": ext.number, "callee": callee, "target": target}
    connection.set_schema_to_public()
    with schema_context("fhi"):
        Phone.objects.filter(pk=soft.pk).delete()
        Person.objects.filter(pk=ext.person_id).update(user=None)
        get_user_model().objects.filter(username="myk-bruker").delete()


@pytest.fixture
def asterisk(softphone_user, settings):  # type: ignore[no-untyped-def]
    base = Path(tempfile.mkdtemp(prefix="pbx-soft-ast-"))
    ast = prepare(base)
    ast.start()
    settings.SOFTPHONE_WS_URL = f"ws://127.0.0.1:{ast.profile.http_port}/ws"
    yield ast
    ast.stop()
    shutil.rmtree(base, ignore_errors=True)


def _rtp(page, *, at_least: int = 50) -> dict:  # type: ignore[no-untyped-def]
    counts = None
    for _ in range(100):
        counts = page.evaluate("() => window.softphone.rtpCounts()")
        if counts and counts["sent"] >= at_least and counts["received"] >= at_least:
            break
        time.sleep(0.2)
    return counts or {}


def _channel_stats(asterisk, endpoint: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(received, transmitted) RTP packets on the channel of ``endpoint``, from Asterisk's own statistics."""
    out = asterisk.cli("pjsip show channelstats")
    for line in out.splitlines():
        cols = line.split()  # BridgeId ChannelId UpTime Codec RxCount RxLost RxPct RxJitter TxCount ...
        if len(cols) >= 9 and cols[1].startswith(f"{endpoint}-"):
            return int(cols[4]), int(cols[8])
    raise AssertionError(f"ingen kanal for {endpoint}:\n{out}")


def _wait_bridged(asterisk, one: str, two: str) -> None:  # type: ignore[no-untyped-def]
    """The two endpoints' channels are in one bridge (Asterisk's own view after the transfer)."""
    out = ""
    for _ in range(50):
        out = asterisk.cli("core show channels concise")
        bridges = {}
        for line in out.splitlines():
            cols = line.split("!")
            if len(cols) > 12 and cols[12]:
                bridges.setdefault(cols[12], []).append(cols[0])
        if any(any(c.startswith(f"PJSIP/{one}-") for c in chans) and any(c.startswith(f"PJSIP/{two}-") for c in chans)
               for chans in bridges.values()):
            return
        time.sleep(0.2)
    raise AssertionError(f"{one} og {two} ble ikke koblet sammen:\n{out}")


def test_softphone_calls_phone_holds_and_answers_with_audio_both_ways(asterisk, softphone_user, artifacts_dir,
                                                                       tmp_path, monkeypatch):
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    callee_pk, callee_pw, callee_ext = softphone_user["callee"]
    callee_user = naming.endpoint_name("fhi", callee_pk)
    phone = Baresip(tmp_path / "phone", username=callee_user, password=callee_pw, sip_port=asterisk.profile.sip_port,
                    rtp_base=RTP + 700, answermode="auto")
    target_pk, target_pw, target_ext = softphone_user["target"]
    target_user = naming.endpoint_name("fhi", target_pk)
    target = Baresip(tmp_path / "target", username=target_user, password=target_pw,
                     sip_port=asterisk.profile.sip_port, rtp_base=RTP + 740, answermode="auto")
    with serve_app() as port, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            "--disable-features=WebRtcHideLocalIpsWithMdns", "--autoplay-policy=no-user-gesture-required"])
        try:
            page = browser.new_page()
            page.goto(f"http://fhi.localhost:{port}/login/?next=/softphone/")
            page.fill("input[name=username]", "myk-bruker")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("#sp-status[data-state=registered]", timeout=20000)
            # Call the phone: it answers; RTP both ways, encrypted to the browser.
            page.fill("#sp-number", callee_ext)
            page.click("#sp-call")
            page.wait_for_selector("#sp-status[data-state=in-call]", timeout=20000)
            counts = _rtp(page)
            assert counts["sent"] >= 50 and counts["received"] >= 50 and counts["srtp"], counts
            received, sent = _channel_stats(asterisk, callee_user)
            assert received > 0 and sent > 0, asterisk.cli("pjsip show channelstats")
            page.screenshot(path=str(artifacts_dir / "myk-telefon-samtale.png"), full_page=True)
            page.click("#sp-hold")
            page.wait_for_selector("#sp-status[data-state=held]", timeout=10000)
            page.click("#sp-hold")
            page.wait_for_selector("#sp-status[data-state=in-call]", timeout=10000)
            page.click("#sp-hangup")
            page.wait_for_selector("#sp-status[data-state=registered]", timeout=10000)
            # The phone calls the softphone's extension: the browser rings and answers.
            phone.command("dial", softphone_user["ext"])
            page.wait_for_selector("#sp-status[data-state=ringing]", timeout=20000)
            page.click("#sp-answer")
            page.wait_for_selector("#sp-status[data-state=in-call]", timeout=20000)
            counts = _rtp(page, at_least=20)
            assert counts["sent"] >= 20 and counts["received"] >= 20, counts
            page.screenshot(path=str(artifacts_dir / "myk-telefon-besvart.png"), full_page=True)
            # Blind transfer (REFER) of the phone's call to a third extension: it rings there and is answered,
            # and the softphone is free again.
            page.fill("#sp-number", target_ext)
            page.click("#sp-transfer")
            assert target.wait_event({"CALL_ESTABLISHED"}, timeout=20) is not None, target.events
            page.wait_for_selector("#sp-status[data-state=registered]", timeout=20000)
            _wait_bridged(asterisk, callee_user, target_user)
        finally:
            browser.close()
            phone.stop()
            target.stop()
