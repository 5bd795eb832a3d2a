"""The kinds of personal data the platform holds, registered by the app that owns each.

Each kind says how to find its rows that are past a cut-off date (retention), its rows about one phone number or
one person (subject access, erasure) and the files that belong to rows (recordings). An app that adds personal
data (callbacks, SMS log, audit ...) registers its kind in its ``AppConfig.ready()``::

    from agencydata.gdpr.registry import DataKind, register_kind

    register_kind(DataKind(kind="sms", label=_("SMS-logg"), default_days=DEFAULT_DAYS["sms"],
                           expired=lambda cutoff: Sms.objects.filter(sent_at__lt=cutoff),
                           for_number=lambda variants: Sms.objects.filter(to_number__in=variants)))

Everything runs inside the agency's schema.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import QuerySet

# The platform's defaults in days (None: kept until deleted by hand). Documented in docs/personvern.md; an agency
# changes them in its admin (Oppbevaringstider). Kinds registered later take theirs from here too.
DEFAULT_DAYS: dict[str, int | None] = {
    "calls": 365,
    "queue_visits": 365,
    "agent_sessions": 42,
    "agent_pauses": 42,
    "inquiries": 730,
    "callbacks": 90,
    "sms": 90,
    "audit": 1825,
    "directory": None,
    "voicemail": 90,
}


@dataclass(frozen=True)
class FileItem:
    """One piece of personal data kept as files, not rows (a voicemail message: its .txt and .wav): when it was
    made, the phone number it is from (as written, '' if none) and the person it belongs to (None if nobody)."""

    paths: tuple[Path, ...]
    at: dt.datetime
    number: str = ""
    person_id: int | None = None
    info: dict = field(default_factory=dict)  # what subject access shows of it


@dataclass(frozen=True)
class DataKind:
    kind: str
    label: str
    default_days: int | None
    # Rows older than the cut-off (None: never deleted by time).
    expired: Callable[[dt.datetime], QuerySet] | None = None
    # Rows about a phone number, given the number's spellings (see subjects.number_variants).
    for_number: Callable[[list[str]], QuerySet] | None = None
    # Rows about a person (a switchboard Person).
    for_person: Callable[[object], QuerySet] | None = None
    # Files that belong to the given rows (deleted with them).
    files: Callable[[QuerySet], Iterable[Path]] | None = None
    # Erasure for a number / for a person deletes the matching rows; False: they are kept, and the receipt says
    # why (``kept_reason``).
    erase_by_number: bool = True
    erase_by_person: bool = True
    kept_reason: str = ""
    # Lower first: rows that point at others are deleted before what they point at.
    order: int = 50
    # A kind kept as files (voicemail): every item of the agency. Retention, subject access and erasure use it
    # instead of the row callbacks above.
    file_items: Callable[[], Iterable[FileItem]] | None = None


_KINDS: dict[str, DataKind] = {}


def register_kind(kind: DataKind) -> None:
    _KINDS[kind.kind] = kind


def kinds() -> list[DataKind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.kind))


def kind_get(name: str) -> DataKind:
    return _KINDS[name]
