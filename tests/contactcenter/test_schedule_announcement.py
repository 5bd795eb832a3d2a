"""The schedule's closed/holiday announcement: only prompts of the right kind can be chosen (Norwegian error), and
the rendered dialplan plays the holiday announcement on closed days, the closed one when no holiday one is chosen,
from the prompt's checked file path only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from asterisk_conf.render import render_to_dir
from contactcenter.models_voice import Prompt, ScheduleAnnouncement
from switchboard.models import Did
from switchboard.services import config_object_save

pytestmark = pytest.mark.django_db


def _prompt(kind: str, file_name: str) -> Prompt:  # a row only (the renderer needs no audio)
    return Prompt.objects.create(kind=kind, name=f"Melding {kind}", source="upload", file_name=file_name,
                                 duration_seconds=2.0)


def test_only_closed_and_holiday_prompts_can_be_chosen():
    with schema_context("fhi"):
        schedule = Did.objects.get(number="+4721077000").schedule
        welcome = _prompt("welcome", "welcome-aaaaaaaaaaaa.wav")
        with pytest.raises(ValidationError) as exc:
            config_object_save(obj=ScheduleAnnouncement(schedule=schedule, closed_prompt=welcome))
        assert "typen «Stengt»" in " ".join(exc.value.messages)
        with pytest.raises(ValidationError) as exc:
            config_object_save(obj=ScheduleAnnouncement(schedule=schedule))
        assert "Velg minst én melding" in " ".join(exc.value.messages)
        assert not ScheduleAnnouncement.objects.exists()


def test_dialplan_plays_closed_and_falls_back_to_it_on_holidays(tmp_path):
    with schema_context("fhi"):
        schedule = Did.objects.get(number="+4721077000").schedule
        config_object_save(obj=ScheduleAnnouncement(schedule=schedule,
                                                    closed_prompt=_prompt("closed", "closed-0123456789ab.wav")))
    render_to_dir(out_dir=tmp_path)
    text = (tmp_path / "agencies" / "fhi" / "extensions.conf").read_text()
    block = text[text.index(f"n(closed{schedule.pk})"):text.index(f"n(open{schedule.pk})")]
    plays = [line for line in block.splitlines() if "Playback(" in line]
    assert len(plays) == 2 and all(line.endswith("/fhi/prompts/closed-0123456789ab)") for line in plays)
    assert f"?holiday{schedule.pk})" in text
