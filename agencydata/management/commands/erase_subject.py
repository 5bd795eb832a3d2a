"""Erasure: delete what is held about one phone number or one person; prints the receipt."""

from __future__ import annotations

import getpass
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from agencydata.gdpr.subjects import subject_erase, subject_for
from tenants.models import Agency
from tenants.selectors import agency_get


class Command(BaseCommand):
    help = ("Sletting: slett det etaten har om ett telefonnummer eller én person. Skriver kvitteringen: hva som "
            "ble slettet, og hva som ble beholdt og hvorfor (pålegg om oppbevaring, revisjonslogg).")

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--slug", required=True, help="Etatens kortnavn")
        parser.add_argument("--number", default="", help="Telefonnummeret som skal slettes")
        parser.add_argument("--person", type=int, help="ID-en til personen som skal slettes")

    def handle(self, *args: object, **o: object) -> None:
        try:
            agency = agency_get(slug=str(o["slug"]))
        except Agency.DoesNotExist as exc:
            raise CommandError(f"Fant ingen etat med kortnavnet «{o['slug']}».") from exc
        with schema_context(agency.schema_name):
            try:
                subject = subject_for(number=str(o["number"] or ""), person_id=o.get("person"))  # type: ignore[arg-type]
                receipt = subject_erase(subject=subject, requested_by=f"kommandolinje:{getpass.getuser()}")
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(json.dumps({"kvittering": receipt.pk, "gjelder": receipt.subject, "slettet": receipt.deleted,
                                      "beholdt": receipt.kept}, ensure_ascii=False, indent=2))
