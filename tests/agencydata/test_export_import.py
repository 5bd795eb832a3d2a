"""The agency owns its data: one archive holds every table, its files, a manifest with checksums and a
Norwegian README; importing it as another agency and exporting again gives the same content (row IDs aside)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from agencydata.tables import tenant_models
from tests.agencydata.helpers import add_history, archive_rows

pytestmark = pytest.mark.django_db

NEW_ORG = "910000004"


@pytest.fixture
def fhi_export(tmp_path: Path, public_schema, settings) -> Path:  # type: ignore[no-untyped-def]
    settings.ASTERISK_SPOOL_DIR = tmp_path / "spool"
    # An imported copy is rendered too (and fails: its numbers stay with fhi): not into the session's config folder,
    # whose status the health tests read.
    settings.ASTERISK_CONFIG_DIR = tmp_path / "etc"
    add_history("fhi")
    out = tmp_path / "fhi.zip"
    call_command("export_agency", slug="fhi", out=str(out), stdout=io.StringIO())
    return out


def test_export_holds_every_table_file_and_checksum(fhi_export: Path) -> None:
    with zipfile.ZipFile(fhi_export) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = set(zf.namelist())
        for model in tenant_models():
            label = model._meta.label_lower
            assert {f"tabeller/{label}.jsonl", f"tabeller/{label}.csv"} <= names
            assert label in manifest["tables"]
        for name, meta in manifest["files"].items():
            assert hashlib.sha256(zf.read(name)).hexdigest() == meta["sha256"]
        assert manifest["tables"]["contactcenter.call"] == 3
        assert manifest["tables"]["switchboard.person"] == 8
        assert manifest["schema_version"]["contactcenter"].startswith("00")
        assert "filer/recordings/17000000.1-1.wav" in names and "talepost/1001/INBOX/msg0000.wav" in names
        readme = zf.read("LESMEG.md").decode()
        assert "### samtaler" in readme and "`caller_number` | fra nummer" in readme
        assert "Satt når plattformen lukket samtalen" in readme  # help_text ends up in the README
        people = list(csv.DictReader(io.StringIO(zf.read("tabeller/switchboard.person.csv").decode("utf-8-sig")),
                                     delimiter=";"))
        assert {p["first_name"] for p in people} >= {"Ingrid", "Sigrid"}
        notes = [row["fields"]["note"] for row in archive_rows(fhi_export)["contactcenter.inquiry"]]
        assert "Spørsmål om vaksine, «dose 0»; æøå ÆØÅ" in notes
        users = archive_rows(fhi_export)["auth.user"]
        assert users and all("password" not in u["fields"] for u in users)


def _canonical(rows: dict[str, list[dict]], slug: str) -> dict[str, list[str]]:
    """Rows without their own IDs, in a stable order; the agency's slug in file paths is an identifier too."""
    out = {}
    for table, items in rows.items():
        out[table] = sorted(json.dumps(r["fields"], sort_keys=True, ensure_ascii=False).replace(f"/{slug}/", "/SLUG/")
                            for r in items)
    return out


def test_round_trip_gives_the_same_content(fhi_export: Path, tmp_path: Path,
                                           django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_agency", path=str(fhi_export), slug="fhikopi", org_number=NEW_ORG, stdout=out,
                     stderr=io.StringIO())
    assert "Etaten fhikopi er opprettet" in out.getvalue()
    copied = Path(settings.ASTERISK_SPOOL_DIR) / "fhikopi" / "recordings" / "17000000.1-1.wav"
    assert copied.read_bytes() == (Path(settings.ASTERISK_SPOOL_DIR) / "fhi" / "recordings" / copied.name).read_bytes()
    voicemail = Path(settings.ASTERISK_SPOOL_DIR) / "voicemail" / "t-fhikopi" / "1001" / "INBOX" / "msg0000.wav"
    assert voicemail.read_bytes() == b"RIFF talepost"
    again = tmp_path / "fhikopi.zip"
    call_command("export_agency", slug="fhikopi", out=str(again), stdout=io.StringIO())
    assert _canonical(archive_rows(again), "fhikopi") == _canonical(archive_rows(fhi_export), "fhi")
    with zipfile.ZipFile(fhi_export) as a, zipfile.ZipFile(again) as b:
        for name in a.namelist():
            if name.startswith(("filer/", "talepost/")):
                assert a.read(name) == b.read(name)
    with schema_context("fhikopi"):  # sequences moved past the imported rows: a new row gets a new ID
        from switchboard.services import person_create

        assert person_create(first_name="Åse", last_name="Ødegård").pk > 8


def test_tampered_archive_is_refused_and_nothing_is_created(fhi_export: Path, tmp_path: Path) -> None:
    bad = tmp_path / "endret.zip"
    with zipfile.ZipFile(fhi_export) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "tabeller/switchboard.person.csv":
                data = data.replace(b"Ingrid", b"Ingrud")
            dst.writestr(info, data)
    with pytest.raises(CommandError, match="switchboard.person.csv .*kontrollsummen"):
        call_command("import_agency", path=str(bad), slug="fhikopi", org_number=NEW_ORG)
    from tenants.selectors import agency_slug_taken

    assert not agency_slug_taken(slug="fhikopi")


def test_import_refuses_a_taken_slug_in_norwegian(fhi_export: Path) -> None:
    with pytest.raises(CommandError, match="finnes allerede"):
        call_command("import_agency", path=str(fhi_export), slug="nkh", org_number=NEW_ORG)


def test_export_of_unknown_agency_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Fant ingen etat med kortnavnet «finnesikke»"):
        call_command("export_agency", slug="finnesikke", out=str(tmp_path / "x.zip"))
    assert not (tmp_path / "x.zip").exists()
