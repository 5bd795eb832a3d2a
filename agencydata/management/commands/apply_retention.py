"""Apply retention now (the nightly job does the same for every agency)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from agencydata.gdpr.retention import retention_apply
from tenants.models import Agency
from tenants.selectors import agency_get


class Command(BaseCommand):
    help = "Slett det som har passert oppbevaringstiden i én etat nå (den nattlige jobben gjør det for alle)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--slug", required=True, help="Etatens kortnavn")

    def handle(self, *args: object, **o: object) -> None:
        try:
            agency = agency_get(slug=str(o["slug"]))
        except Agency.DoesNotExist as exc:
            raise CommandError(f"Fant ingen etat med kortnavnet «{o['slug']}».") from exc
        with schema_context(agency.schema_name):
            run = retention_apply()
        self.stdout.write(f"Slettet: {run.deleted or 'ingenting'}; filer: {run.files_deleted}")
        for kind, why in run.kept.items():
            self.stdout.write(f"Beholdt {kind}: {why}")
        if run.errors:
            raise CommandError(f"Feil: {run.errors}")
