"""Voicemail end to end: a real caller (baresip) leaves a message on a real Asterisk, the notice with the
recording attached reaches a real SMTP server (aiosmtpd), the callee's phone gets the message-waiting NOTIFY,
and the owner hears it on their own page in Chromium. Plus the PIN rules, greeting upload and page isolation."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from asterisk_conf import naming
from asterisk_conf.runtime import find_asterisk
from tests.harness.asterisk_harness import prepare
from tests.harness.baresip_harness import Baresip, find_baresip
from tests.harness.http_app import serve_app
from tests.harness.smtp_harness import SmtpServer

# Marked here (not only by conftest) so pytest-django runs these before the transactional test, whose flush of the
# public schema would otherwise come first.
pytestmark = pytest.mark.django_db
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = "talepost-passord-2026"
RTP = int(os.environ.get("TEST_RTP_START", "26000"))


def _mailbox(slug: str = "fhi"):  # type: ignore[no-untyped-def]
    """A mailbox whose extension has a phone that may subscribe (Standard or Avansert: the message-waiting lamp
    by SUBSCRIBE, which baresip does) and whose owner has an e-mail address."""
    from switchboard.models import Voicemail

    with schema_context(slug):
        return (Voicemail.objects.select_related("extension__person")
                .filter(extension__phones__is_active=True, extension__phones__tier__in=["standard", "advanced"])
                .exclude(email="").order_by("extension__number").first())


@pytest.mark.parametrize("pin, message", [
    ("1234", "rekke"), ("0123", "rekke"), ("5555", "samme siffer"), ("1212", "mønster"), ("12", "4–8 sifre"),
    ("12a4", "4–8 sifre"), ("", "blank"),
])
def test_weak_pin_is_refused_and_nothing_changes(pin, message):
    from switchboard import services
    from switchboard.models import Voicemail

    vm = _mailbox()
    before = vm.pin
    with schema_context("fhi"):
        with pytest.raises(ValidationError) as exc:
            services.voicemail_pin_change(voicemail=vm, pin=pin)
        assert message in " ".join(exc.value.messages)
        assert Voicemail.objects.get(pk=vm.pk).pin == before


def test_pin_equal_to_extension_is_refused_and_a_good_one_is_rendered(tmp_path, settings):
    from asterisk_conf.render import render_to_dir
    from switchboard import services

    vm = _mailbox()
    with schema_context("fhi"):
        with pytest.raises(ValidationError) as exc:
            services.voicemail_pin_change(voicemail=vm, pin=vm.extension.number)
        assert "internnummeret" in " ".join(exc.value.messages)
        services.voicemail_pin_change(voicemail=vm, pin="803517")
    render_to_dir(out_dir=tmp_path)
    conf = (tmp_path / "agencies" / "fhi" / "voicemail.conf").read_text()
    assert f"{vm.extension.number} => 803517," in conf
    top = (tmp_path / "voicemail.conf").read_text()
    assert "attach=yes" in top and "mailcmd=" in top and "voicemail_sendmail" in top


def test_greeting_upload_becomes_asterisk_wav_and_junk_is_refused(settings, tmp_path):
    import subprocess
    import wave

    from switchboard import services
    from switchboard.voicemail_files import mailbox_dir

    settings.ASTERISK_SPOOL_DIR = tmp_path
    vm = _mailbox()
    mp3 = tmp_path / "hilsen.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=600:duration=2", "-ar", "44100",
                    str(mp3)], check=True)
    with schema_context("fhi"):
        services.voicemail_greeting_upload(voicemail=vm, kind="unavail", data=mp3.read_bytes())
        path = mailbox_dir(vm.extension.number) / "unavail.wav"
        with wave.open(str(path)) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
            assert 1.5 < w.getnframes() / 8000 < 2.5
        before = path.read_bytes()
        with pytest.raises(ValidationError) as exc:
            services.voicemail_greeting_upload(voicemail=vm, kind="unavail", data=b"dette er ikke lyd")
        assert "kunne ikke leses som lyd" in exc.value.messages[0]
        assert path.read_bytes() == before  # the old greeting stays


@pytest.mark.smtp
def test_asterisk_composed_mail_goes_out_through_smtp_with_the_wav(settings):
    from switchboard import services

    raw = (b"Date: Sun, 6 Dec 2026 10:00:00 +0100\nFrom: Telefoniplattform talepost <talepost@localhost>\n"
           b"To: Kari Haugen <kari@fhi.example>\nSubject: Ny talemelding fra 1002\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=UTF-8\n\n"
           b"Hei, du har f\xc3\xa5tt en ny talemelding.\n\n--b1\nContent-Type: audio/x-wav; name=\"msg0000.wav\"\n"
           b"Content-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"msg0000.wav\"\n\n"
           b"UklGRiQAAABXQVZFZm10IA==\n\n--b1--\n")
    with SmtpServer() as smtp:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        assert services.voicemail_mail_forward(raw=raw) == 1
        (rcpt, msg), = smtp.wait_for(1)
    assert rcpt == ["kari@fhi.example"]
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "fått en ny talemelding" in body
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == "msg0000.wav" and attachment.get_content().startswith(b"RIFF")


def test_page_shows_only_the_users_own_mailbox(client, settings, tmp_path):
    from django.contrib.auth import get_user_model

    from switchboard.models import Person

    settings.ASTERISK_SPOOL_DIR = tmp_path
    vm = _mailbox()
    with schema_context("fhi"):
        nobody = get_user_model().objects.create_user("uten-talepost", password=PASSWORD)
        client.force_login(nobody)
    assert client.get("/voicemail/", HTTP_HOST="fhi.localhost").status_code == 404
    assert client.get("/voicemail/INBOX/0.wav", HTTP_HOST="fhi.localhost").status_code == 404
    with schema_context("fhi"):
        Person.objects.filter(pk=vm.extension.person_id).update(user=nobody)
    page = client.get("/voicemail/", HTTP_HOST="fhi.localhost")
    assert page.status_code == 200 and f"Talepost for {vm.extension.number}" in page.content.decode()
    # The same session at NKH's address is nobody there.
    assert client.get("/voicemail/", HTTP_HOST="nkh.localhost").status_code in (302, 404)
    assert client.get("/voicemail/..%2F..%2Fetc/0.wav", HTTP_HOST="fhi.localhost").status_code == 404


@pytest.fixture
def mailbox_owner():  # type: ignore[no-untyped-def]
    """The chosen mailbox, its extension ringing 5 s before voicemail, its person with a login; put back after."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from switchboard import services
    from switchboard.models import Extension, Person

    vm = _mailbox()
    ext = vm.extension
    old_ring = ext.ring_seconds
    with schema_context("fhi"):
        ext.ring_seconds = 5
        services.config_object_save(obj=ext)
        user = get_user_model().objects.create_user("talepost-eier", password=PASSWORD)
        Person.objects.filter(pk=ext.person_id).update(user=user)
    yield vm
    connection.set_schema_to_public()
    with schema_context("fhi"):
        Extension.objects.filter(pk=ext.pk).update(ring_seconds=old_ring)
        Person.objects.filter(pk=ext.person_id).update(user=None)
        get_user_model().objects.filter(username="talepost-eier").delete()


