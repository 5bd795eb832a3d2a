"""Closed and holiday announcements with real calls (baresip -> real Asterisk): a call to fhi's main number outside
opening hours hears the schedule's chosen "closed" announcement, and on a closed day the "holiday" one, before the
schedule sends it on (Playback of the agency's own prompt files, seen in Asterisk's log)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django_tenants.utils import schema_context

from asterisk_conf import naming
from asterisk_conf.render import render_to_dir
from asterisk_conf.runtime import find_asterisk
from asterisk_conf.sounds.tts import EspeakSynthesizer
from tests.harness.asterisk_harness import prepare
from tests.harness.baresip_harness import Baresip, find_baresip

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.asterisk, pytest.mark.baresip, pytest.mark.tts,
    pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README)."),
    pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)."),
    pytest.mark.skipif(not EspeakSynthesizer.available(), reason="espeak-ng og sox er ikke installert."),
]
RTP = int(os.environ.get("TEST_RTP_START", "31000")) + 700
PLAYING = r"Playing '[^']*/fhi/prompts/{kind}-[0-9a-f]+\.\w+' \(language 'no'\)"


@pytest.fixture(scope="module")
def closed(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """fhi's demo schedule (on the main number 21077000) with no opening hours at all, no public holidays, and a
    chosen closed and holiday announcement."""
    from contactcenter import prompts
    from contactcenter.models_voice import ScheduleAnnouncement
    from switchboard.models import ClosedDay, Did, ScheduleRule
    from switchboard.services import config_object_save

    base = Path(tempfile.mkdtemp(prefix="cp-closed-"))
    spool = override_settings(ASTERISK_SPOOL_DIR=base / "platform-spool")
    spool.enable()
    with django_db_blocker.unblock():
        with schema_context("fhi"):
            schedule = Did.objects.get(number="+4721077000").schedule
            rules = [(r.weekday, r.opens, r.closes) for r in schedule.rules.all()]
            schedule.rules.all().delete()
            schedule.closed_on_public_holidays = False
            schedule.save(update_fields=["closed_on_public_holidays"])
            closed_p = prompts.prompt_synthesize(agency="fhi", kind="closed", name="Stengt",
                                                 text="Vi har stengt nå. Åpningstiden er klokka åtte til kvart på fire.")
            holiday_p = prompts.prompt_synthesize(agency="fhi", kind="holiday", name="Helligdag",
                                                  text="Vi har stengt i dag på grunn av helligdag.")
            config_object_save(obj=ScheduleAnnouncement(schedule=schedule, closed_prompt=closed_p,
                                                        holiday_prompt=holiday_p))
        ast = prepare(base)
        ast.start()
        ast.cli("logger add channel calls.log verbose(3)")
        try:
            yield ast, schedule
        finally:
            ast.stop()
            with schema_context("fhi"):
                ScheduleAnnouncement.objects.filter(schedule=schedule).delete()
                ClosedDay.objects.filter(schedule=schedule, note="Testdag").delete()
                closed_p.delete()
                holiday_p.delete()
                for weekday, opens, closes in rules:
                    ScheduleRule.objects.create(schedule=schedule, weekday=weekday, opens=opens, closes=closes)
                schedule.closed_on_public_holidays = True
                schedule.save(update_fields=["closed_on_public_holidays"])
            spool.disable()
    shutil.rmtree(base, ignore_errors=True)


def _ua(ast, tmp: Path, ext: str, rtp: int) -> Baresip:  # type: ignore[no-untyped-def]
    from switchboard.models import Phone

    with schema_context("fhi"):
        phone = Phone.objects.filter(extension__number=ext, is_active=True).order_by("id").first()
        user, password = naming.endpoint_name("fhi", phone.pk), phone.sip_password
    ua = Baresip(tmp / ext, username=user, password=password, sip_port=ast.profile.sip_port, rtp_base=rtp)
    for _ in range(50):
        if f"{user}/sip:" in ast.cli("pjsip show contacts"):
            return ua
        time.sleep(0.1)
    raise AssertionError(f"{user} registrerte seg ikke")


def _heard(ast, tmp: Path, rtp: int) -> str:  # type: ignore[no-untyped-def]
    """Call the main number from a phone; the Asterisk log from the call, once an announcement has played."""
    log = ast.profile.log_dir / "calls.log"
    start = len(log.read_text(errors="replace")) if log.exists() else 0
    ua = _ua(ast, tmp, "1005", rtp)
    try:
        ua.command("dial", "21077000")
        assert ua.wait_event({"CALL_ESTABLISHED"}, timeout=15) is not None, "samtalen ble ikke besvart"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            text = log.read_text(errors="replace")[start:]
            if re.search(r"Playing '[^']*/prompts/", text) and "VoiceMail(" in text:
                return text
            time.sleep(0.1)
        raise AssertionError("ingen melding ble spilt av")
    finally:
        ua.stop()


def test_outside_opening_hours_the_caller_hears_the_closed_announcement(closed, tmp_path):
    ast, _schedule = closed
    text = _heard(ast, tmp_path, RTP)
    assert re.search(PLAYING.format(kind="closed"), text), text[-3000:]
    assert not re.search(PLAYING.format(kind="holiday"), text)
    # then the schedule's destination (the switchboard's voicemail in the demo)
    assert text.index("closed-") < text.index("VoiceMail(")


def test_on_a_closed_day_the_caller_hears_the_holiday_announcement(closed, tmp_path):
    from switchboard.models import ClosedDay

    ast, schedule = closed
    today = dt.datetime.now(ZoneInfo("Europe/Oslo")).date()
    with schema_context("fhi"):
        ClosedDay.objects.create(schedule=schedule, date=today, note="Testdag")
    render_to_dir(out_dir=ast.profile.etc_dir)
    ast.cli("dialplan reload")
    time.sleep(0.5)
    text = _heard(ast, tmp_path, RTP + 40)
    assert re.search(PLAYING.format(kind="holiday"), text), text[-3000:]
    assert not re.search(PLAYING.format(kind="closed"), text)
