"""The renderer's own guard: refuse unsafe values again, whatever path they came by."""

from __future__ import annotations

import re

from tenants.validators import unsafe_reason

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class RenderError(ValueError):
    """A value that must not reach Asterisk config."""


def v(value: object, *, what: str = "verdi") -> str:
    """A value interpolated into config: ints as they are, strings only if safe."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str):
        raise RenderError(f"{what}: uventet type {type(value).__name__}")
    reason = unsafe_reason(value)
    if reason is not None:
        raise RenderError(f"{what} inneholder {reason}: {value!r}")
    if not value:
        raise RenderError(f"{what} er tom")
    return value


def comment(text: str, *, limit: int = 80) -> str:
    """Free text for a ``;`` comment: control characters removed, no block-comment markers."""
    clean = _CONTROL.sub(" ", text or "").strip()
    clean = clean.replace("--", "- -").replace("--", "- -")
    return clean[:limit]
