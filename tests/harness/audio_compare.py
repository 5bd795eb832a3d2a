"""What a phone heard compared with the prompts Asterisk could have played: energy envelopes (20 ms frames)
correlated against the envelope of a prompt sequence. Plain Python; no numpy needed."""

from __future__ import annotations

import math
import wave
from array import array
from pathlib import Path

FRAME = 160  # 20 ms at 8 kHz


def samples(path: Path) -> array:
    with wave.open(str(path), "rb") as w:
        assert w.getsampwidth() == 2, path
        data = array("h", w.readframes(w.getnframes()))
        channels, rate = w.getnchannels(), w.getframerate()
    if channels > 1:
        data = data[::channels]
    step = max(1, rate // 8000)
    return data[::step]


def envelope(data: array) -> list[float]:
    return [math.log1p(sum(abs(x) for x in data[i:i + FRAME]) / FRAME) for i in range(0, len(data) - FRAME, FRAME)]


def _corr(a: list[float], b: list[float]) -> float:
    n = len(a)
    ma, mb = sum(a) / n, sum(b) / n
    num = sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True))
    den = math.sqrt(sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b))
    return num / den if den else 0.0


def best_match(heard: list[float], template: list[float]) -> float:
    """The highest correlation of ``template`` with any stretch of ``heard`` (or the other way round when the
    recording is the shorter)."""
    if len(heard) < len(template):
        heard, template = template, heard
    return max(_corr(heard[i:i + len(template)], template) for i in range(len(heard) - len(template) + 1))


def sequence_envelope(files: list[Path]) -> list[float]:
    out: list[float] = []
    for f in files:
        out += envelope(samples(f))
    return out
