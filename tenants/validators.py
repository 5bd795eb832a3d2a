"""Validators shared by every app: the first line of defence for Asterisk config and AMI.

The same rules are checked again where values are written (``asterisk_conf.safety``
and the engine's AMI layer), so a value that slips past a form by another path
is still refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Anything that could end a config line, start a comment, split an argument list,
# chain an application, expand a variable or include/execute a file.
FORBIDDEN_SEQUENCES: tuple[str, ...] = (";", ",", "|", "&", "${", "$[", "#exec", "#include", "\\", '"', "`")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# The one definition of an agency's short name (schema, Asterisk name prefix). Everything that matches
# slugs (asterisk_conf.naming, engine.guard, the Agency constraint) builds on SLUG_PATTERN; migrations
# keep their own literal copies, as migrations must.
SLUG_PATTERN = r"[a-z][a-z0-9]{1,15}"
SLUG_RE = re.compile(rf"^{SLUG_PATTERN}$")
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


# Free text (names, titles, departments, descriptions, notes): ordinary Norwegian text with commas,
# quotes, apostrophes, parentheses, & and / is fine. It is never parsed by Asterisk: the renderer
# only writes it into comments (``asterisk_conf.safety.comment``). Refused: control characters (a
# line break could end a config line or an AMI header) and the few sequences that are only ever code.
_FREE_TEXT_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f]|;|\$\{|\$\[|#exec|#include", re.IGNORECASE)


def free_text_reason(value: str) -> str | None:
    """Why ``value`` is refused as free text, or None."""
    found = _FREE_TEXT_FORBIDDEN.search(value or "")
    if found is None:
        return None
    if _CONTROL.match(found.group()):
        return "kontrolltegn (for eksempel linjeskift)"
    return f"«{found.group()}»"


def validate_plain_text(value: str) -> None:
    """Names, titles, descriptions and notes: ordinary text, no control characters or code."""
    reason = free_text_reason(value)
    if reason is not None:
        raise ValidationError(
            _("Teksten kan ikke inneholde %(reason)s."),
            code="unsafe_text",
            params={"reason": reason},
        )


HOSTNAME_RE = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
# The same rule as a PostgreSQL regular expression (check constraint on Domain.domain).
HOSTNAME_SQL_RE = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"


def validate_hostname(value: str) -> None:
    """A domain the platform answers at: a DNS host name in lower case (``fhi.telefoni.example``)."""
    if not isinstance(value, str) or not HOSTNAME_RE.fullmatch(value):
        raise ValidationError(
            _("«%(value)s» er ikke et gyldig domenenavn. Bruk små bokstaver a–z, sifre, bindestrek og punktum, "
              "for eksempel fhi.telefoni.example."),
            code="invalid_domain",
            params={"value": value},
        )


SECRET_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


def secrets_dir() -> Path:
    """The one folder secret files may live in (setting ASTERISK_SECRETS_DIR), symlinks resolved."""
    from django.conf import settings

    default = Path(settings.PLATFORM_DATA_DIR) / "secrets"
    return Path(getattr(settings, "ASTERISK_SECRETS_DIR", default) or default).resolve()


def secret_file_path(ref: str) -> Path:
    """The file a ``file:`` secret reference names, resolved (``..`` and symlinks followed); refused
    (ValidationError) unless it lies inside the secrets folder. A relative name is taken in that folder."""
    folder = secrets_dir()
    if not ref or _CONTROL.search(ref):
        raise ValidationError(_("Oppgi et filnavn etter «file:»."), code="invalid_secret_ref")
    path = (folder / ref).resolve()
    if path == folder or not path.is_relative_to(folder):
        raise ValidationError(
            _("Hemmelighetsfiler må ligge i mappen %(folder)s."), code="secret_outside_folder",
            params={"folder": str(folder)},
        )
    return path


def validate_secret_ref(value: str) -> None:
    """``env:NAME`` (an environment variable) or ``file:NAME`` (a file in the secrets folder)."""
    kind, sep, ref = (value or "").partition(":")
    if sep and kind == "env":
        if not SECRET_ENV_RE.fullmatch(ref):
            raise ValidationError(_("Navnet på miljøvariabelen kan bare ha A–Z, 0–9 og _."), code="invalid_secret_ref")
        return
    if sep and kind == "file":
        secret_file_path(ref)
        return
    raise ValidationError(_("Skriv env:VARIABEL eller file:filnavn (i hemmelighetsmappen)."), code="invalid_secret_ref")


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
