"""The hash chain: canonical JSON of an entry's fields plus the hash of the entry before, SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

GENESIS = "0" * 64
CHAINED_FIELDS = ("at", "actor", "ip", "action", "model", "object_pk", "before", "after", "detail")


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON types (dates, decimals, UUIDs and anything else as text)."""
    return json.loads(json.dumps(value, cls=_Encoder, ensure_ascii=False))


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=_Encoder)


def timestamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entry_hash(*, prev_hash: str, fields: dict[str, Any]) -> str:
    body = {name: fields.get(name) for name in CHAINED_FIELDS}
    body["at"] = timestamp(body["at"])
    return hashlib.sha256(canonical({"prev": prev_hash, **body}).encode("utf-8")).hexdigest()
