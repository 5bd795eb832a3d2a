"""How a text goes over SMS: GSM 03.38 7-bit where every character is in the GSM alphabet (with its extension
table; ÆØÅæøå are in the basic alphabet), UCS-2 otherwise; and how many segments (parts) it takes.

The codec is the ``gsm0338`` package (a registered Python codec ``gsm03.38``): an extension character (``€``,
``[``, ``{`` ...) encodes as escape + character, so the encoded length is the septet count the operator bills.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import gsm0338  # noqa: F401  (registers the codec)

GSM_SINGLE, GSM_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


@dataclass(frozen=True)
class SmsShape:
    encoding: str  # "gsm" | "ucs2"
    units: int  # septets (gsm) or UTF-16 code units (ucs2)
    segments: int


def sms_shape(text: str) -> SmsShape:
    """Encoding, length and segment count of ``text``."""
    try:
        units = len(text.encode("gsm03.38"))
        single, multi, encoding = GSM_SINGLE, GSM_MULTI, "gsm"
    except UnicodeEncodeError:
        units = len(text.encode("utf-16-be")) // 2
        single, multi, encoding = UCS2_SINGLE, UCS2_MULTI, "ucs2"
    segments = 1 if units <= single else -(-units // multi)
    return SmsShape(encoding=encoding, units=units, segments=segments)


class _Vars(dict):
    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def template_fields(body: str) -> list[str]:
    """The variable names a template uses (``{navn}``)."""
    return [name for _lit, name, _spec, _conv in string.Formatter().parse(body) if name]


def template_fill(body: str, values: dict[str, str]) -> str:
    """Fill ``{variable}`` from ``values``. KeyError names a variable the row lacks; ValueError a broken brace."""
    return string.Formatter().vformat(body, (), _Vars({k: str(v) for k, v in values.items()}))
