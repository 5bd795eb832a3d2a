"""Onboard an agency from its own spreadsheets: people, numbers, phones, queues and agents."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from agencydata.onboarding.run import onboarding_rows_run
from agencydata.onboarding.sheets import read_files
from tenants.models import Agency
from tenants.selectors import agency_get


class Command(BaseCommand):
    help = ("Les inn personer, numre, telefoner, køer og agenter fra regneark (.xlsx med ett ark per type, "
            "eller .csv per type). --prøv sjekker hver rad uten å skrive noe; ellers alt eller ingenting.")

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--slug", required=True, help="Etatens kortnavn")
        parser.add_argument("files", nargs="+", help="personer.csv, køer.csv, numre.csv, telefoner.csv, "
                                                     "agenter.csv eller én .xlsx")
        parser.add_argument("--dry-run", "--prøv", dest="dry_run", action="store_true",
                            help="Bare sjekk radene; skriv ingenting")

    def handle(self, *args: object, **o: object) -> None:
        try:
            agency = agency_get(slug=str(o["slug"]))
        except Agency.DoesNotExist as exc:
            raise CommandError(f"Fant ingen etat med kortnavnet «{o['slug']}».") from exc
        files = []
        for name in o["files"]:  # type: ignore[attr-defined]
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"Fant ikke filen {path}.")
            files.append((path.name, path.read_bytes()))
        sheets = read_files(files)
        with schema_context(agency.schema_name):
            report = onboarding_rows_run(sheets=sheets, commit=not o["dry_run"])
        for p in report.problems:
            self.stdout.write(f"{p.sheet}, rad {p.row}, kolonne «{p.column}»: {p.message}")
        if report.problems:
            raise CommandError(f"{len(report.problems)} problem(er) i {sheets.total} rader. Ingenting er skrevet.")
        if o["dry_run"]:
            self.stdout.write(self.style.SUCCESS(f"Alle {sheets.total} rader er i orden. Ingenting er skrevet (prøvekjøring)."))
        else:
            made = ", ".join(f"{n} {kind}" for kind, n in report.created.items())
            self.stdout.write(self.style.SUCCESS(f"Lest inn for {agency.schema_name}: {made}."))
