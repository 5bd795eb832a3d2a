from django.core.management.base import BaseCommand

from contactcenter.demo import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Last inn demoetatene Folkehelseinstituttet og Nasjonalt klageorgan for helsetjenesten."

    def handle(self, *args: object, **options: object) -> None:
        created = demo_load()
        for agency in created:
            self.stdout.write(f"Opprettet {agency.name} ({agency.schema_name}).")
        if not created:
            self.stdout.write("Demoetatene finnes allerede.")
        self.stdout.write(self.style.SUCCESS(f"Demo klar. Innlogging: admin / {DEMO_PASSWORD}"))
