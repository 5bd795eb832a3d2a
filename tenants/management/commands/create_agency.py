"""Create an agency (tenant) from the command line."""

import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants import services


class Command(BaseCommand):
    help = "Opprett en etat: eget skjema, domene og første administrator."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--name", required=True, help="Etatens navn")
        parser.add_argument("--slug", required=True, help="Kortnavn (a–z, 0–9), brukes som skjemanavn")
        parser.add_argument("--org-number", required=True, help="Organisasjonsnummer (9 sifre)")
        parser.add_argument("--domain", help="Domene (standard: <kortnavn>.<plattformdomene>)")
        parser.add_argument("--admin-username", help="Brukernavn for første administrator")
        parser.add_argument("--admin-email", default="")
        parser.add_argument("--admin-password", help="Passord (spørres om hvis utelatt og --admin-username er gitt)")

    def handle(self, *args: object, **o: object) -> None:
        password = o.get("admin_password")
        if o.get("admin_username") and not password:
            password = getpass.getpass("Passord for administratoren: ") if self.stdin_is_tty() else None
        try:
            agency = services.agency_create(
                name=str(o["name"]), slug=str(o["slug"]), org_number=str(o["org_number"]),
                domain=o.get("domain") or None, admin_username=o.get("admin_username") or None,
                admin_email=str(o.get("admin_email") or ""), admin_password=password or None,
            )
        except ValidationError as exc:
            raise CommandError(_format(exc)) from exc
        domain = agency.get_primary_domain()
        self.stdout.write(self.style.SUCCESS(f"Etaten {agency.name} ({agency.schema_name}) er opprettet på {domain}."))

    @staticmethod
    def stdin_is_tty() -> bool:
        import sys

        return sys.stdin.isatty()


def _format(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)
