"""A caller hears position and wait in Norwegian: real calls from baresip into a real Asterisk whose channels
have language ``no`` and whose ``sounds/no`` is the platform's generated prompt set."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from asterisk_conf import naming
from asterisk_conf.runtime import find_asterisk
from asterisk_conf.sounds.norwegian import PROMPTS
from asterisk_conf.sounds.tts import EspeakSynthesizer
from tests.harness.asterisk_harness import prepare
from tests.harness.audio_compare import best_match, envelope, samples, sequence_envelope
from tests.harness.baresip_harness import Baresip, find_baresip

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.asterisk, pytest.mark.baresip, pytest.mark.tts,
    pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README)."),
    pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)."),
    pytest.mark.skipif(not EspeakSynthesizer.available(), reason="espeak-ng og sox er ikke installert."),
]
RTP = int(os.environ.get("TEST_RTP_START", "31000")) + 500


@pytest.fixture(scope="module")
def asterisk(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    base = Path(tempfile.mkdtemp(prefix="cp-no-"))
    with django_db_blocker.unblock():
        ast = prepare(base)
        ast.start()
        ast.cli("logger add channel prompts.log verbose(3)")
        yield ast
        ast.stop()
    shutil.rmtree(base, ignore_errors=True)


def _phone(ast, tmp: Path, ext: str, rtp: int, record_dir: Path | None = None) -> Baresip:  # type: ignore[no-untyped-def]
    from switchboard.models import Phone

    with schema_context("fhi"):
        phone = Phone.objects.filter(extension__number=ext, is_active=True).order_by("id").first()
        user, password = naming.endpoint_name("fhi", phone.pk), phone.sip_password
    ua = Baresip(tmp / ext, username=user, password=password, sip_port=ast.profile.sip_port, rtp_base=rtp,
                 record_dir=record_dir)
    for _ in range(50):
        if f"{user}/sip:" in ast.cli("pjsip show contacts"):
            return ua
        time.sleep(0.1)
    raise AssertionError(f"{user} registrerte seg ikke")


def test_the_norwegian_set_is_in_asterisks_sounds_folder(asterisk):
    no = asterisk.profile.data_dir / "sounds" / "no"
    for name in ("digits/2", "digits/20", "digits/1N", "queue-thereare", "queue-callswaiting", "queue-minutes"):
        assert (no / f"{name}.wav").exists(), name
    assert (asterisk.profile.data_dir / "sounds" / "en" / "digits" / "2.wav").exists()  # English still there
    assert set(PROMPTS) <= {str(p.relative_to(no).with_suffix("")) for p in no.rglob("*.wav")}


def test_second_caller_hears_du_er_nummer_to_i_koen(asterisk, tmp_path):
    """Two callers in queue 7000 with no agent: the second is told its position, in Norwegian."""
    heard_dir = tmp_path / "heard"
    heard_dir.mkdir()
    first = _phone(asterisk, tmp_path, "1005", RTP)
    second = _phone(asterisk, tmp_path, "1003", RTP + 40, record_dir=heard_dir)
    try:
        first.command("dial", "7000")
        assert first.wait_event({"CALL_ESTABLISHED"}, timeout=15) is not None
        second.command("dial", "7000")
        assert second.wait_event({"CALL_ESTABLISHED"}, timeout=15) is not None
        log = asterisk.profile.log_dir / "prompts.log"
        pattern = re.compile(r"Playing 'queue-callswaiting\.\w+' \(language 'no'\)")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not pattern.search(log.read_text(errors="replace")):
            time.sleep(0.2)
        time.sleep(1.0)  # the rest of the prompt reaches the phone
    finally:
        second.stop()
        first.stop()
    text = log.read_text(errors="replace")
    assert re.search(r"Playing 'queue-thereare\.\w+' \(language 'no'\)", text)
    assert re.search(r"Playing 'digits/2\.\w+' \(language 'no'\)", text)
    assert pattern.search(text)
    # What the phone heard matches the Norwegian prompts, not the English ones.
    sounds = asterisk.profile.data_dir / "sounds"
    sequence = ["queue-thereare", "digits/2", "queue-callswaiting"]
    heard = next(heard_dir.glob("*dec*.wav"))
    got = envelope(samples(heard))
    norwegian = best_match(got, sequence_envelope([sounds / "no" / f"{n}.wav" for n in sequence]))
    english = best_match(got, sequence_envelope([sounds / "en" / f"{n}.wav" for n in sequence]))
    assert norwegian > 0.8 and norwegian > english + 0.1, (norwegian, english)
