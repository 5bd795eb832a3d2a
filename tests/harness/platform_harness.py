"""Run the platform the way the README says (`./dev run`) in a child process, with its own data folder and
free ports, and see which processes it leaves behind.

`./dev run` first makes `.venv` in the checkout. When the tests themselves run from that `.venv` (`./dev test`,
CI), the child is `./dev run` itself; otherwise (a checkout whose tests run from another venv) it is the script's
own `run` branch without `setup`, with this interpreter, and the same `exec`, so signals reach `run_platform`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from tests.harness.asterisk_harness import free_port
from tests.helpers import OPS_HEADERS

ROOT = Path(__file__).resolve().parents[2]
# Set by conftest for the test process's own config; a platform under test keeps everything in its data folder.
_NOT_INHERITED = ("DATABASE_URL", "REDIS_URL", "CHANNEL_PREFIX", "DJANGO_SETTINGS_MODULE", "ASTERISK_CONFIG_DIR",
                  "ASTERISK_SPOOL_DIR", "PORT")


def dev_run_command(port: int) -> list[str]:
    venv_python = ROOT / ".venv" / "bin" / "python"
    if venv_python.exists() and Path(sys.prefix).resolve() == (ROOT / ".venv").resolve():
        return [str(ROOT / "dev"), "run", "--port", str(port)]
    # The script's own `run)` branch, read from it, minus `setup`, with this interpreter for `.venv/bin/python`.
    branch = re.search(r"\n  run\)\n(.*?)\n    ;;", (ROOT / "dev").read_text(), re.S)
    assert branch is not None, "fant ikke run-grenen i ./dev"
    lines = [line.strip() for line in branch.group(1).splitlines() if line.strip() and line.strip() != "setup"]
    script = "\n".join(["set -euo pipefail", *lines]).replace(".venv/bin/python", shlex.quote(sys.executable))
    return ["bash", "-c", script, "dev", "run", "--port", str(port)]


class PlatformProcess:
    """One `./dev run` with its data folder in ``data_dir`` (``env`` adds DATABASE_URL, REDIS_URL, ...)."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
        self.env.update(PLATFORM_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1",
                        ASTERISK_SIP_PORT=str(free_port(socket.SOCK_DGRAM)), ASTERISK_AMI_PORT=str(free_port()),
                        ASTERISK_HTTP_PORT=str(free_port()), **env)
        self.log_path = data_dir / f"dev-run-{self.port}.log"
        self.proc: subprocess.Popen | None = None
        self.seen: dict[int, psutil.Process] = {}

    # -- running ----------------------------------------------------------------------------------------------
    def start(self) -> PlatformProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(dev_run_command(self.port), cwd=ROOT, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path: str, host: str = "localhost", timeout: float = 10) -> httpx.Response:
        headers = {"Host": f"{host}:{self.port}", **OPS_HEADERS}  # the ops token opens /health/engine
        return httpx.get(self.url(path), headers=headers, timeout=timeout)

    def wait_engine_ok(self, timeout: float = 240) -> dict:
        """Wait until /health/engine says ok (the platform set up, started, and its engine reached Asterisk)."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"./dev run stoppet med kode {self.proc.returncode}:\n{self.log()[-6000:]}")
            with contextlib.suppress(httpx.HTTPError):
                response = self.get("/health/engine", timeout=5)
                last = response.text
                if response.status_code == 200 and response.json().get("engine") == "ok":
                    self.remember_processes()
                    return response.json()
            time.sleep(0.5)
        raise AssertionError(f"motoren ble ikke ok på {timeout} s ({last}):\n{self.log()[-6000:]}")

    # -- processes ----------------------------------------------------------------------------------------------
    def remember_processes(self) -> dict[int, psutil.Process]:
        """The platform's processes now: run_platform and its children, and whatever runs from its data folder
        (the embedded PostgreSQL and the managed Asterisk start in sessions of their own)."""
        found: list[psutil.Process] = []
        with contextlib.suppress(psutil.NoSuchProcess):
            main = psutil.Process(self.pid)
            found += [main, *main.children(recursive=True)]
        for proc in psutil.process_iter(["cmdline"]):
            if str(self.data_dir) in " ".join(proc.info["cmdline"] or []):
                found.append(proc)
        for proc in found:
            self.seen[proc.pid] = proc
        return self.seen

    def names(self) -> set[str]:
        return {self._name(p) for p in self.seen.values()}

    @staticmethod
    def _name(proc: psutil.Process) -> str:
        with contextlib.suppress(psutil.Error):
            return proc.name()
        return "?"

    def alive(self) -> list[str]:
        """Processes seen earlier that still run (same pid and start time)."""
        out = []
        for proc in self.seen.values():
            with contextlib.suppress(psutil.NoSuchProcess):
                if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                    out.append(f"{proc.pid} {' '.join(proc.cmdline())[:160]}")
        return out

    def signal_and_wait(self, sig: int, timeout: float = 60) -> list[str]:
        """Send ``sig`` to the platform's process only (as `kill PID` does); the processes left after ``timeout``."""
        assert self.proc is not None
        self.remember_processes()
        os.kill(self.pid, sig)
        deadline = time.monotonic() + timeout
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=timeout)
        while time.monotonic() < deadline and self.alive():
            time.sleep(0.2)
        return self.alive()

    def kill_leftovers(self) -> None:
        """Test cleanup: end, by pid, every process of this platform still running."""
        if self.proc is not None and self.proc.poll() is None:
            self.remember_processes()
        for proc in self.seen.values():
            with contextlib.suppress(psutil.Error):
                if proc.is_running():
                    proc.kill()
        if self.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)


def database_url_of(settings_dict: dict) -> str:
    """A DATABASE_URL for the database Django is connected to (TCP or Unix socket)."""
    from urllib.parse import quote

    host = str(settings_dict.get("HOST") or "")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    password = f":{quote(str(settings_dict['PASSWORD']), safe='')}" if settings_dict.get("PASSWORD") else ""
    return f"postgres://{quote(str(settings_dict['USER']), safe='')}{password}@{quote(host, safe='')}{port}" \
           f"/{settings_dict['NAME']}"

