"""The Norwegian prompt set (``sounds/no``) Asterisk's say functions and app_queue play for channels with
language ``no``: numbers (say.c's Norwegian rules: digits/0..20, tens, ``digits/hundred``, ``digits/thousand``,
``digits/1N`` «ett», ``and`` «og»), durations and the queue's position and wait prompts.

Generated with the configured TTS (``asterisk_conf.sounds.tts``). A manifest of what each file says keeps a
regeneration to the files whose text changed; a prompt Asterisk lacks in ``no`` falls back to English."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from asterisk_conf.sounds.audio import AudioError
from asterisk_conf.sounds.tts import Synthesizer, synthesizer

logger = logging.getLogger(__name__)

_ONES = ("null", "en", "to", "tre", "fire", "fem", "seks", "sju", "åtte", "ni", "ti", "elleve", "tolv", "tretten",
         "fjorten", "femten", "seksten", "sytten", "atten", "nitten", "tjue")
_TENS = {30: "tretti", 40: "førti", 50: "femti", 60: "seksti", 70: "sytti", 80: "åtti", 90: "nitti"}

PROMPTS: dict[str, str] = {
    **{f"digits/{n}": word for n, word in enumerate(_ONES)},
    **{f"digits/{n}": word for n, word in _TENS.items()},
    "digits/1N": "ett", "digits/hundred": "hundre", "digits/thousand": "tusen", "digits/million": "million",
    "digits/minus": "minus", "digits/and": "og", "and": "og",
    "minutes": "minutter", "minute": "minutt", "seconds": "sekunder", "second": "sekund",
    "hours": "timer", "hour": "time",
    "queue-thereare": "Du er nummer", "queue-callswaiting": "i køen.",
    "queue-youarenext": "Du er den neste i køen.",
    "queue-holdtime": "Forventet ventetid er omtrent", "queue-less-than": "mindre enn",
    "queue-minutes": "minutter", "queue-minute": "minutt", "queue-seconds": "sekunder",
    "queue-reporthold": "Ventetid:",
    "queue-approximately": "omtrent", "queue-more-than": "mer enn",  # for the platform's own wait estimate
    "queue-thankyou": "Takk for at du venter. Vi svarer så snart vi kan.",
    "queue-periodic-announce": "Alle våre medarbeidere er opptatt. Vennligst vent, så blir du betjent.",
    "dialer-abandoned": "Hei, vi prøvde å ringe deg, men ingen medarbeider er ledig akkurat nå. Vi ringer deg igjen.",
    "pbx-transfer": "Setter over.", "pbx-invalid": "Ugyldig nummer.",
    "pm-invalid-option": "Ugyldig valg.", "vm-goodbye": "Ha det.", "ss-noservice": "Nummeret er ikke i bruk.",
}
MANIFEST = ".manifest.json"


def _key(text: str, engine: Synthesizer) -> str:
    return hashlib.sha256(f"{type(engine).__qualname__}:{text}".encode()).hexdigest()[:16]


def ensure_norwegian_prompts(folder: Path, *, engine: Synthesizer | None = None) -> list[str]:
    """Make ``folder`` (the ``no`` language folder) hold every prompt in PROMPTS; names (re)generated.

    Each file is written to a temporary name and moved into place, so Asterisk never plays half a file."""
    engine = engine or synthesizer()
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        manifest = {}
    todo = [(name, text) for name, text in PROMPTS.items()
            if manifest.get(name) != _key(text, engine) or not (folder / f"{name}.wav").exists()]

    def make(item: tuple[str, str]) -> str:
        name, text = item
        target = folder / f"{name}.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.stem}.{os.getpid()}.tmp.wav")
        engine.synthesize(text, tmp)
        os.replace(tmp, target)
        return name

    with ThreadPoolExecutor(max_workers=4) as pool:
        done = list(pool.map(make, todo))
    manifest.update({name: _key(PROMPTS[name], engine) for name in done})
    tmp_manifest = manifest_path.with_suffix(".tmp")
    tmp_manifest.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.replace(tmp_manifest, manifest_path)
    return done


def try_ensure_norwegian_prompts(folder: Path) -> bool:
    """As ensure_norwegian_prompts, but a missing TTS is a WARNING (callers then hear English), not a failure."""
    try:
        made = ensure_norwegian_prompts(folder)
    except (AudioError, OSError) as exc:
        logger.warning("Norske lydfiler kunne ikke lages i %s (%s); Asterisk bruker engelske.", folder, exc)
        return False
    if made:
        logger.info("Laget %d norske lydfiler i %s", len(made), folder)
    return True
