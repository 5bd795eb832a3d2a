"""One function per kind of row: Norwegian columns in, the existing services called."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from contactcenter import services as cc
from contactcenter.models import Strategy
from switchboard import selectors as sb_selectors
from switchboard import services as sb
from tenants.validators import normalize_e164

# Model field -> column, per kind (how a service's ValidationError is shown on the row).
FIELD_COLUMNS: dict[str, dict[str, str]] = {
    "personer": {"first_name": "fornavn", "last_name": "etternavn", "title": "stilling", "department": "avdeling",
                 "email": "e-post", "mobile": "mobil", "number": "internnummer"},
    "køer": {"name": "navn", "number": "internnummer", "strategy": "strategi"},
    "numre": {"number": "nummer", "label": "betegnelse", "dest_kind": "mål", "dest_ref": "mål"},
    "telefoner": {"extension": "internnummer", "tier": "nivå", "label": "betegnelse", "mac_address": "mac-adresse"},
    "agenter": {"person": "internnummer", "extension": "internnummer", "queues": "køer"},
}
TIERS = {"enkel": "simple", "simple": "simple", "standard": "standard", "avansert": "advanced", "advanced": "advanced"}
YES = {"ja", "j", "x", "1", "sann", "yes", "true"}
NO = {"", "nei", "n", "0", "usann", "no", "false"}


class RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass
class Refs:
    """Rows made earlier in this run that later rows refer to (queues by name or number)."""

    queues: dict[str, object] = field(default_factory=dict)

    def queue(self, key: str):  # type: ignore[no-untyped-def]
        """A queue made earlier in this file, or one the agency already has (by name or number)."""
        from django.db.models import Q

        from contactcenter.selectors import queue_list

        found = self.queues.get(key.lower())
        return found if found is not None else queue_list().filter(Q(name__iexact=key) | Q(number=key)).first()


def column_messages(kind: str, exc: ValidationError) -> list[tuple[str, str]]:
    if not hasattr(exc, "error_dict"):
        return [("", m) for m in exc.messages]
    names = FIELD_COLUMNS.get(kind, {})
    return [(names.get(f, "" if f == "__all__" else f), m) for f, msgs in exc.message_dict.items() for m in msgs]


def _e164(values: dict[str, str], column: str, *, norwegian_only: bool = True) -> str:
    raw = values.get(column, "")
    if not raw:
        return ""
    try:
        return normalize_e164(raw, norwegian_only=norwegian_only)
    except ValidationError as exc:
        raise RowError(column, " ".join(exc.messages)) from exc


def person_row(values: dict[str, str], refs: Refs) -> None:
    person = sb.person_create(first_name=values.get("fornavn", ""), last_name=values.get("etternavn", ""),
                              title=values.get("stilling", ""), department=values.get("avdeling", ""),
                              email=values.get("e-post", ""), mobile=_e164(values, "mobil", norwegian_only=False))
    if values.get("internnummer"):
        sb.extension_create(number=values["internnummer"], person=person)


def queue_row(values: dict[str, str], refs: Refs) -> None:
    strategy = values.get("strategi", "").strip().lower() or Strategy.RRMEMORY
    by_label = {str(label).lower(): key for key, label in Strategy.choices}
    strategy = by_label.get(strategy, strategy)
    if strategy not in Strategy.values:
        raise RowError("strategi", _("Ukjent strategi «%(s)s»: bruk %(all)s.")
                       % {"s": values.get("strategi"), "all": ", ".join(str(label) for _k, label in Strategy.choices)})
    queue = cc.queue_create(name=values.get("navn", ""), number=values.get("internnummer") or None, strategy=strategy)
    refs.queues[queue.name.lower()] = queue
    if queue.number:
        refs.queues[queue.number] = queue


def did_row(values: dict[str, str], refs: Refs) -> None:
    target = values.get("mål", "").strip()
    queue = refs.queue(target) if target else None
    if queue is not None:
        kind, ref = "queue", queue.pk  # type: ignore[attr-defined]
    else:
        ext = sb_selectors.extension_by_number(number=target)
        if ext is None:
            raise RowError("mål", _("«%(t)s» er verken et internnummer eller en kø i filen.") % {"t": target})
        kind, ref = "extension", ext.pk
    sb.did_create(number=_e164(values, "nummer"), dest_kind=kind, dest_ref=ref, label=values.get("betegnelse", ""))


def _extension(values: dict[str, str]):  # type: ignore[no-untyped-def]
    number = values.get("internnummer", "")
    ext = sb_selectors.extension_by_number(number=number)
    if ext is None:
        raise RowError("internnummer", _("Internnummeret %(n)s finnes ikke (legg det på en person først).")
                       % {"n": number})
    return ext


def phone_row(values: dict[str, str], refs: Refs) -> None:
    tier = TIERS.get(values.get("nivå", "standard").strip().lower() or "standard")
    if tier is None:
        raise RowError("nivå", _("Ukjent nivå «%(t)s»: bruk enkel, standard eller avansert.") % {"t": values["nivå"]})
    sb.phone_create(extension=_extension(values), tier=tier, label=values.get("betegnelse", ""),
                    mac_address=values.get("mac-adresse", ""))


def agent_row(values: dict[str, str], refs: Refs) -> None:
    ext = _extension(values)
    person = ext.person
    if person is None:
        raise RowError("internnummer", _("Internnummeret %(n)s er ikke knyttet til en person.") % {"n": ext.number})
    flag = values.get("veileder", "").strip().lower()
    if flag not in YES | NO:
        raise RowError("veileder", _("Skriv ja eller nei."))
    queues = []
    for name in [q.strip() for q in values.get("køer", "").replace(";", ",").split(",") if q.strip()]:
        queue = refs.queue(name)
        if queue is None:
            raise RowError("køer", _("Køen «%(q)s» finnes ikke i filen.") % {"q": name})
        queues.append(queue)
    cc.agent_create(person=person, extension=ext, is_supervisor=flag in YES, queues=queues)


HANDLERS: dict[str, Callable[[dict[str, str], Refs], None]] = {
    "personer": person_row, "køer": queue_row, "numre": did_row, "telefoner": phone_row, "agenter": agent_row,
}
