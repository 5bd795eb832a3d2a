"""python manage.py run_engine: the live link to Asterisk as its own process (use with REDIS_URL)."""

import asyncio
import signal

from django.core.management.base import BaseCommand

from engine.runner import EngineRunner


class Command(BaseCommand):
    help = "Start motoren: AMI/ARI mot alle Asterisk-noder (eller en styrt lokal Asterisk)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--no-managed-asterisk", action="store_true",
                            help="Ikke start en lokal Asterisk selv om ingen node er satt opp.")

    def handle(self, *args: object, **options: object) -> None:
        asyncio.run(self._main(not options["no_managed_asterisk"]))

    async def _main(self, manage: bool) -> None:
        runner = EngineRunner(manage_asterisk=manage)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await runner.start()
        self.stdout.write(self.style.SUCCESS("Motoren kjører."))
        await stop.wait()
        await runner.stop()
