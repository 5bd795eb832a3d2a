"""Export one agency's data into one archive."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agencydata.export import agency_export
from tenants.models import Agency


class Command(BaseCommand):
    help = "Eksporter alle data for én etat (tabeller, filer, manifest og LESMEG) til ett zip-arkiv."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--slug", required=True, help="Etatens kortnavn")
        parser.add_argument("--out", required=True, help="Arkivfilen som skal skrives (.zip)")

    def handle(self, *args: object, **o: object) -> None:
        out = Path(str(o["out"]))
        if not out.parent.is_dir():
            raise CommandError(f"Mappen {out.parent} finnes ikke.")
        tmp = out.with_name(out.name + ".part")
        try:
            with tmp.open("wb") as fh:
                result = agency_export(slug=str(o["slug"]), out=fh)
        except Agency.DoesNotExist as exc:
            tmp.unlink(missing_ok=True)
            raise CommandError(f"Fant ingen etat med kortnavnet «{o['slug']}».") from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        tmp.replace(out)
        rows = sum(result.tables.values())
        self.stdout.write(self.style.SUCCESS(
            f"Eksporterte {result.slug}: {len(result.tables)} tabeller, {rows} rader, "
            f"{len(result.files)} filer til {out}."))
