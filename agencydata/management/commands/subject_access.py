"""Subject access: everything held about one phone number or one person, as one archive."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from agencydata.gdpr.subjects import subject_access_export, subject_for
from tenants.models import Agency
from tenants.selectors import agency_get


class Command(BaseCommand):
    help = "Innsyn: alt etaten har om ett telefonnummer eller én person, som ett zip-arkiv."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--slug", required=True, help="Etatens kortnavn")
        parser.add_argument("--number", default="", help="Telefonnummeret innsynet gjelder")
        parser.add_argument("--person", type=int, help="ID-en til personen innsynet gjelder")
        parser.add_argument("--out", required=True, help="Arkivfilen som skal skrives (.zip)")

    def handle(self, *args: object, **o: object) -> None:
        try:
            agency = agency_get(slug=str(o["slug"]))
        except Agency.DoesNotExist as exc:
            raise CommandError(f"Fant ingen etat med kortnavnet «{o['slug']}».") from exc
        out = Path(str(o["out"]))
        with schema_context(agency.schema_name):
            try:
                subject = subject_for(number=str(o["number"] or ""), person_id=o.get("person"))  # type: ignore[arg-type]
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            with out.open("wb") as fh:
                counts = subject_access_export(subject=subject, out=fh)
        found = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "ingenting"
        self.stdout.write(self.style.SUCCESS(f"Innsyn for {subject.label}: {found}. Skrevet til {out}."))
