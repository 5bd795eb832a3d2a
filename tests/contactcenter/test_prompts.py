"""Announcements from text (espeak-ng, voice nb) and from uploads (wav, mp3, ogg, m4a via ffmpeg/sox), music
files with their licence, and bad input: a clear Norwegian error and nothing half-stored (no file, no row)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from asterisk_conf.sounds.audio import tools_available
from asterisk_conf.sounds.tts import EspeakSynthesizer
from contactcenter import prompts
from contactcenter.models import MusicOnHold
from contactcenter.models_voice import MohFile, Prompt

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.tts,
    pytest.mark.skipif(not (tools_available() and EspeakSynthesizer.available()),
                       reason="espeak-ng, sox og ffmpeg må være installert."),
]
PASSWORD = "demo-passord-2026"


@pytest.fixture(autouse=True)
def own_spool(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.ASTERISK_SPOOL_DIR = tmp_path / "spool"


def _soxi(path: Path) -> tuple[int, int, int]:
    out = subprocess.run(["soxi", str(path)], capture_output=True, text=True).stdout
    field = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in out.splitlines() if ":" in line}
    return int(field["Sample Rate"]), int(field["Channels"]), int(field["Precision"].split("-")[0])


def _tone(tmp: Path, suffix: str, seconds: float = 2.0) -> SimpleUploadedFile:
    path = tmp / f"tone{suffix}"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}:sample_rate=44100", "-ac", "2", str(path)], check=True)
    return SimpleUploadedFile(f"Velkommen ÆØÅ{suffix}", path.read_bytes())


def _files(agency: str = "fhi") -> set[Path]:
    root = Path(settings.ASTERISK_SPOOL_DIR) / agency
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_typed_text_becomes_a_norwegian_prompt_asterisk_plays():
    with schema_context("fhi"):
        prompt = prompts.prompt_synthesize(agency="fhi", kind="welcome", name="Velkommen, «FHI»",
                                           text="Velkommen til Folkehelseinstituttet. Vi hjelper deg så snart vi kan.")
        path = prompts.prompt_path(agency="fhi", prompt=prompt)
        assert path.parent == Path(settings.ASTERISK_SPOOL_DIR) / "fhi" / "prompts"
        assert _soxi(path) == (8000, 1, 16)
        assert 2 < prompt.duration_seconds < 15
        assert Prompt.objects.get(pk=prompt.pk).name == "Velkommen, «FHI»"
        assert prompts.prompt_sound(agency="fhi", prompt=prompt) == str(path.with_suffix(""))


@pytest.mark.parametrize("suffix", [".wav", ".mp3", ".ogg", ".m4a"])
def test_each_accepted_upload_is_converted_to_8khz_mono(tmp_path, suffix):
    with schema_context("fhi"):
        prompt = prompts.prompt_upload(agency="fhi", kind="closed", name="Stengt", upload=_tone(tmp_path, suffix))
        path = prompts.prompt_path(agency="fhi", prompt=prompt)
        assert _soxi(path) == (8000, 1, 16)
        assert prompt.original_name == f"Velkommen ÆØÅ{suffix}"
        assert 1.8 < prompt.duration_seconds < 2.3


def _refused(upload: SimpleUploadedFile, expected: str) -> None:
    with schema_context("fhi"):
        rows, files = Prompt.objects.count(), _files()
        with pytest.raises(ValidationError) as exc:
            prompts.prompt_upload(agency="fhi", kind="welcome", name="Feil", upload=upload)
        assert expected in " ".join(exc.value.messages)
        assert Prompt.objects.count() == rows
        assert _files() == files  # nothing half-stored, no temporary left


def test_a_file_that_is_not_audio_is_refused_and_nothing_is_kept():
    _refused(SimpleUploadedFile("melding.wav", b"Dette er ikke lyd, bare tekst.\n" * 50), "ikke lyd")


def test_an_unaccepted_file_type_is_refused(tmp_path):
    _refused(SimpleUploadedFile("melding.txt", _tone(tmp_path, ".wav").read()), "Bare wav, mp3, ogg og m4a")


def test_a_too_long_recording_is_refused(tmp_path):
    _refused(_tone(tmp_path, ".mp3", seconds=prompts.MAX_PROMPT_SECONDS + 5), "er for lang")


def test_a_too_large_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(prompts, "MAX_UPLOAD_BYTES", 10_000)
    _refused(_tone(tmp_path, ".wav"), "for stor")


def test_music_files_carry_their_licence_and_reach_musiconhold_conf(tmp_path):
    from asterisk_conf.render import render_agency
    from asterisk_conf.snapshot import load_agency
    from tenants.models import Agency

    with schema_context("fhi"):
        moh = MusicOnHold.objects.create(name="Egen musikk", source="agency")
        item = prompts.moh_file_add(agency="fhi", moh=moh, title="Vårsang", licence="tono",
                                    licence_note="Avtale med TONO 2026", upload=_tone(tmp_path, ".ogg"))
        folder = prompts.moh_folder("fhi", moh.pk)
        assert (folder / item.file_name).exists() and _soxi(folder / item.file_name) == (8000, 1, 16)
        assert MohFile.objects.get(pk=item.pk).get_licence_display() == "TONO-pliktig"
        platform = MusicOnHold.objects.create(name="Plattformens", source="platform")
        with pytest.raises(ValidationError):
            prompts.moh_file_add(agency="fhi", moh=platform, title="X", licence="free", upload=_tone(tmp_path, ".wav"))
    conf = render_agency(load_agency(Agency.objects.get(schema_name="fhi")), platform_moh_dir="/moh",
                         spool_dir=Path(settings.ASTERISK_SPOOL_DIR))["musiconhold.conf"]
    assert f"; fil {item.file_name}: Vårsang (tono)" in conf
    assert f"directory={folder}" in conf


def _login(client) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD},
                       HTTP_HOST="fhi.localhost").status_code == 302


def test_admin_types_text_gets_audio_with_a_player(client):
    _login(client)
    response = client.post("/admin/contactcenter/prompt/add/", {
        "kind": "recording_notice", "name": "Opptaksvarsel",
        "text": "Samtalen kan bli tatt opp. Trykk 9 hvis du ikke vil det."}, HTTP_HOST="fhi.localhost")
    assert response.status_code == 302, response.context["adminform"].form.errors
    with schema_context("fhi"):
        prompt = Prompt.objects.get(name="Opptaksvarsel")
    page = client.get(f"/admin/contactcenter/prompt/{prompt.pk}/change/", HTTP_HOST="fhi.localhost").content.decode()
    assert f'<audio controls preload="none" src="/admin/contactcenter/prompt/{prompt.pk}/lyd/">' in page
    audio = client.get(f"/admin/contactcenter/prompt/{prompt.pk}/lyd/", HTTP_HOST="fhi.localhost")
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/wav"
    assert b"".join(audio.streaming_content)[:4] == b"RIFF"


def test_admin_bad_upload_shows_the_error_on_the_form(client):
    _login(client)
    with schema_context("fhi"):
        rows = Prompt.objects.count()
    response = client.post("/admin/contactcenter/prompt/add/", {
        "kind": "welcome", "name": "Feil", "text": "",
        "upload": SimpleUploadedFile("hilsen.mp3", b"\x00\x01 ikke lyd" * 100)}, HTTP_HOST="fhi.localhost")
    page = response.content.decode()
    assert response.status_code == 200 and "errorlist" in page
    assert "ikke lyd" in page
    with schema_context("fhi"):
        assert Prompt.objects.count() == rows


def test_admin_of_another_agency_cannot_hear_fhis_prompt(client):
    with schema_context("fhi"):
        prompt = prompts.prompt_synthesize(agency="fhi", kind="welcome", name="Hemmelig", text="Bare for FHI.")
    assert client.post("/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD},
                       HTTP_HOST="nkh.localhost").status_code == 302
    assert client.get(f"/admin/contactcenter/prompt/{prompt.pk}/lyd/", HTTP_HOST="nkh.localhost").status_code == 404


def test_a_prompt_in_use_cannot_be_deleted_and_keeps_its_file():
    from contactcenter.models import Queue
    from contactcenter.models_voice import QueueWelcome
    from switchboard.services import config_object_save

    with schema_context("fhi"):
        prompt = prompts.prompt_synthesize(agency="fhi", kind="welcome", name="I bruk", text="Velkommen.")
        config_object_save(obj=QueueWelcome(queue=Queue.objects.get(pk=1), prompt=prompt))
        with pytest.raises(ValidationError, match="i bruk"):
            prompts.prompt_delete(agency="fhi", prompt=prompt)
        assert prompts.prompt_path(agency="fhi", prompt=prompt).exists()
        QueueWelcome.objects.all().delete()
        prompts.prompt_delete(agency="fhi", prompt=prompt)
        assert not Prompt.objects.filter(pk=prompt.pk).exists()
