"""Uploaded audio to what Asterisk plays, checked before anything is kept.

ffmpeg decodes every format we accept (wav, mp3, ogg, m4a; it also tells us what the file really is), sox
writes the result: 8 kHz, mono, 16-bit signed PCM WAV, the native format of ``format_wav`` (no transcoding on
every call). ``soxi -D`` gives the duration of the result."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.utils.translation import gettext as _

ACCEPTED_SUFFIXES = (".wav", ".mp3", ".ogg", ".m4a")
ACCEPTED_FORMATS = {"wav", "mp3", "ogg", "mov,mp4,m4a,3gp,3g2,mj2"}  # ffprobe's format_name for each


class AudioError(ValueError):
    """Bad or unusable audio; the message is Norwegian and meant for the user."""


def tools_available() -> bool:
    return all(shutil.which(t) for t in ("ffmpeg", "ffprobe", "sox", "soxi"))


def probe_format(path: Path) -> str:
    done = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=format_name", "-of",
                           "default=nw=1:nk=1", "--", str(path)], capture_output=True, timeout=30)
    name = done.stdout.decode(errors="replace").strip()
    if done.returncode != 0 or not name:
        raise AudioError(_("Filen er ikke lyd som kan leses (godtatt: wav, mp3, ogg, m4a)."))
    return name


def duration_seconds(path: Path) -> float:
    done = subprocess.run(["soxi", "-D", str(path)], capture_output=True, timeout=30)
    try:
        return float(done.stdout.decode().strip())
    except ValueError as exc:
        raise AudioError(_("Lengden på lydfilen kunne ikke leses.")) from exc


def to_asterisk_wav(source: Path, out: Path) -> None:
    """Any readable audio file -> 8 kHz mono 16-bit WAV at ``out`` (via ffmpeg when sox can't read it)."""
    done = subprocess.run(["sox", "-V1", str(source), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
                           str(out)], capture_output=True, timeout=120)
    if done.returncode == 0:
        return
    done = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source), "-vn", "-ac", "1", "-ar",
                           "8000", "-sample_fmt", "s16", "-f", "wav", str(out)], capture_output=True, timeout=120)
    if done.returncode != 0:
        raise AudioError(_("Lydfilen kunne ikke gjøres om til et format Asterisk spiller."))


def convert_upload(source: Path, out: Path, *, original_name: str, max_bytes: int, max_seconds: int) -> float:
    """Check and convert an uploaded file to ``out`` (a temporary path of the caller's); the duration in seconds.

    Raises AudioError (Norwegian) when the file is too large, not audio, of a format we do not take, empty or
    too long. Nothing is written outside ``out``'s folder."""
    if not tools_available():
        raise AudioError(_("Lydverktøyene (ffmpeg og sox) er ikke installert på serveren."))
    size = source.stat().st_size
    if size > max_bytes:
        raise AudioError(_("Filen er for stor (%(mb)s MB); største tillatte er %(max)s MB.") % {
            "mb": size // 1_000_000, "max": max_bytes // 1_000_000})
    if Path(original_name).suffix.lower() not in ACCEPTED_SUFFIXES:
        raise AudioError(_("Bare wav, mp3, ogg og m4a kan lastes opp."))
    if probe_format(source) not in ACCEPTED_FORMATS:
        raise AudioError(_("Filen er ikke lyd i et godtatt format (wav, mp3, ogg, m4a)."))
    with tempfile.TemporaryDirectory(prefix="audio-", dir=out.parent) as tmp:
        decoded = Path(tmp) / "decoded.wav"
        to_asterisk_wav(source, decoded)
        seconds = duration_seconds(decoded)
        if seconds < 0.2:
            raise AudioError(_("Lydfilen er tom."))
        if seconds > max_seconds:
            raise AudioError(_("Lydfilen er for lang (%(s)s s); lengste tillatte er %(max)s s.") % {
                "s": round(seconds), "max": max_seconds})
        decoded.replace(out)
    return seconds
