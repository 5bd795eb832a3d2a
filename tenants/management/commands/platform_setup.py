"""Bring the database up to date: public schema, agency schemas, the template schema, the public tenant."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from tenants import services


class Command(BaseCommand):
    help = "Migrer plattformen (offentlig skjema, etatsskjemaer og malskjemaet) og opprett plattformdomenet."

    def handle(self, *args: object, **options: object) -> None:
        verbosity = int(options.get("verbosity", 1))
        call_command("migrate_schemas", interactive=False, verbosity=max(0, verbosity - 1))
        services.template_schema_ensure(verbosity=max(0, verbosity - 1))
        services.public_tenant_ensure()
        self.stdout.write(self.style.SUCCESS("Plattformen er klar."))
