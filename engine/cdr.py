"""Calls Asterisk finished while the engine had no AMI connection, read back from Asterisk's own CDR.

The managed Asterisk writes one CSV line per finished call leg (``cdr_csv``, times in UTC, with uniqueid and
linkedid; see asterisk_conf/runtime.py) to ``<log>/cdr-csv/Master.csv``. After a reconnect the engine reads
what was appended since the last resync, keeps the legs that ended in the gap, and groups them by linkedid
into one call per agency. The agency comes from generated names only (channel, then context), as for events.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from asterisk_conf import naming

# cdr_csv with loguniqueid = yes and newcdrcolumns = yes (loguserfield = no).
FIELDS = ("accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata", "start",
          "answer", "end", "duration", "billsec", "disposition", "amaflags", "uniqueid", "peeraccount", "linkedid",
          "sequence")
_INTERNAL = re.compile(r"[1-9][0-9]{1,5}|[*#][0-9]{1,4}")


@dataclass(frozen=True)
class RecoveredCall:
    slug: str
    linkedid: str
    direction: str
    caller_number: str
    dialed: str
    started_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime


def _time(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def read_since(path: Path, offset: int) -> tuple[list[dict[str, str]], int]:
    """CDR rows appended after ``offset`` (a rotated, shorter file is read from the start); the new offset."""
    if not path.exists():
        return [], 0
    size = path.stat().st_size
    start = offset if 0 <= offset <= size else 0
    with path.open("rb") as f:
        f.seek(start)
        data = f.read(size - start)
    end = data.rfind(b"\n") + 1  # a line still being written is read next time
    rows = [dict(zip(FIELDS, row, strict=False)) for row in csv.reader(io.StringIO(data[:end].decode(errors="replace")))
            if len(row) >= len(FIELDS)]
    return rows, start + end


def _slug(row: dict[str, str]) -> str | None:
    return naming.agency_of(row["channel"]) or naming.agency_of(row["dcontext"])


def calls_in_gap(rows: list[dict[str, str]], start: dt.datetime, end: dt.datetime) -> list[RecoveredCall]:
    """One call per (agency, linkedid) for the legs that ended between ``start`` and ``end``."""
    legs: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in rows:
        ended = _time(row["end"])
        slug = _slug(row)
        if ended is None or slug is None or not row["linkedid"] or not start <= ended <= end:
            continue
        legs.setdefault((slug, row["linkedid"]), []).append(row)
    return [_call(slug, linkedid, group) for (slug, linkedid), group in legs.items()]


def _call(slug: str, linkedid: str, group: list[dict[str, str]]) -> RecoveredCall:
    first = next((r for r in group if r["uniqueid"] == linkedid), min(group, key=lambda r: r["start"]))
    own_phone = naming.parse_phone_channel(first["channel"])
    answered = sorted(t for r in group if r["disposition"] == "ANSWERED" and r["dstchannel"]
                      and (t := _time(r["answer"])) is not None)
    starts = [t for r in group if (t := _time(r["start"])) is not None]
    ends = [t for r in group if (t := _time(r["end"])) is not None]
    # The CDR's dst is the last extension the leg reached (for a queue call the dialplan's "queue-3"), not always
    # what was dialled: kept only when it is a number.
    dialed = first["dst"] if re.fullmatch(r"\+?[0-9*#]{2,20}", first["dst"]) else ""
    outside = bool(dialed) and not _INTERNAL.fullmatch(dialed)  # a platform extension (queue-3) is internal
    direction = ("outbound" if outside else "internal") if own_phone else "inbound"
    return RecoveredCall(slug=slug, linkedid=linkedid, direction=direction, caller_number=first["src"],
                         dialed=dialed, started_at=min(starts), answered_at=answered[0] if answered else None,
                         ended_at=max(ends))
