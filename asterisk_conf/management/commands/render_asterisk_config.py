"""Render Asterisk config for every active agency (or one) into a directory."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from asterisk_conf.render import RenderFailed, render_to_dir
from asterisk_conf.safety import RenderError
from tenants.selectors import agency_list


class Command(BaseCommand):
    help = "Lag Asterisk-konfigurasjon for alle aktive etater (eller én) i en mappe."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--out", type=Path, default=None, help="Mappe (standard: ASTERISK_CONFIG_DIR)")
        parser.add_argument("--agency", help="Bare denne etaten (kortnavn)")

    def handle(self, *args: object, **o: object) -> None:
        out = Path(o["out"] or settings.ASTERISK_CONFIG_DIR)  # type: ignore[arg-type]
        only = None
        if o.get("agency"):
            slug = str(o["agency"])
            if not agency_list(active_only=False).filter(schema_name=slug).exists():
                raise CommandError(f"Fant ingen etat med kortnavnet «{slug}».")
            only = [slug]
        failed: dict[str, str] = {}
        try:
            result = render_to_dir(out_dir=out, only=only)
        except RenderFailed as exc:
            result, failed = exc.result, exc.failed
        except RenderError as exc:
            raise CommandError(f"Konfigurasjonen ble ikke skrevet: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(
            f"{len(result.agencies)} etat(er) laget i {out}: {len(result.written)} fil(er) endret, "
            f"{len(result.removed)} fjernet, {result.seconds * 1000:.0f} ms."))
        if failed:
            lines = [f"Konfigurasjonen for etaten «{slug}» ble ikke laget: {error}. Etatens forrige fungerende "
                     "konfigurasjon er beholdt." for slug, error in sorted(failed.items())]
            raise CommandError("\n".join(lines))
