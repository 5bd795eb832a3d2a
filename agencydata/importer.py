"""Recreate an agency from an export archive (``agencydata.export``).

Checks first, writes after: the archive's checksums, its format and schema version, and that every table in it
is known here. Then, in one transaction, the agency is created through ``tenants.services.agency_create`` (its
own schema cloned from the template), its number ranges handed to it where they are free, and every table loaded
in dependency order with the row IDs of the export (a new schema has nothing to collide with, so nothing needs
remapping; only file paths that pointed into the old agency's folder are moved to the new one). Sequences are
then moved past the loaded IDs. The agency's files are unpacked into a staging folder and moved into place
only when the transaction has committed.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from agencydata import archive
from agencydata.export import agency_spool_dir, agency_voicemail_dir, schema_version
from agencydata.tables import label, tenant_models
from tenants import services as tenant_services

BATCH = 2000


@dataclass
class ImportResult:
    slug: str
    tables: dict[str, int] = field(default_factory=dict)
    files: int = 0
    warnings: list[str] = field(default_factory=list)


def archive_check(zf: zipfile.ZipFile) -> dict:  # type: ignore[type-arg]
    """The manifest of a sound archive; ValidationError (Norwegian) naming the first problem otherwise."""
    try:
        manifest = json.loads(zf.read(archive.MANIFEST))
    except (KeyError, ValueError) as exc:
        raise ValidationError(_("Arkivet har ikke noe gyldig manifest.json: er det en eksport fra plattformen?")) from exc
    if manifest.get("format") != archive.FORMAT or manifest.get("format_version") != archive.FORMAT_VERSION:
        raise ValidationError(_("Arkivet har et ukjent format (%(f)s).") % {"f": manifest.get("format")})
    for name, meta in manifest.get("files", {}).items():
        try:
            ok = archive.entry_sha256(zf, name) == meta["sha256"]
        except KeyError:
            ok = False
        if not ok:
            raise ValidationError(_("Filen %(name)s i arkivet mangler eller er endret (kontrollsummen stemmer ikke).")
                                  % {"name": name})
    here = schema_version(_template())
    if manifest.get("schema_version") != here:
        raise ValidationError(_("Arkivet er laget med en annen skjemaversjon enn denne plattformen har "
                                "(arkivet: %(a)s; her: %(b)s). Oppgrader plattformen eller eksporter på nytt.")
                              % {"a": manifest.get("schema_version"), "b": here})
    known = {label(m) for m in tenant_models()}
    unknown = sorted(set(manifest.get("tables", {})) - known)
    if unknown:
        raise ValidationError(_("Arkivet har tabeller denne plattformen ikke kjenner: %(t)s.") % {"t": ", ".join(unknown)})
    return manifest


def _template() -> str:
    from django.conf import settings

    return settings.TENANT_BASE_SCHEMA


def agency_import(*, path: Path, slug: str, name: str | None = None, org_number: str | None = None) -> ImportResult:
    """Create agency ``slug`` from the archive at ``path``. All or nothing."""
    with zipfile.ZipFile(path) as zf:
        manifest = archive_check(zf)
        source = manifest["agency"]
        target = agency_spool_dir(slug)
        for folder in (target, agency_voicemail_dir(slug)):
            if folder.exists() and any(folder.iterdir()):
                raise ValidationError(_("Mappen %(dir)s finnes allerede og er ikke tom.") % {"dir": folder})
        staging = target.with_name(f".import-{slug}")
        shutil.rmtree(staging, ignore_errors=True)
        result = ImportResult(slug=slug)
        try:
            with transaction.atomic():
                _agency_create(source, slug=slug, name=name, org_number=org_number, result=result)
                prefix = (str(agency_spool_dir(source["slug"])) + "/", str(target) + "/")
                with schema_context(slug):
                    for model in tenant_models():
                        if label(model) in manifest["tables"]:
                            result.tables[label(model)] = _load_table(zf, model, prefix)
                    _reset_sequences()
                listed = set(manifest.get("files", {}))
                result.files = _unpack_files(zf, staging, listed=listed, prefix=archive.FILE_DIR)
                vm_staging, vm_target = staging.with_name(f".import-{slug}-talepost"), agency_voicemail_dir(slug)
                result.files += _unpack_files(zf, vm_staging, listed=listed, prefix=archive.VOICEMAIL_DIR)
                transaction.on_commit(lambda: _move_into_place(staging, target))
                transaction.on_commit(lambda: _move_into_place(vm_staging, vm_target))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(staging.with_name(f".import-{slug}-talepost"), ignore_errors=True)
            raise
    return result


def _agency_create(source: dict, *, slug: str, name: str | None, org_number: str | None,  # type: ignore[type-arg]
                   result: ImportResult) -> None:
    agency = tenant_services.agency_create(name=name or source["name"], slug=slug,
                                           org_number=org_number or source["org_number"])
    for rng in source.get("number_ranges", []):
        try:
            with transaction.atomic():
                tenant_services.number_range_allocate(agency=agency, first=rng["first"], last=rng["last"],
                                                      note=rng.get("note", ""))
        except ValidationError as exc:
            result.warnings.append(_("Nummerserien %(first)s–%(last)s ble ikke tildelt: %(why)s")
                                   % {"first": rng["first"], "last": rng["last"], "why": " ".join(exc.messages)})
    if source.get("main_number"):
        try:
            with transaction.atomic():
                tenant_services.agency_update(agency=agency, main_number=source["main_number"])
        except ValidationError as exc:
            result.warnings.append(_("Hovednummeret ble ikke satt: %(why)s") % {"why": " ".join(exc.messages)})


def _load_table(zf: zipfile.ZipFile, model: type[models.Model], prefix: tuple[str, str]) -> int:
    name = f"{archive.TABLE_DIR}{label(model)}.jsonl"
    with zf.open(name) as raw:
        lines = io.TextIOWrapper(raw, encoding="utf-8")
        rows = 0
        for batch in _batches(serializers.deserialize("jsonl", lines, handle_forward_references=True)):
            objs = [_prepared(d.object, prefix) for d in batch]
            if model._meta.parents:  # multi-table inheritance: one raw save per row (as loaddata)
                for d in batch:
                    d.save()
                rows += len(batch)
                continue
            # A raw insert, as loaddata's raw save: stored values as they are (no auto_now), no signals.
            model._base_manager._insert(objs, fields=model._meta.local_concrete_fields, raw=True)
            _insert_links(model, batch)
            rows += len(batch)
    return rows


def _insert_links(model: type[models.Model], batch: list) -> None:  # type: ignore[type-arg]
    """Many-to-many links straight into their link tables, like the rows (no signals: nobody changed anything)."""
    for m2m in model._meta.many_to_many:
        through = m2m.remote_field.through
        source, target = f"{m2m.m2m_field_name()}_id", f"{m2m.m2m_reverse_field_name()}_id"
        links = [through(**{source: d.object.pk, target: value})
                 for d in batch for value in (d.m2m_data or {}).get(m2m.name, [])]
        if links:
            through._base_manager.bulk_create(links, batch_size=BATCH)


def _batches(items: Iterator) -> Iterator[list]:  # type: ignore[type-arg]
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _prepared(obj: models.Model, prefix: tuple[str, str]) -> models.Model:
    """Move file paths that pointed into the old agency's folder; users get no password (see LESMEG)."""
    old, new = prefix
    for f in obj._meta.concrete_fields:
        value = getattr(obj, f.attname)
        if isinstance(value, str) and value.startswith(old):
            setattr(obj, f.attname, new + value[len(old):])
    if hasattr(obj, "set_unusable_password") and not getattr(obj, "password", ""):
        obj.set_unusable_password()
    return obj


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), tenant_models())
    if statements:
        with connection.cursor() as cur:
            for sql in statements:
                cur.execute(sql)


def _unpack_files(zf: zipfile.ZipFile, staging: Path, *, listed: set[str], prefix: str) -> int:
    """The agency's files under ``prefix``: only those the manifest lists (and whose checksums were checked)."""
    count = 0
    for info in zf.infolist():
        if not info.filename.startswith(prefix) or info.is_dir() or info.filename not in listed:
            continue
        rel = Path(info.filename[len(prefix):])
        if rel.is_absolute() or ".." in rel.parts:
            raise ValidationError(_("Arkivet har et ugyldig filnavn: %(name)s") % {"name": info.filename})
        dest = staging / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, dest.open("wb") as out:
            shutil.copyfileobj(src, out, archive.BLOCK)
        count += 1
    return count


def _move_into_place(staging: Path, target: Path) -> None:
    if not staging.exists():
        return
    if target.exists():
        target.rmdir()  # empty (checked before the import)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(target)
