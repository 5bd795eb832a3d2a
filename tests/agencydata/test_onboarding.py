"""A new agency brings its own spreadsheets: the dry run names every bad row (sheet, row, column, Norwegian
message) and writes nothing; the import writes everything or, with one bad row, nothing at all."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from contactcenter.models import Agent, Queue
from switchboard.models import Did, Person, Phone
from tenants import services as tn

pytestmark = pytest.mark.django_db

PEOPLE = """fornavn;etternavn;stilling;avdeling;e-post;mobil;internnummer
Åse;Ødegård;Rådgiver;Veiledning, «klage»;ase@example.no;+47 912 34 567;3001
Bjørn;Dæhlie;Seniorrådgiver;Veiledning;bjorn@example.no;;3002
"""
QUEUES = "navn;internnummer;strategi\nVeiledningstelefonen;3100;Ring alle\n"
NUMBERS = "nummer;mål;betegnelse\n+4722334400;Veiledningstelefonen;Hovednummer\n+4722334401;3002;Direkte\n"
PHONES = "internnummer;nivå;betegnelse;mac-adresse\n3001;avansert;Åses telefon;\n3002;enkel;;AA:BB:CC:DD:EE:01\n"
AGENTS = "internnummer;køer;veileder\n3001;Veiledningstelefonen;ja\n3002;Veiledningstelefonen;nei\n"


@pytest.fixture
def agency(public_schema) -> str:  # type: ignore[no-untyped-def]
    new = tn.agency_create(name="Statens veiledningskontor", slug="svk", org_number="910000012")
    tn.number_range_allocate(agency=new, first="+4722334400", last="+4722334449")
    return "svk"


def _files(tmp_path: Path, **overrides: str) -> list[str]:
    contents = {"personer": PEOPLE, "køer": QUEUES, "numre": NUMBERS, "telefoner": PHONES, "agenter": AGENTS}
    contents.update(overrides)
    paths = []
    for kind, text in contents.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    return paths


def _counts(slug: str) -> tuple[int, ...]:
    with schema_context(slug):
        return (Person.objects.count(), Queue.objects.count(), Did.objects.count(), Phone.objects.count(),
                Agent.objects.count())


def test_dry_run_reports_every_bad_row_and_writes_nothing(agency: str, tmp_path: Path) -> None:
    bad_people = PEOPLE + "Carl;;;;ikke-epost;;3001\n"
    bad_phones = PHONES + "3001;gull;;\n3999;standard;;\n"
    out = io.StringIO()
    with pytest.raises(CommandError, match="4 problem"):
        call_command("onboard_agency", *_files(tmp_path, personer=bad_people, telefoner=bad_phones),
                     slug=agency, dry_run=True, stdout=out)
    report = out.getvalue()
    assert "personer, rad 4, kolonne «etternavn»" in report
    assert "personer, rad 4, kolonne «e-post»" in report
    assert "telefoner, rad 4, kolonne «nivå»: Ukjent nivå «gull»" in report
    assert "telefoner, rad 5, kolonne «internnummer»: Internnummeret 3999 finnes ikke" in report
    assert _counts(agency) == (0, 0, 0, 0, 0)


def test_import_writes_everything_through_the_services(agency: str, tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("onboard_agency", *_files(tmp_path), slug=agency, dry_run=True, stdout=out)
    assert "Alle 9 rader er i orden" in out.getvalue() and _counts(agency) == (0, 0, 0, 0, 0)
    call_command("onboard_agency", *_files(tmp_path), slug=agency, stdout=out)
    assert _counts(agency) == (2, 1, 2, 2, 2)
    with schema_context(agency):
        ase = Person.objects.get(first_name="Åse")
        assert ase.department == "Veiledning, «klage»" and ase.mobile == "+4791234567"
        assert Agent.objects.get(person=ase).is_supervisor
        assert Phone.objects.get(extension__number="3002").mac_address == "aa:bb:cc:dd:ee:01"
        assert Did.objects.get(number="+4722334400").dest_kind == "queue"
        assert len(Phone.objects.get(extension__number="3001").sip_password) >= 16


def test_one_bad_row_means_nothing_is_written(agency: str, tmp_path: Path) -> None:
    taken = NUMBERS + "+4721077000;3001;Et nummer fra en annen etat\n"  # FHI's number
    out = io.StringIO()
    with pytest.raises(CommandError, match="Ingenting er skrevet"):
        call_command("onboard_agency", *_files(tmp_path, numre=taken), slug=agency, stdout=out)
    assert "numre, rad 4, kolonne «nummer»: Nummeret +4721077000 tilhører en annen etat." in out.getvalue()
    assert _counts(agency) == (0, 0, 0, 0, 0)


def test_excel_workbook_with_one_sheet_per_kind(agency: str, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, text in (("Personer", PEOPLE), ("Køer", QUEUES), ("Agenter", AGENTS)):
        ws = wb.create_sheet(title)
        for line in text.strip().splitlines():
            ws.append([int(v) if v.isdigit() else (v or None) for v in line.split(";")])
    path = tmp_path / "etaten.xlsx"
    wb.save(path)
    call_command("onboard_agency", str(path), slug=agency, stdout=io.StringIO())
    assert _counts(agency) == (2, 1, 0, 0, 2)
