"""Export one agency: every table of its schema, its files, a manifest and a Norwegian README, into one zip.

Streamed: rows are read in chunks (``QuerySet.iterator``) and written straight into the zip entry, files are
copied block by block, so memory does not grow with the size of the agency. Library: Python's ``zipfile``
(streaming write of one entry at a time, ZIP64 for large entries), Django's own serialisers for JSON Lines and
``csv`` for the spreadsheet copy.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.serializers import jsonl
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django_tenants.utils import schema_context

from agencydata import archive
from agencydata.readme import readme_text
from agencydata.tables import columns, label, tenant_models
from tenants.models import Agency
from tenants.selectors import agency_get

CHUNK = 2000


@dataclass
class ExportResult:
    slug: str
    tables: dict[str, int] = field(default_factory=dict)
    files: dict[str, dict[str, object]] = field(default_factory=dict)


def agency_spool_dir(slug: str) -> Path:
    """The agency's own files (recordings, voicemail, prompts, uploaded music): ``ASTERISK_SPOOL_DIR/<slug>``."""
    return Path(settings.ASTERISK_SPOOL_DIR) / slug


def schema_version(slug: str) -> dict[str, str]:
    """The latest migration applied in the agency's schema, per app."""
    with schema_context(slug), connection.cursor() as cur:
        cur.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        latest: dict[str, str] = {}
        for app, name in cur.fetchall():
            latest[app] = max(latest.get(app, ""), name)
    return latest


def agency_export(*, slug: str, out: IO[bytes]) -> ExportResult:
    """Write the agency's archive to ``out`` (a file or any writable binary stream)."""
    agency = agency_get(slug=slug)
    result = ExportResult(slug=slug)
    with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
        with schema_context(slug):
            for model in tenant_models():
                result.tables[label(model)] = _write_table(zf, model, result)
        for arcname, path in _spool_files(slug):
            result.files[arcname] = _write_file(zf, arcname, path)
        _write_text(zf, archive.README, readme_text(tenant_models()), result)
        manifest = _manifest(agency, result)
        with archive.open_entry(zf, archive.MANIFEST) as raw:
            raw.write(json.dumps(manifest, ensure_ascii=False, indent=2).encode())
    return result


def _manifest(agency: Agency, result: ExportResult) -> dict[str, object]:
    ranges = [{"first": f"+{r.first}", "last": f"+{r.last}", "note": r.note} for r in agency.number_ranges.all()]
    return {
        "format": archive.FORMAT, "format_version": archive.FORMAT_VERSION,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "agency": {"slug": agency.schema_name, "name": agency.name, "org_number": agency.org_number,
                   "main_number": agency.main_number, "number_ranges": ranges},
        "schema_version": schema_version(agency.schema_name),
        "tables": result.tables,
        "files": result.files,
    }


def _write_text(zf: zipfile.ZipFile, name: str, text: str, result: ExportResult) -> None:
    with archive.open_entry(zf, name) as raw, archive.HashingWriter(raw) as sink:
        sink.write(text)
    result.files[name] = {"sha256": sink.sha.hexdigest(), "bytes": sink.size}


def _write_table(zf: zipfile.ZipFile, model: type[models.Model], result: ExportResult) -> int:
    """Both files of one table. Returns the row count."""
    name = f"{archive.TABLE_DIR}{label(model)}"
    qs = model._default_manager.order_by("pk")
    keep = [f.name for f in columns(model) if not f.primary_key] + [f.name for f in model._meta.many_to_many]
    with archive.open_entry(zf, f"{name}.jsonl") as raw, archive.HashingWriter(raw) as sink:
        rows = 0
        for chunk in _chunks(qs.iterator(chunk_size=CHUNK)):
            _Jsonl().serialize(chunk, stream=sink, fields=keep, use_natural_foreign_keys=True)
            rows += len(chunk)
    result.files[f"{name}.jsonl"] = {"sha256": sink.sha.hexdigest(), "bytes": sink.size}
    cols = columns(model)
    with archive.open_entry(zf, f"{name}.csv") as raw, archive.HashingWriter(raw) as sink:
        text = io.TextIOWrapper(_Unclosable(sink), encoding="utf-8-sig", newline="", write_through=True)
        writer = csv.writer(text, delimiter=";")
        writer.writerow([f.attname for f in cols])
        for row in qs.values_list(*[f.attname for f in cols]).iterator(chunk_size=CHUNK):
            writer.writerow([_csv_value(v) for v in row])
        text.flush()
    result.files[f"{name}.csv"] = {"sha256": sink.sha.hexdigest(), "bytes": sink.size}
    return rows


def _chunks(rows: Iterator[models.Model]) -> Iterator[list[models.Model]]:
    chunk: list[models.Model] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return value


class ExactEncoder(DjangoJSONEncoder):
    """Times with all their microseconds. Django's encoder keeps milliseconds only, so an export read back and
    exported again was not the same (a time at .000431 came back as .000, written without a fraction)."""

    def default(self, o: object) -> object:
        if isinstance(o, dt.datetime | dt.time):
            text = o.isoformat(timespec="microseconds")
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class _Jsonl(jsonl.Serializer):
    """Django's JSON Lines serialiser, each line encoded in one go (``json.dumps`` uses the C encoder; the
    streaming ``json.dump`` Django calls is pure Python and about five times slower), times to the microsecond."""

    def _init_options(self) -> None:
        super()._init_options()
        self.json_kwargs["cls"] = ExactEncoder

    def end_object(self, obj: models.Model) -> None:
        self.stream.write(json.dumps(self.get_dump_object(obj), **self.json_kwargs) + "\n")
        self._current = None


class _Unclosable(io.RawIOBase):
    """Lets a TextIOWrapper write through a HashingWriter without closing the zip entry under it."""

    def __init__(self, sink: archive.HashingWriter) -> None:
        self.sink = sink

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[no-untyped-def, override]
        self.sink.write(bytes(b))
        return len(b)


def agency_voicemail_dir(slug: str) -> Path:
    """Asterisk keeps voicemail messages in ``<spool>/voicemail/<context>/<mailbox>/``; the context is the agency's."""
    from asterisk_conf.naming import voicemail_context

    return Path(settings.ASTERISK_SPOOL_DIR) / "voicemail" / voicemail_context(slug)


def _spool_files(slug: str) -> Iterator[tuple[str, Path]]:
    for base, prefix in ((agency_spool_dir(slug), archive.FILE_DIR), (agency_voicemail_dir(slug), archive.VOICEMAIL_DIR)):
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield f"{prefix}{path.relative_to(base).as_posix()}", path


def _write_file(zf: zipfile.ZipFile, arcname: str, path: Path) -> dict[str, object]:
    with archive.open_entry(zf, arcname) as raw, path.open("rb") as src, archive.HashingWriter(raw) as sink:
        while block := src.read(archive.BLOCK):
            sink.write(block)
    return {"sha256": sink.sha.hexdigest(), "bytes": sink.size}
