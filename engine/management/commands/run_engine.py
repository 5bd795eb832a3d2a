"""python manage.py run_engine: the live link to Asterisk as its own process (use with REDIS_URL)."""

import asyncio
import logging
import os
import signal
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand

from engine.core import COMMAND_CHANNEL
from engine.runner import EngineRunner

logger = logging.getLogger("engine.run")


def describe_channel_layer() -> str:
    """One line for the log: which channel layer this process talks through, and its prefix."""
    if os.environ.get("REDIS_URL"):
        url = urlsplit(os.environ["REDIS_URL"])  # host, port and database only: never the password
        return (f"Kanal-lag: Redis ({url.hostname}:{url.port or 6379}{url.path}), "
                f"prefiks «{settings.CHANNEL_PREFIX}», motorens kommandokanal {settings.CHANNEL_PREFIX}{COMMAND_CHANNEL}")
    return "Kanal-lag: i minnet (bare denne prosessen)"


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
        logger.info("%s", describe_channel_layer())
        try:
            await runner.start()
            self.stdout.write(self.style.SUCCESS("Motoren kjører."))
            await stop.wait()
        finally:
            await runner.stop()
        logger.info("Motoren er stoppet.")
