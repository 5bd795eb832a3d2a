"""Phone provisioning files: what a Yealink or Snom phone fetches by its MAC address, rendered from the phone's
tier (switchboard/tiers.py) with the vendor's template (switchboard/templates/provisioning/).

Pure reads and rendering; the fetch itself (log, unknown devices, the secret check) is
``switchboard.services.provisioning_request``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string

from asterisk_conf.naming import endpoint_name
from switchboard.models import Extension, Phone, Vendor
from switchboard.tiers import RECORD_TOGGLE_DTMF, TIERS, VOICEMAIL_CODE

MAC_IN_URL = re.compile(r"^[0-9a-fA-F]{12}$")
TEMPLATES = {Vendor.YEALINK: "provisioning/yealink.cfg", Vendor.SNOM: "provisioning/snom.xml"}
# Yealink's codec names in `account.N.codec.<name>.enable`; Snom's are in the template's codec list.
YEALINK_CODECS = {"alaw": "pcma", "ulaw": "pcmu", "g722": "g722"}


def mac_from_url(raw: str) -> str | None:
    """``001565AABBCC`` / ``001565aabbcc`` -> ``00:15:65:aa:bb:cc``; anything else None."""
    if not MAC_IN_URL.fullmatch(raw):
        return None
    low = raw.lower()
    return ":".join(low[i:i + 2] for i in range(0, 12, 2))


def _one_line(text: str) -> str:
    """A label on one line, without the characters a Yealink ``key = value`` line or XML could trip on."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", str(text)).strip()[:40]


@dataclass(frozen=True)
class Key:
    index: int  # 1-based for Yealink linekeys; Snom fkeys use index - 1
    kind: str  # line | blf | record
    label: str
    value: str = ""


def _display_name(ext: Extension) -> str:
    if ext.person_id:
        return _one_line(str(ext.person))
    return _one_line(ext.label or ext.number)


def _keys(phone: Phone) -> list[Key]:
    tier = TIERS[phone.tier]
    keys = [Key(i + 1, "line", phone.extension.number) for i in range(tier.lines)]
    colleagues = (Extension.objects.exclude(pk=phone.extension_id).select_related("person")
                  .order_by("number")[:tier.blf_keys])
    keys += [Key(len(keys) + 1 + i, "blf", _display_name(ext), ext.number) for i, ext in enumerate(colleagues)]
    if tier.record_key:
        keys.append(Key(len(keys) + 1, "record", "Opptak", RECORD_TOGGLE_DTMF))
    return keys


def provisioning_context(phone: Phone) -> dict:
    """Everything a template needs for one phone, in the current agency's schema."""
    tier = TIERS[phone.tier]
    slug = connection.schema_name
    return {
        "phone": phone,
        "tier": tier,
        "agency": slug,
        "username": endpoint_name(slug, phone.pk),
        "password": phone.sip_password,
        "display_name": _display_name(phone.extension),
        "extension": phone.extension.number,
        "sip_host": settings.PROVISIONING_SIP_HOST,
        "sip_port": settings.PROVISIONING_SIP_PORT,
        "has_voicemail": hasattr(phone.extension, "voicemail"),
        "voicemail_code": VOICEMAIL_CODE,
        "keys": _keys(phone),
        "yealink_codecs": [YEALINK_CODECS[c] for c in tier.audio_codecs if c in YEALINK_CODECS],
    }


def render_phone_config(*, phone: Phone, vendor: str) -> str:
    return render_to_string(TEMPLATES[Vendor(vendor)], provisioning_context(phone))


def provisioning_urls(*, phone: Phone, base_url: str) -> dict[str, str]:
    """What the admin types into the phone (or its redirection service): the URL holds the phone's secret."""
    root = f"{base_url.rstrip('/')}/prov/{phone.provisioning_secret}/"
    return {Vendor.YEALINK: root, Vendor.SNOM: root + "{mac}.xml"}
