"""The three phone tiers and what each one gets."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class TierSpec:
    key: str
    label: str
    lines: int
    blf_keys: int
    record_key: bool
    video: bool
    max_contacts: int
    audio_codecs: tuple[str, ...]
    video_codecs: tuple[str, ...] = ()


TIERS: dict[str, TierSpec] = {
    "simple": TierSpec("simple", _("Enkel"), lines=1, blf_keys=0, record_key=False, video=False,
                       max_contacts=1, audio_codecs=("alaw", "ulaw")),
    "standard": TierSpec("standard", _("Standard"), lines=2, blf_keys=8, record_key=False, video=False,
                         max_contacts=2, audio_codecs=("g722", "alaw", "ulaw")),
    "advanced": TierSpec("advanced", _("Avansert"), lines=4, blf_keys=24, record_key=True, video=True,
                         max_contacts=3, audio_codecs=("g722", "alaw", "ulaw"), video_codecs=("h264", "vp8")),
}
TIER_CHOICES = [(t.key, t.label) for t in TIERS.values()]
