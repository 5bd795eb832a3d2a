"""The three phone tiers and what each one gets: the one place they are defined.

The Asterisk templates (asterisk_conf/generators/pjsip.py), the phones' provisioning files (switchboard/provisioning.py)
and the Norwegian description in docs/telefoner.md are all read from here."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# Feature codes the phones' keys send (the dialplan and features.conf in asterisk_conf answer them).
VOICEMAIL_CODE = "*98"
RECORD_TOGGLE_DTMF = "*3"  # features.conf automixmon: one-touch recording during a call


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
    features: tuple[str, ...] = ()
    example_models: tuple[str, ...] = ()


_BASIC = (_("eget internnummer og direktenummer"), _("talepost med lampe for ventende melding"),
          _("viderekobling og overføring"))
TIERS: dict[str, TierSpec] = {
    "simple": TierSpec("simple", _("Enkel"), lines=1, blf_keys=0, record_key=False, video=False,
                       max_contacts=1, audio_codecs=("alaw", "ulaw"), features=_BASIC,
                       example_models=("Yealink T31P", "Snom D713")),
    "standard": TierSpec("standard", _("Standard"), lines=2, blf_keys=8, record_key=False, video=False,
                         max_contacts=2, audio_codecs=("g722", "alaw", "ulaw"),
                         features=(*_BASIC, _("HD-lyd (G.722)"), _("opptattlamper for kolleger (BLF)")),
                         example_models=("Yealink T46U", "Snom D735")),
    "advanced": TierSpec("advanced", _("Avansert"), lines=4, blf_keys=24, record_key=True, video=True,
                         max_contacts=3, audio_codecs=("g722", "alaw", "ulaw"), video_codecs=("h264", "vp8"),
                         features=(*_BASIC, _("HD-lyd (G.722)"), _("opptattlamper for kolleger (BLF)"),
                                   _("opptaksknapp (GDPR-varslet opptak)"), _("video")),
                         example_models=("Yealink T58W Pro", "Snom D785")),
}
TIER_CHOICES = [(t.key, t.label) for t in TIERS.values()]
