"""Recreate an agency from an export archive."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from agencydata.importer import agency_import


class Command(BaseCommand):
    help = "Opprett en etat fra et eksportarkiv (export_agency): alle tabeller og filer, alt eller ingenting."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--in", dest="path", required=True, help="Eksportarkivet (.zip)")
        parser.add_argument("--slug", required=True, help="Kortnavnet den nye etaten skal ha")
        parser.add_argument("--name", help="Navn (standard: navnet i arkivet)")
        parser.add_argument("--org-number", help="Organisasjonsnummer (standard: nummeret i arkivet)")

    def handle(self, *args: object, **o: object) -> None:
        path = Path(str(o["path"]))
        if not path.is_file():
            raise CommandError(f"Fant ikke arkivet {path}.")
        try:
            result = agency_import(path=path, slug=str(o["slug"]), name=o.get("name") or None,  # type: ignore[arg-type]
                                   org_number=o.get("org_number") or None)  # type: ignore[arg-type]
        except ValidationError as exc:
            raise CommandError(_format(exc)) from exc
        except (OSError, ValueError) as exc:
            raise CommandError(f"Arkivet kan ikke leses: {exc}") from exc
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(warning))
        rows = sum(result.tables.values())
        self.stdout.write(self.style.SUCCESS(
            f"Etaten {result.slug} er opprettet: {len(result.tables)} tabeller, {rows} rader, {result.files} filer."))


def _format(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)