@pytest.fixture
def vm_asterisk(monkeypatch, settings, mailbox_owner):  # type: ignore[no-untyped-def]
    """A real SMTP server and a real Asterisk whose voicemail mailcmd sends to it."""
    base = Path(tempfile.mkdtemp(prefix="pbx-vm-ast-"))
    with SmtpServer() as smtp:
        monkeypatch.setenv("EMAIL_HOST", "127.0.0.1")  # Asterisk's mailcmd inherits these
        monkeypatch.setenv("EMAIL_PORT", str(smtp.port))
        asterisk = prepare(base)
        if os.environ.get("TEST_KEEP_ASTERISK"):  # debugging: dialplan and voicemail steps into full.log
            conf = asterisk.profile.asterisk_conf
            conf.write_text(conf.read_text().replace("[options]\n", "[options]\nverbose = 4\n"))
        asterisk.start()
        settings.ASTERISK_SPOOL_DIR = asterisk.profile.spool_dir
        try:
            yield asterisk, smtp
        finally:
            asterisk.stop()
            if not os.environ.get("TEST_KEEP_ASTERISK"):
                shutil.rmtree(base, ignore_errors=True)


@pytest.mark.asterisk
@pytest.mark.baresip
@pytest.mark.smtp
@pytest.mark.browser
@pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (ASTERISK_BIN, PATH eller /opt/asterisk)")
@pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)")
@pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="Chromium finnes ikke (apt install chromium).")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_real_call_leaves_message_mailed_lamp_lit_and_played_in_browser(mailbox_owner, vm_asterisk, tmp_path,
                                                                        artifacts_dir):
    from switchboard.models import Phone

    asterisk, smtp = vm_asterisk
    vm, ext = mailbox_owner, mailbox_owner.extension
    with schema_context("fhi"):
        callee = Phone.objects.filter(extension=ext, is_active=True, tier__in=["standard", "advanced"]).first()
        caller = Phone.objects.exclude(extension=ext).filter(is_active=True).order_by("id").first()
    port = asterisk.profile.sip_port
    callee_ua = Baresip(tmp_path / "callee", username=naming.endpoint_name("fhi", callee.pk),
                        password=callee.sip_password, sip_port=port, rtp_base=RTP + 500, extra_modules=("mwi.so",))
    _long_tone(tmp_path / "caller" / "tone.wav")  # the harness uses a tone.wav already there
    caller_ua = Baresip(tmp_path / "caller", username=naming.endpoint_name("fhi", caller.pk),
                        password=caller.sip_password, sip_port=port, rtp_base=RTP + 540)
    try:
        _wait_registered(asterisk, [callee_ua.username, caller_ua.username])
        caller_ua.command("dial", ext.number)
        assert callee_ua.wait_event({"CALL_INCOMING"}, timeout=10) is not None  # rings, nobody answers
        assert caller_ua.wait_event({"CALL_ESTABLISHED"}, timeout=20) is not None  # voicemail answers
        _wait_for_recording(asterisk.profile.spool_dir / "voicemail" / naming.voicemail_context("fhi") / ext.number)
        time.sleep(3)  # three seconds of the caller's tone on the recording
        caller_ua.command("hangup")
        (rcpt, mail), = smtp.wait_for(1, timeout=60)
        assert rcpt == [vm.email] and "Ny talemelding fra" in mail["Subject"]
        assert "Du har fått en ny talemelding" in mail.get_body(preferencelist=("plain",)).get_content()
        (wav,) = [p for p in mail.iter_attachments() if (p.get_filename() or "").endswith(".wav")]
        audio = wav.get_content()
        assert audio.startswith(b"RIFF") and len(audio) > 8000  # more than half a second of 8 kHz audio
        mwi = callee_ua.wait_event({"MWI_NOTIFY"}, timeout=20)
        assert mwi is not None and "Messages-Waiting: yes" in mwi.get("param", ""), callee_ua.events
        _browser_plays_message(artifacts_dir, ext.number)
    finally:
        callee_ua.stop()
        caller_ua.stop()


