"""Validators shared by every app: the first line of defence for Asterisk config and AMI.

The same rules are checked again where values are written (``asterisk_conf.safety``
and the engine's AMI layer), so a value that slips past a form by another path
is still refused.
"""

from __future__ import annotations

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Anything that could end a config line, start a comment, split an argument list,
# chain an application, expand a variable or include/execute a file.
FORBIDDEN_SEQUENCES: tuple[str, ...] = (";", ",", "|", "&", "${", "$[", "#exec", "#include", "\\", '"', "`")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

SLUG_RE = re.compile(r"^[a-z][a-z0-9]{1,15}$")
EXTENSION_RE = re.compile(r"^[1-9][0-9]{1,5}$")
RESERVED_SLUGS = frozenset({"public", "platform", "agency", "template", "default", "admin", "www", "api"})


_ANY_UNSAFE = re.compile(r"[\x00-\x1f\x7f;,|&\\\"`]|\$\{|\$\[|#exec|#include")


def unsafe_reason(value: str) -> str | None:
    """Return why ``value`` is unsafe for Asterisk config/AMI, or None when it is safe."""
    if not _ANY_UNSAFE.search(value):
        return None
    if _CONTROL.search(value):
        return "kontrolltegn (for eksempel linjeskift)"
    for seq in FORBIDDEN_SEQUENCES:
        if seq in value:
            return f"«{seq}»"
    return None


def validate_safe_text(value: str) -> None:
    """Refuse text that could break generated config or an AMI action."""
    reason = unsafe_reason(value)
    if reason is not None:
        raise ValidationError(
            _("Teksten kan ikke inneholde %(reason)s."),
            code="unsafe_text",
            params={"reason": reason},
        )


def validate_slug(value: str) -> None:
    """Agency slugs are schema names and part of every Asterisk object name."""
    if not SLUG_RE.fullmatch(value):
        raise ValidationError(
            _("Kortnavnet må være 2–16 tegn: små bokstaver a–z og sifre, og starte med en bokstav."),
            code="invalid_slug",
        )
    if value in RESERVED_SLUGS or value.startswith("pg"):
        raise ValidationError(_("Kortnavnet «%(value)s» er reservert."), code="reserved_slug", params={"value": value})


def validate_extension(value: str) -> None:
    if not EXTENSION_RE.fullmatch(value):
        raise ValidationError(
            _("Et internnummer har 2–6 sifre og starter ikke med 0."), code="invalid_extension"
        )


def validate_org_number(value: str) -> None:
    """Norwegian organisation number: nine digits with a modulus-11 check digit."""
    digits = value.replace(" ", "")
    if not re.fullmatch(r"[89][0-9]{8}", digits):
        raise ValidationError(_("Organisasjonsnummeret må ha ni sifre og starte med 8 eller 9."), code="org_format")
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(digits[:8], weights, strict=True)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    if check == 10 or check != int(digits[8]):
        raise ValidationError(_("Organisasjonsnummeret har feil kontrollsiffer."), code="org_checksum")


def normalize_e164(value: str, *, norwegian_only: bool = True) -> str:
    """Parse a phone number and return it as E.164 (``+4721077000``); raise ValidationError if invalid."""
    raw = value or ""
    reason = unsafe_reason(raw)
    if reason is not None:
        raise ValidationError(_("Telefonnummeret inneholder %(reason)s."), code="unsafe_text", params={"reason": reason})
    raw = raw.strip(" ")
    if not re.fullmatch(r"\+?[0-9 ]{3,20}", raw):
        raise ValidationError(_("«%(value)s» er ikke et telefonnummer."), code="invalid_number", params={"value": raw})
    try:
        parsed = phonenumbers.parse(raw, "NO")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("«%(value)s» er ikke et telefonnummer."), code="invalid_number", params={"value": raw}
        ) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("«%(value)s» er ikke et gyldig telefonnummer."), code="invalid_number", params={"value": raw})
    if norwegian_only and parsed.country_code != 47:
        raise ValidationError(
            _("«%(value)s» er ikke et norsk nummer (+47)."), code="foreign_number", params={"value": raw}
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def validate_norwegian_e164(value: str) -> None:
    """Model-field validator: the stored value must already be normalised Norwegian E.164."""
    normalised = normalize_e164(value)
    if normalised != value:
        raise ValidationError(_("Lagre nummeret som %(n)s."), code="not_normalised", params={"n": normalised})


def validate_e164(value: str) -> None:
    normalised = normalize_e164(value, norwegian_only=False)
    if normalised != value:
        raise ValidationError(_("Lagre nummeret som %(n)s."), code="not_normalised", params={"n": normalised})
