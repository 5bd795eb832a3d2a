"""A managed local Asterisk: started and stopped by the platform with config it rendered."""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from asterisk_conf import datadir, status
from asterisk_conf.render import RenderFailed, render_to_dir
from asterisk_conf.runtime import RuntimeProfile, find_asterisk, write_runtime

logger = logging.getLogger(__name__)


@dataclass
class SupervisorHealth:
    """What the supervisor has seen of the managed Asterisk (part of the engine's health)."""

    running: bool = False
    pid: int | None = None
    started_at: float = 0.0
    restarts: int = 0
    last_exit: str = ""
    last_exit_at: float = 0.0
    last_error: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def describe_exit(returncode: int | None) -> str:
    """'signal SIGKILL' or 'kode 1', from a Popen return code."""
    if returncode is None:
        return "ukjent"
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"kode {returncode}"


def render_agencies(etc_dir: Path) -> None:
    """Render every agency's config for the managed Asterisk. An agency that fails keeps its last good config
    (health names it); the others and Asterisk start anyway."""
    status.watch(etc_dir)
    try:
        render_to_dir(out_dir=etc_dir)
    except RenderFailed as exc:
        logger.error("Asterisk starter uten ny konfigurasjon for %s: %s", ", ".join(sorted(exc.failed)), exc)


def check_data(profile: RuntimeProfile) -> list[str]:
    """Say at start (WARNING and health) which prompts or music the generated config needs but the data
    folder lacks, instead of a failed call later."""
    missing, moh_files = datadir.check(profile.data_dir, profile.etc_dir)
    status.record_data(profile.etc_dir, datadir=str(profile.data_dir), missing_prompts=missing, moh_files=moh_files)
    return missing


class ManagedAsterisk:
    def __init__(self, profile: RuntimeProfile, binary: str | None = None) -> None:
        self.profile = profile
        self.binary = binary or find_asterisk()
        self.process: subprocess.Popen | None = None
        self.supervision = SupervisorHealth()
        self._stopping = False

    def prepare(self) -> None:
        write_runtime(self.profile)
        render_agencies(self.profile.etc_dir)
        check_data(self.profile)

    def cli(self, command: str, timeout: float = 15) -> str:
        assert self.binary
        return subprocess.run([self.binary, "-C", str(self.profile.asterisk_conf), "-rx", command],
                              capture_output=True, text=True, timeout=timeout).stdout

    def start(self, timeout: float = 60) -> None:
        assert self.binary, "ingen Asterisk funnet"
        with (self.profile.log_dir / "console.log").open("ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen([self.binary, "-C", str(self.profile.asterisk_conf), "-f", "-n", "-q"],
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Asterisk stoppet med kode {self.process.returncode}; se {self.profile.log_dir}")
            try:
                if "fully booted" in self.cli("core waitfullybooted", timeout=30).lower():
                    self.supervision.running, self.supervision.pid = True, self.process.pid
                    self.supervision.started_at = time.time()
                    logger.info("Asterisk kjører (pid %s) med konfigurasjon i %s", self.process.pid,
                                self.profile.etc_dir)
                    return
            except subprocess.TimeoutExpired:
                pass
            time.sleep(0.2)
        raise RuntimeError("Asterisk startet ikke i tide")

    def kill(self) -> None:
        """Stop at once (as a crash would)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def begin_stop(self) -> None:
        """From now on a death is a stop, not a crash: the supervisor does not restart."""
        self._stopping = True

    def stop(self) -> None:
        self.begin_stop()
        status.unwatch(self.profile.etc_dir)
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.cli("core stop now", timeout=10)
            self.process.wait(timeout=15)
        except Exception:
            self.kill()

    # -- supervision ------------------------------------------------------------------------------------------------
    async def supervise(self, *, backoff_start: float = 0.5, backoff_max: float = 30.0, stable_s: float = 60.0) -> None:
        """Watch the running Asterisk and start it again whenever it dies, until ``stop``.

        The process is waited on (a thread blocked in ``wait()``), so a death is noticed at once, not at the
        next poll. Each death is logged as a WARNING with its exit code or signal. Restarts back off from
        ``backoff_start`` doubling up to ``backoff_max``; a run longer than ``stable_s`` resets the backoff,
        so a crash loop cannot spin while a single crash is restarted at once."""
        backoff = backoff_start
        while not self._stopping:
            process = self.process
            if process is None:
                return
            returncode = await asyncio.to_thread(process.wait)
            if self._stopping or process is not self.process:
                return
            ran_for = time.time() - self.supervision.started_at
            if ran_for > stable_s:
                backoff = backoff_start
            self._record_exit(process, returncode)
            logger.warning("Asterisk (pid %s) stoppet uventet (%s) etter %.0f s; starter på nytt om %.1f s",
                           process.pid, self.supervision.last_exit, ran_for, backoff)
            while not self._stopping:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, backoff_max)
                if await self._restart():
                    break

    def _record_exit(self, process: subprocess.Popen, returncode: int | None) -> None:
        self.supervision.running, self.supervision.pid = False, None
        self.supervision.last_exit = describe_exit(returncode)
        self.supervision.last_exit_at = time.time()

    async def _restart(self) -> bool:
        try:
            await asyncio.to_thread(self.start)
        except Exception as exc:
            self.supervision.last_error = str(exc)
            logger.warning("Asterisk startet ikke igjen: %s", exc)
            if self.process is not None and self.process.poll() is None:
                await asyncio.to_thread(self.kill)
            return False
        self.supervision.restarts += 1
        self.supervision.last_error = ""
        logger.warning("Asterisk startet på nytt av plattformen (pid %s, omstart nr. %d)",
                       self.process.pid if self.process else None, self.supervision.restarts)
        return True

    @property
    def recordings_dir(self) -> Path:
        return self.profile.spool_dir
