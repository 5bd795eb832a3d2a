"""One presence per person, merged from four sources (docs/tilstedevaerelse.md):

- phone: the device state of the person's phones (Asterisk's device state, the same as the busy-lamp hints);
- calendar: what the person's calendar says now (``CalendarPresence``, filled by a calendar source such as the
  Microsoft 365 sync; any source registers itself with ``register_calendar_source``);
- own status: what the person set (``PersonStatus``), until it expires;
- mobile: the mobile operator's presence API for the person's mobile number (``MobilePresenceAdapter``).

The merge rule (``merge``) is one pure function, tested on its own: the first rule that matches wins.

1. On the phone (in use, ringing, on hold)          -> ``busy``   («I telefonen»)        [phone]
2. Own status «Ikke forstyrr»                         -> ``dnd``                            [own]
3. Mobile in a call                                   -> ``busy``   («I mobilsamtale»)     [mobile]
4. Calendar out of office                             -> ``away``   («Fraværende til ...»)  [calendar]
5. Own status busy/away/offline (not expired)         -> that status                       [own]
6. Calendar in a meeting (busy)                       -> ``busy``   («I møte til ...»)      [calendar]
7. Phone unavailable and mobile not reachable         -> ``offline``                       [phone]
8. Otherwise                                          -> ``available``

A source that could not be read (down, too slow) is left out, never guessed: the rule runs on what is known, and the
result lists which sources it used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

PHONE_BUSY = {"INUSE", "BUSY", "RINGING", "RINGINUSE", "ONHOLD"}
PHONE_GONE = {"UNAVAILABLE", "INVALID"}


@dataclass(frozen=True)
class CalendarState:
    state: str  # free, busy, tentative, oof, elsewhere
    until: dt.datetime | None = None
    location: str = ""


@dataclass(frozen=True)
class MobileState:
    state: str  # idle, in_call, unreachable
    since: dt.datetime | None = None


@dataclass(frozen=True)
class Presence:
    status: str  # available, busy, away, dnd, offline
    reason: str = ""  # phone, own, mobile, calendar, "" (nothing said otherwise)
    until: dt.datetime | None = None
    note: str = ""
    sources: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return {"status": self.status, "reason": self.reason, "note": self.note,
                "until": self.until.isoformat() if self.until else None, "sources": list(self.sources)}


class CalendarSource(Protocol):
    """A calendar (the Microsoft 365 sync fills ``CalendarPresence``; another source can answer directly)."""

    def current(self, person_ids: list[int]) -> dict[int, CalendarState]: ...


class MobilePresenceAdapter(Protocol):
    """A mobile operator's presence API: the state of each mobile number (E.164)."""

    def states(self, numbers: list[str]) -> dict[str, MobileState]: ...


_CALENDAR_SOURCES: list[Callable[[], CalendarSource]] = []


def register_calendar_source(factory: Callable[[], CalendarSource]) -> None:
    """Plug a calendar in (the Microsoft 365 sync registers itself here, from its app's ``ready()``)."""
    if factory not in _CALENDAR_SOURCES:
        _CALENDAR_SOURCES.append(factory)


def calendar_sources() -> list[CalendarSource]:
    from switchboard.presence_sources import StoredCalendar

    return [StoredCalendar(), *(factory() for factory in _CALENDAR_SOURCES)]


def merge(*, phone: str | None, own: tuple[str, str, dt.datetime | None] | None, calendar: CalendarState | None,
          mobile: MobileState | None, now: dt.datetime) -> Presence:
    """The merge rule above. ``phone``: device state (``INUSE``, ``NOT_INUSE``, ...); ``own``: (status, note, until);
    None for a source that has nothing (or could not be read)."""
    sources = tuple(name for name, value in (("phone", phone), ("own", own), ("calendar", calendar),
                                             ("mobile", mobile)) if value is not None)
    if own is not None and own[2] is not None and own[2] <= now:
        own = None  # expired
    if calendar is not None and calendar.until is not None and calendar.until <= now:
        calendar = None
    rules: Iterable[tuple[bool, Callable[[], Presence]]] = (
        (phone in PHONE_BUSY, lambda: Presence("busy", "phone", note="I telefonen", sources=sources)),
        (own is not None and own[0] == "dnd", lambda: Presence("dnd", "own", own[2], own[1], sources)),
        (mobile is not None and mobile.state == "in_call",
         lambda: Presence("busy", "mobile", note="I mobilsamtale", sources=sources)),
        (calendar is not None and calendar.state == "oof",
         lambda: Presence("away", "calendar", calendar.until, "Fraværende", sources)),
        (own is not None and own[0] in ("busy", "away", "offline"),
         lambda: Presence(own[0], "own", own[2], own[1], sources)),
        (calendar is not None and calendar.state == "busy",
         lambda: Presence("busy", "calendar", calendar.until, "I møte", sources)),
        (phone in PHONE_GONE and (mobile is None or mobile.state == "unreachable"),
         lambda: Presence("offline", "phone", sources=sources)),
    )
    for matches, build in rules:
        if matches:
            return build()
    return Presence("available", "", sources=sources)


def announce_presence(*, schema_name: str, person_ids: list[int]) -> None:
    """Push the merged presence of ``person_ids`` to the agency's consoles (group ``live.<slug>``)."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer
    from django_tenants.utils import schema_context

    from engine.client import live_group
    from switchboard.selectors import presence_for

    with schema_context(schema_name):
        merged = presence_for(person_ids=person_ids)
    changes = [{"kind": "presence", "uniqueid": f"presence:{pid}", "person_id": pid, **p} for pid, p in merged.items()]
    import time

    async_to_sync(get_channel_layer().group_send)(live_group(schema_name), {
        "type": "live.update", "agency": schema_name, "changes": changes, "ts": time.time()})
