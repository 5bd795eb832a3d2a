"""Writes of what callers hear: announcements from text (TTS) or uploads, and music-on-hold files with their
licence. Audio is made in a temporary folder inside the agency's folder, converted, checked (is it audio,
size, length), then moved into place in the same transaction that saves the row: a refusal leaves nothing
behind, neither file nor row.

Where things live (per agency, under ``settings.ASTERISK_SPOOL_DIR``, the folder musiconhold.conf names):
``<slug>/prompts/<file>.wav`` and ``<slug>/moh/<class>/<file>.wav``."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from asterisk_conf import naming
from asterisk_conf.sounds.audio import AudioError, convert_upload, duration_seconds
from asterisk_conf.sounds.tts import synthesize
from contactcenter.models import MusicOnHold
from contactcenter.models_voice import MohFile, Prompt, PromptSource
from switchboard.services import config_object_delete, config_object_save

MAX_UPLOAD_BYTES = getattr(settings, "PROMPT_MAX_UPLOAD_BYTES", 20_000_000)
MAX_PROMPT_SECONDS = getattr(settings, "PROMPT_MAX_SECONDS", 120)
MAX_MOH_SECONDS = getattr(settings, "MOH_MAX_SECONDS", 900)
MAX_TEXT_CHARS = 1000


def agency_folder(agency: str) -> Path:
    return Path(settings.ASTERISK_SPOOL_DIR) / naming.checked_slug(agency)


def prompts_folder(agency: str) -> Path:
    return agency_folder(agency) / "prompts"


def moh_folder(agency: str, moh_id: int) -> Path:
    return agency_folder(agency) / "moh" / naming.moh_class(agency, moh_id)


def prompt_path(*, agency: str, prompt: Prompt) -> Path:
    return prompts_folder(agency) / prompt.file_name


def prompt_sound(*, agency: str, prompt: Prompt) -> str:
    """What Asterisk's Playback takes: the absolute path without the extension."""
    return str(prompt_path(agency=agency, prompt=prompt).with_suffix(""))


def _new_file_name(prefix: str) -> str:
    return f"{prefix.replace('_', '-')}-{secrets.token_hex(6)}.wav"


@contextmanager
def _staged(folder: Path) -> Iterator[Path]:
    """A temporary file inside ``folder`` (same file system: the final move is atomic), always cleaned up."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".upload-", dir=folder) as tmp:
        yield Path(tmp) / "audio.wav"


def _keep(staged: Path, target: Path, save: Callable[[], None]) -> None:
    """Save the row and move the file into place, both or neither (the move is the last step of the transaction)."""
    try:
        with transaction.atomic():
            save()
            os.replace(staged, target)
    except BaseException:
        if target.exists() and not staged.exists():
            target.unlink()
        raise


def _upload_to(upload: UploadedFile, staged: Path, *, max_seconds: int) -> float:
    raw = staged.with_name("upload.bin")
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"upload": _("Filen er for stor (%(mb)s MB); største tillatte er %(max)s MB.") % {
            "mb": upload.size // 1_000_000, "max": MAX_UPLOAD_BYTES // 1_000_000}})
    with raw.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        return convert_upload(raw, staged, original_name=upload.name or "", max_bytes=MAX_UPLOAD_BYTES,
                              max_seconds=max_seconds)
    except AudioError as exc:
        raise ValidationError({"upload": str(exc)}) from exc
    finally:
        raw.unlink(missing_ok=True)


def prompt_synthesize(*, agency: str, kind: str, name: str, text: str) -> Prompt:
    """An announcement spoken from ``text`` by the configured TTS."""
    if not text.strip():
        raise ValidationError({"text": _("Skriv teksten som skal sies.")})
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationError({"text": _("Teksten er for lang (største tillatte er %(n)s tegn).") % {"n": MAX_TEXT_CHARS}})
    folder = prompts_folder(agency)
    with _staged(folder) as staged:
        try:
            synthesize(text, staged)
        except AudioError as exc:
            raise ValidationError({"text": str(exc)}) from exc

        prompt = Prompt(kind=kind, name=name, text=text, source=PromptSource.TTS, file_name=_new_file_name(kind),
                        duration_seconds=duration_seconds(staged))
        _keep(staged, folder / prompt.file_name, lambda: config_object_save(obj=prompt))
    return prompt


def prompt_upload(*, agency: str, kind: str, name: str, upload: UploadedFile) -> Prompt:
    """An announcement from an uploaded recording (wav, mp3, ogg, m4a)."""
    folder = prompts_folder(agency)
    with _staged(folder) as staged:
        seconds = _upload_to(upload, staged, max_seconds=MAX_PROMPT_SECONDS)
        prompt = Prompt(kind=kind, name=name, source=PromptSource.UPLOAD, file_name=_new_file_name(kind),
                        original_name=(upload.name or "")[:200], duration_seconds=seconds)
        _keep(staged, folder / prompt.file_name, lambda: config_object_save(obj=prompt))
    return prompt


@transaction.atomic
def prompt_delete(*, agency: str, prompt: Prompt) -> None:
    path = prompt_path(agency=agency, prompt=prompt)
    config_object_delete(obj=prompt)  # refused (ValidationError naming the user) while a queue plays it
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


def moh_file_add(*, agency: str, moh: MusicOnHold, title: str, licence: str, upload: UploadedFile,
                 licence_note: str = "") -> MohFile:
    """A music file for the agency's own class ``moh``, with its licence (free or TONO-liable)."""
    if moh.source != "agency":
        raise ValidationError({"moh": _("Bare ventemusikk med etatens egne filer kan få opplastede filer.")})
    folder = moh_folder(agency, moh.pk)
    with _staged(folder) as staged:
        seconds = _upload_to(upload, staged, max_seconds=MAX_MOH_SECONDS)
        item = MohFile(moh=moh, title=title, licence=licence, licence_note=licence_note,
                       file_name=_new_file_name("musikk"), original_name=(upload.name or "")[:200],
                       duration_seconds=seconds)
        _keep(staged, folder / item.file_name, lambda: config_object_save(obj=item))
    return item


@transaction.atomic
def moh_file_delete(*, agency: str, item: MohFile) -> None:
    path = moh_folder(agency, item.moh_id) / item.file_name
    config_object_delete(obj=item)
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
