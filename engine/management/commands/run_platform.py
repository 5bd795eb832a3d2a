"""python manage.py run_platform: the web server (HTTP + WebSocket) and the engine.

Without REDIS_URL the engine runs inside the web server's process (in-memory channel layer); with
REDIS_URL it runs as its own process and both talk through Redis.
"""

import os
import subprocess
import sys

import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start plattformen: webserver og motor (med styrt lokal Asterisk hvis ingen node er satt opp)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args: object, **options: object) -> None:
        call_command("render_asterisk_config", verbosity=0)
        engine_proc = None
        if os.environ.get("REDIS_URL"):
            engine_proc = subprocess.Popen([sys.executable, "manage.py", "run_engine"], cwd=settings.BASE_DIR)
            app = "controlplane.asgi:application"
            factory = False
        else:
            app = "controlplane.asgi:application_with_engine"
            factory = True
        self.stdout.write(self.style.SUCCESS(
            f"Plattformen kjører på http://localhost:{options['port']}/admin/ "
            f"(etatene på http://<kortnavn>.localhost:{options['port']}/)"))
        try:
            uvicorn.run(app, host=str(options["host"]), port=int(options["port"]), lifespan="on", factory=factory,
                        log_level="info")
        finally:
            if engine_proc is not None:
                engine_proc.terminate()
                engine_proc.wait(timeout=20)