def _wait_for_recording(mailbox: Path) -> None:
    for _ in range(300):  # the greeting plays (about 12 s), then app_voicemail records into tmp/
        if any((mailbox / "tmp").glob("*.wav")):
            return
        time.sleep(0.1)
    raise AssertionError("talepost begynte aldri å ta opp")


def _long_tone(path: Path) -> None:
    """Thirty seconds of 440 Hz: the caller speaks through the greeting and well into the recording."""
    import subprocess

    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", str(path), "synth", "30", "sine", "440",
                    "vol", "0.3"], check=True)


def _wait_registered(asterisk, usernames: list[str]) -> None:  # type: ignore[no-untyped-def]
    contacts = ""
    for _ in range(50):
        contacts = asterisk.cli("pjsip show contacts")
        if all(f"{u}/sip:" in contacts for u in usernames):
            return
        time.sleep(0.2)
    raise AssertionError(f"telefonene registrerte seg ikke: {contacts}")


def _browser_plays_message(artifacts_dir: Path, number: str) -> None:
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with serve_app() as port, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                     "--autoplay-policy=no-user-gesture-required"])
        page = browser.new_page(viewport={"width": 1100, "height": 700})
        page.goto(f"http://fhi.localhost:{port}/login/?next=/voicemail/")
        page.fill("input[name=username]", "talepost-eier")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#vm-messages tbody tr")
        rows = page.locator("#vm-messages tbody tr")
        assert rows.count() == 1
        assert "Ny" in rows.first.inner_text()
        duration = page.evaluate("""() => new Promise((ok, fail) => {
            const a = document.querySelector('#vm-messages audio');
            a.addEventListener('loadedmetadata', () => ok(a.duration)); a.addEventListener('error', () => fail('feil'));
            a.load(); })""")
        assert duration > 1
        page.screenshot(path=str(artifacts_dir / "talepost-meldinger.png"), full_page=True)
        assert f"Talepost for {number}" in page.inner_text("h1")
        browser.close()


@pytest.mark.asterisk
@pytest.mark.baresip
@pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (ASTERISK_BIN, PATH eller /opt/asterisk)")
@pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_star97_records_the_greeting_after_the_pin(mailbox_owner, vm_asterisk, tmp_path):
    from switchboard.models import Phone

    asterisk, _smtp = vm_asterisk
    vm, ext = mailbox_owner, mailbox_owner.extension
    with schema_context("fhi"):
        own = Phone.objects.filter(extension=ext, is_active=True).order_by("id").first()
    _long_tone(tmp_path / "owner" / "tone.wav")
    ua = Baresip(tmp_path / "owner", username=naming.endpoint_name("fhi", own.pk), password=own.sip_password,
                 sip_port=asterisk.profile.sip_port, rtp_base=RTP + 600)
    greeting = asterisk.profile.spool_dir / "voicemail" / naming.voicemail_context("fhi") / ext.number / "unavail.wav"
    try:
        _wait_registered(asterisk, [ua.username])
        ua.command("dial", "*97")
        assert ua.wait_event({"CALL_ESTABLISHED"}, timeout=20) is not None
        time.sleep(2)  # "password" prompt
        for digit in f"{vm.pin}#":
            ua.command("sndcode", digit)
            time.sleep(0.3)
        for _ in range(200):  # the 'record your unavailable message' prompt and the beep, then Record() writes
            if greeting.exists() and greeting.stat().st_size > 8000:
                break
            time.sleep(0.1)
        time.sleep(2)
        ua.command("hangup")
    finally:
        ua.stop()
    assert greeting.exists() and greeting.stat().st_size > 16000, "hilsenen ble ikke tatt opp"
