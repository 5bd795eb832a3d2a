"""python manage.py verify_audit --slug SLUG: prove an agency's audit chain intact or name the first broken entry."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from audit.selectors import audit_chain_verify
from tenants.selectors import agency_slug_taken


class Command(BaseCommand):
    help = "Kontrollerer hash-kjeden i en etats revisjonslogg."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--slug", required=True, help="etatens kortnavn")

    def handle(self, *args, slug: str, **options) -> None:  # type: ignore[no-untyped-def]
        if slug == "public" or not agency_slug_taken(slug=slug):
            raise CommandError(_("Ukjent etat: %(slug)s") % {"slug": slug})
        with schema_context(slug):
            report = audit_chain_verify()
        if not report.ok:
            raise CommandError(_("Revisjonsloggen til %(slug)s er brutt ved post %(id)s: %(reason)s")
                               % {"slug": slug, "id": report.broken_id, "reason": report.reason}, returncode=3)
        self.stdout.write(_("Revisjonsloggen til %(slug)s er hel: %(n)d poster, siste hash %(hash)s")
                          % {"slug": slug, "n": report.count, "hash": report.last_hash})
