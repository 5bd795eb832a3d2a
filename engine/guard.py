"""The AMI/ARI layer's own guard: every value that reaches an action is checked here again."""

from __future__ import annotations

import re

from tenants.validators import SLUG_PATTERN, unsafe_reason

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UnsafeValue(ValueError):
    """A value refused before it could reach AMI or ARI."""


CHANNEL_RE = re.compile(
    rf"(PJSIP/{SLUG_PATTERN}-p[0-9]{{1,12}}-[0-9a-f]{{8}}"
    rf"|Local/[0-9*#a-z-]{{1,40}}@t-{SLUG_PATTERN}-[a-z]{{2,12}}-[0-9a-f]{{8}};[12])"
)
NUMBER_RE = re.compile(r"\+?[0-9]{2,20}")


def ami_value(value: object, *, what: str = "verdi") -> str:
    """A header value for an AMI action: no CR/LF or other control characters, no config/dialplan syntax."""
    text = str(value)
    if "\r" in text or "\n" in text:
        raise UnsafeValue(f"{what} inneholder linjeskift")
    reason = unsafe_reason(text)
    if reason is not None:
        raise UnsafeValue(f"{what} inneholder {reason}")
    return text


def ami_text(value: object, *, what: str = "tekst", limit: int = 200) -> str:
    """Free text for an AMI header that Asterisk only stores or shows (a pause reason's name, a note):
    ordinary Norwegian text with commas, quotes and ``&`` passes; control characters (CR/LF could end
    the header and start another action) never do. Values Asterisk parses use ``ami_value``."""
    text = str(value)
    if _CONTROL.search(text):
        raise UnsafeValue(f"{what} inneholder linjeskift eller kontrolltegn")
    if len(text) > limit:
        raise UnsafeValue(f"{what} er lengre enn {limit} tegn")
    return text


def channel_name(value: str) -> str:
    if not isinstance(value, str) or not CHANNEL_RE.fullmatch(value):
        raise UnsafeValue(f"ugyldig kanalnavn: {value!r}")
    return value


def dial_number(value: str) -> str:
    if not isinstance(value, str) or not NUMBER_RE.fullmatch(value):
        raise UnsafeValue(f"ugyldig nummer: {value!r}")
    return value


def safe_action(action: dict[str, object]) -> dict[str, str]:
    """Last check of every header of every action the AMI link sends: no CR/LF or control characters,
    so no value can end a header and start another action. (Values typed by users have already
    passed the stricter ``ami_value`` where the action was built.)"""
    out: dict[str, str] = {}
    for key, value in action.items():
        k, v = str(key), str(value)
        if _CONTROL.search(k) or _CONTROL.search(v) or not re.fullmatch(r"[A-Za-z0-9_-]+", k):
            raise UnsafeValue(f"AMI-feltet {k!r} inneholder kontrolltegn")
        out[k] = v
    return out
