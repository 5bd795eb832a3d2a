"""Subject access (everything about one phone number or one person, as one archive) and erasure (with a receipt
of what was deleted and what was kept, and why)."""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencydata import archive
from agencydata.export import _Jsonl
from agencydata.gdpr.holds import kind_hold_reason, subject_hold_reason
from agencydata.gdpr.registry import DataKind, FileItem, kinds
from agencydata.gdpr.retention import delete_files
from agencydata.models import ErasureReceipt

AUDIT_KEPT = _("Revisjonsloggen beholdes: den dokumenterer at innsyn og sletting ble gjort. Den har ikke numre eller "
              "tekster fra samtaler, henvendelser og meldinger, bare hvem som gjorde hva.")


@dataclass(frozen=True)
class Subject:
    """One phone number (all its spellings) or one person."""

    variants: list[str]
    person: object | None
    label: str


def number_variants(number: str) -> list[str]:
    """The ways a Norwegian or foreign number shows up in call data: +4791234567, 4791234567, 004791234567 and
    91234567 (national). Spaces and dashes are ignored."""
    digits = re.sub(r"[\s\-().]", "", number or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if re.fullmatch(r"[0-9]{8}", digits):
        digits = "+47" + digits
    if not re.fullmatch(r"\+?[0-9]{3,15}", digits):
        raise ValidationError(_("«%(n)s» er ikke et telefonnummer.") % {"n": number})
    bare = digits.lstrip("+")
    out = {digits, bare, "+" + bare, "00" + bare}
    if bare.startswith("47") and len(bare) == 10:
        out.add(bare[2:])
    return sorted(out)


def subject_for(*, number: str = "", person_id: int | None = None) -> Subject:
    from switchboard.models import Person

    if bool(number) == bool(person_id):
        raise ValidationError(_("Oppgi enten et telefonnummer eller en person."))
    if number:
        variants = number_variants(number)
        return Subject(variants=variants, person=None, label=_("telefonnummer %(n)s") % {"n": variants[0]})
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise ValidationError(_("Fant ingen person med ID %(id)s.") % {"id": person_id})
    return Subject(variants=[], person=person, label=_("person %(id)s") % {"id": person.pk})


def item_about(item: FileItem, *, variants: list[str], person: object | None) -> bool:
    """Whether a file item is about the subject: of the person, or from one of the number's spellings."""
    if person is not None:
        return item.person_id is not None and item.person_id == getattr(person, "pk", None)
    try:
        return bool(item.number) and bool(set(number_variants(item.number)) & set(variants))
    except ValidationError:
        return False  # "Ukjent", a name only: about no number


def _items(kind: DataKind, subject: Subject) -> list[FileItem]:
    return [i for i in kind.file_items() if item_about(i, variants=subject.variants, person=subject.person)]


def _export_items(zf: zipfile.ZipFile, kind: DataKind, items: list[FileItem]) -> None:
    lines = [json.dumps({**item.info, "tid": item.at.isoformat(timespec="seconds")}, ensure_ascii=False)
             for item in items]
    zf.writestr(f"{kind.kind}.jsonl", "".join(f"{line}\n" for line in lines))
    for item in items:
        for path in item.paths:
            if path.is_file():
                zf.write(path, f"filer/{kind.kind}/{path.parent.parent.name}-{path.parent.name}-{path.name}")


def _rows(kind: DataKind, subject: Subject):  # type: ignore[no-untyped-def]
    if subject.person is not None:
        return kind.for_person(subject.person) if kind.for_person is not None else None
    return kind.for_number(subject.variants) if kind.for_number is not None else None


def subject_access_export(*, subject: Subject, out: IO[bytes]) -> dict[str, int]:
    """Everything about the subject in one zip: one JSON Lines file per kind, the files (recordings), a summary."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
        for kind in kinds():
            if kind.file_items is not None:
                items = _items(kind, subject)
                _export_items(zf, kind, items)
                counts[kind.kind] = len(items)
                continue
            rows = _rows(kind, subject)
            if rows is None:
                continue
            with archive.open_entry(zf, f"{kind.kind}.jsonl") as raw, archive.HashingWriter(raw) as sink:
                counts[kind.kind] = 0
                for obj in rows.order_by("pk").iterator(chunk_size=500):
                    _Jsonl().serialize([obj], stream=sink, use_natural_foreign_keys=True, fields=_fields(obj))
                    counts[kind.kind] += 1
            for path in (kind.files(rows) if kind.files is not None else []):
                if path.is_file():
                    zf.write(path, f"filer/{kind.kind}/{path.name}")
        summary = {"gjelder": str(subject.label), "laget": timezone.now().isoformat(timespec="seconds"),
                   "antall": counts}
        zf.writestr("innsyn.json", json.dumps(summary, ensure_ascii=False, indent=2))
    return counts


def _fields(obj) -> list[str]:  # type: ignore[no-untyped-def]
    secret = {"sip_password", "password", "pin"}
    return [f.name for f in obj._meta.concrete_fields if not f.primary_key and f.name not in secret]


@transaction.atomic
def subject_erase(*, subject: Subject, requested_by: str) -> ErasureReceipt:
    """Delete what the platform holds about the subject, except what must be kept; the receipt says which."""
    deleted: dict[str, int] = {}
    kept: dict[str, dict[str, object]] = {}
    paths = []
    held = subject_hold_reason(variants=subject.variants, person=subject.person)
    for kind in kinds():
        items = _items(kind, subject) if kind.file_items is not None else None
        rows = None if items is not None else _rows(kind, subject)
        if items is None and rows is None:
            continue
        allowed = kind.erase_by_person if subject.person is not None else kind.erase_by_number
        reason = held or kind_hold_reason(kind) or (None if allowed else str(kind.kept_reason))
        count = len(items) if items is not None else rows.count()
        if reason:
            if count:
                kept[kind.kind] = {"antall": count, "hvorfor": str(reason)}
            continue
        if items is not None:
            paths += [path for item in items for path in item.paths]
            deleted[kind.kind] = count
            continue
        paths += list(kind.files(rows)) if kind.files is not None else []
        model = rows.model
        _total, per_model = rows.delete()
        deleted[kind.kind] = per_model.get(model._meta.label, 0)
    kept["audit"] = {"antall": None, "hvorfor": str(AUDIT_KEPT)}
    receipt = ErasureReceipt.objects.create(requested_by=requested_by[:150], subject=str(subject.label)[:200],
                                            deleted=deleted, kept=kept)
    transaction.on_commit(lambda: delete_files(paths))
    return receipt
