"""Benchmark: what an admin waits for when making announcements, and what the managed Asterisk's start pays for
the Norwegian prompt set. No database needed.

Measures (medians over --repeat runs): typed text -> 8 kHz WAV with espeak-ng (a typical 25-word announcement),
uploads converted and checked (60 s of mp3, ogg, m4a, wav), the refusal of a non-audio file, and the Norwegian
set generated cold and checked warm. Prints what it measured; the last line is one JSON object of figures."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.conf import settings  # noqa: E402

if not settings.configured:
    settings.configure(USE_I18N=False)

from asterisk_conf.sounds.audio import AudioError, convert_upload  # noqa: E402
from asterisk_conf.sounds.norwegian import PROMPTS, ensure_norwegian_prompts  # noqa: E402
from asterisk_conf.sounds.tts import synthesize  # noqa: E402

TEXT = ("Velkommen til Folkehelseinstituttet. Alle våre medarbeidere er opptatt. Samtalen kan bli tatt opp for "
        "opplæring. Trykk ni hvis du ikke vil det, eller bli i køen, så svarer vi så snart vi kan.")


def _ms(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-audio-"))
    import os
    import platform

    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    figures: dict[str, float] = {}
    figures["tts_announcement_ms"] = statistics.median(
        _ms(lambda i=i: synthesize(TEXT, tmp / f"tts{i}.wav")) for i in range(args.repeat))
    print(f"text to speech ({len(TEXT.split())} words): p50 {figures['tts_announcement_ms']:.0f} ms")
    for suffix in (".mp3", ".ogg", ".m4a", ".wav"):
        src = tmp / f"src{suffix}"
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i",
                        "sine=frequency=440:duration=60:sample_rate=44100", "-ac", "2", str(src)], check=True)
        times = [_ms(lambda s=src, i=i, x=suffix: convert_upload(s, tmp / f"out{i}.wav", original_name=f"x{x}",
                                                        max_bytes=20_000_000, max_seconds=900))
                 for i in range(args.repeat)]
        figures[f"upload_60s_{suffix[1:]}_ms"] = statistics.median(times)
        print(f"upload 60 s {suffix}: p50 {statistics.median(times):.0f} ms ({src.stat().st_size // 1000} kB)")
    junk = tmp / "junk.wav"
    junk.write_bytes(b"ikke lyd\n" * 5000)

    def refuse() -> None:
        try:
            convert_upload(junk, tmp / "junk-out.wav", original_name="junk.wav", max_bytes=20_000_000, max_seconds=900)
        except AudioError:
            return
        raise AssertionError("ikke avvist")

    figures["refuse_non_audio_ms"] = statistics.median(_ms(refuse) for _ in range(args.repeat))
    print(f"refusing a non-audio file: p50 {figures['refuse_non_audio_ms']:.0f} ms")
    folder = tmp / "no"
    figures["norwegian_set_cold_ms"] = _ms(lambda: ensure_norwegian_prompts(folder))
    figures["norwegian_set_warm_ms"] = _ms(lambda: ensure_norwegian_prompts(folder))
    figures["norwegian_prompts"] = len(PROMPTS)
    print(f"Norwegian set: {len(PROMPTS)} prompts cold {figures['norwegian_set_cold_ms']:.0f} ms, "
          f"warm (nothing changed) {figures['norwegian_set_warm_ms']:.1f} ms")
    print(json.dumps({k: round(v, 1) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
