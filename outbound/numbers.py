"""Phone numbers as the SMS log keeps them: E.164 (``+4799999999``), parsed by Google's libphonenumber port
(``phonenumbers``), with Norway as the default region for numbers written without a country code."""

from __future__ import annotations

import phonenumbers


def number_normalise(raw: str) -> str:
    """``+47...`` from what a user typed or a file held; ValueError (Norwegian) if it is not a phone number."""
    text = (raw or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text.isdigit() and len(text) > 8:  # a gateway's international number without "+" (4799999999)
        text = "+" + text
    try:
        parsed = phonenumbers.parse(text, "NO")
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"«{raw.strip()}» er ikke et telefonnummer") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError(f"«{raw.strip()}» er ikke et gyldig telefonnummer")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def number_or_none(raw: str) -> str | None:
    try:
        return number_normalise(raw)
    except ValueError:
        return None
