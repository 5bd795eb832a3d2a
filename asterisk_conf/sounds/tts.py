"""One text-to-speech interface. The default engine is Debian's ``espeak-ng`` with the Norwegian voice ``nb``;
a deployment points ``settings.PROMPT_TTS_ENGINE`` (or the environment variable of the same name) at another
class with the same ``synthesize`` method (a dotted path), e.g. a cloud or a neural engine.

The result is always what Asterisk plays without transcoding: 8 kHz, mono, 16-bit signed PCM in a WAV file."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Protocol

from django.utils.translation import gettext as _

from asterisk_conf.sounds.audio import AudioError, to_asterisk_wav


class Synthesizer(Protocol):
    def synthesize(self, text: str, out: Path) -> None:
        """Write ``text`` spoken as an 8 kHz mono 16-bit WAV to ``out``; raise AudioError on failure."""


class EspeakSynthesizer:
    """espeak-ng (GPL-3, in Debian, offline, fast) with voice ``nb``; sox resamples to 8 kHz."""

    def __init__(self, voice: str = "nb", speed: int = 150) -> None:
        self.voice, self.speed = voice, speed

    @staticmethod
    def available() -> bool:
        return all(shutil.which(tool) for tool in ("espeak-ng", "sox"))

    def synthesize(self, text: str, out: Path) -> None:
        if not text.strip():
            raise AudioError(_("Teksten er tom."))
        if not self.available():
            raise AudioError(_("Talesyntese er ikke installert (espeak-ng og sox)."))
        with tempfile.TemporaryDirectory(prefix="tts-") as tmp:
            raw = Path(tmp) / "tts.wav"
            # The text goes on stdin, never on the command line (no option injection from a leading '-').
            done = subprocess.run(["espeak-ng", "-v", self.voice, "-s", str(self.speed), "-w", str(raw), "--stdin"],
                                  input=text.encode(), capture_output=True, timeout=60)
            if done.returncode != 0 or not raw.exists():
                raise AudioError(_("Talesyntesen feilet: %(e)s") % {"e": done.stderr.decode(errors="replace")[:200]})
            to_asterisk_wav(raw, out)


def synthesizer() -> Synthesizer:
    """The configured engine: ``PROMPT_TTS_ENGINE`` (dotted class path) or espeak-ng."""
    path = os.environ.get("PROMPT_TTS_ENGINE", "")
    try:
        from django.conf import settings

        path = getattr(settings, "PROMPT_TTS_ENGINE", "") or path
    except Exception:  # noqa: BLE001  (usable without Django settings, e.g. from runtime rendering)
        pass
    if not path:
        return EspeakSynthesizer()
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)()


def synthesize(text: str, out: Path) -> None:
    synthesizer().synthesize(text, out)
