"""`./dev run` in zero-setup mode (no DATABASE_URL, no REDIS_URL: embedded PostgreSQL, engine and managed
Asterisk under the web server), stopped the way people stop it: `kill PID` (SIGTERM) or Ctrl-C (SIGINT).
Nothing of it may be left running, and a run that died without cleaning up (kill -9) must not stop the next
run from cleaning up.

The first test pays for the embedded PostgreSQL's first start and the platform setup; the second reuses the
same data folder.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from asterisk_conf.runtime import find_asterisk
from tests.harness.platform_harness import PlatformProcess

needs_asterisk = pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README).")


@pytest.fixture(scope="module")
def data_dir():  # type: ignore[no-untyped-def]
    """``<private temp folder>/data``, not under pytest's basetemp (which other pytest sessions make private)."""
    base = Path(tempfile.mkdtemp(prefix="cp-devrun-"))
    base.chmod(0o755)
    yield base / "data"
    shutil.rmtree(base, ignore_errors=True)


def _postmaster(data_dir: Path) -> psutil.Process | None:
    pidfile = data_dir / "pg" / "postmaster.pid"
    if not pidfile.exists():
        return None
    try:
        proc = psutil.Process(int(pidfile.read_text().split()[0]))
    except (psutil.NoSuchProcess, ValueError, IndexError):
        return None
    return proc if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE else None


def _kinds(platform: PlatformProcess) -> set[str]:
    return {"python" if name.startswith("python") else name for name in platform.names()}


@pytest.mark.asterisk
@needs_asterisk
def test_sigterm_stops_web_server_engine_asterisk_and_embedded_postgres(data_dir):
    platform = PlatformProcess(data_dir).start()
    try:
        platform.wait_engine_ok()
        assert {"python", "postgres", "asterisk"} <= _kinds(platform), platform.names()
        # Meanwhile a folder above the data becomes private (pytest does that to /tmp/pytest-of-<user>): run as
        # root, the server runs as its own user and must still be stopped cleanly, not killed.
        data_dir.parent.chmod(0o700)
        left = platform.signal_and_wait(signal.SIGTERM, timeout=60)
        assert left == [], (left, platform.log()[-3000:])
        assert platform.proc is not None and platform.proc.returncode == 0, platform.log()[-3000:]
        assert _postmaster(data_dir) is None
        assert not (data_dir / "pg" / "postmaster.pid").exists(), platform.log()[-3000:]
    finally:
        platform.kill_leftovers()


@pytest.mark.asterisk
@needs_asterisk
def test_next_run_recovers_from_a_run_killed_without_cleanup(data_dir):
    # A run killed at once (kill -9) leaves its embedded PostgreSQL running and its pid in the handle list.
    crashed = PlatformProcess(data_dir).start()
    sleeper = None
    try:
        crashed.wait_engine_ok()
        workers = [p for p in crashed.seen.values() if "procrastinate" in " ".join(_cmdline(p))]
        assert workers, "run_platform startet ingen jobbkø-prosess"
        os.kill(crashed.pid, signal.SIGKILL)
        crashed.proc.wait(timeout=10)  # type: ignore[union-attr]
        for proc in crashed.seen.values():  # its managed Asterisk too (a session of its own): not this test's subject
            if proc.is_running() and PlatformProcess._name(proc) == "asterisk":
                proc.kill()
        # Its job worker (a child) does not outlive it: it gets SIGTERM when run_platform dies and leaves.
        _, still = psutil.wait_procs(workers, timeout=30)
        assert still == [], still
        left_pg = _postmaster(data_dir)
        assert left_pg is not None
        handles = data_dir / "pg" / ".handle_pids.json"
        assert crashed.pid in json.loads(handles.read_text())
        # ... and a pid since reused by some other program.
        sleeper = subprocess.Popen(["sleep", "300"])
        handles.write_text(json.dumps([*json.loads(handles.read_text()), sleeper.pid]))

        # The next run starts, serves, and on Ctrl-C stops everything, the left-over PostgreSQL included.
        platform = PlatformProcess(data_dir).start()
        try:
            platform.wait_engine_ok()
            assert "glemmer prosesser som ikke lenger finnes" in platform.log()
            left = platform.signal_and_wait(signal.SIGINT, timeout=60)
            assert left == [], (left, handles.read_text(), platform.log()[-3000:])
            assert not left_pg.is_running()
            assert json.loads(handles.read_text()) == []
        finally:
            platform.kill_leftovers()
    finally:
        crashed.kill_leftovers()
        if sleeper is not None:
            sleeper.kill()
            sleeper.wait()


def test_a_killed_server_lingering_as_a_zombie_does_not_block_the_next_start(tmp_path):
    from controlplane.embedded_db import forget_dead_postmaster

    pg = tmp_path / "pg"
    pg.mkdir()
    dead = subprocess.Popen(["true"])  # exits and, not waited for, stays a zombie: a killed postmaster no one reaped
    for _ in range(50):
        if psutil.Process(dead.pid).status() == psutil.STATUS_ZOMBIE:
            break
        time.sleep(0.1)
    running = subprocess.Popen(["sleep", "60"])
    try:
        (pg / "postmaster.pid").write_text(f"{running.pid}\n{pg}\n1795330068\n5432\n{pg}\n\n  1  2\nready\n")
        assert forget_dead_postmaster(pg) is False and (pg / "postmaster.pid").exists()
        (pg / "postmaster.pid").write_text(f"{dead.pid}\n{pg}\n1795330068\n5432\n{pg}\n\n  1  2\nstopping\n")
        assert forget_dead_postmaster(pg) is True and not (pg / "postmaster.pid").exists()
    finally:
        running.kill()
        running.wait()
        dead.wait()


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except psutil.Error:
        return []
