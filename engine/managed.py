"""A managed local Asterisk: started and stopped by the platform with config it rendered."""

from __future__ import annotations

import logging
import subprocess
import time
from pathlib import Path

from asterisk_conf import datadir, status
from asterisk_conf.render import RenderFailed, render_to_dir
from asterisk_conf.runtime import RuntimeProfile, find_asterisk, write_runtime

logger = logging.getLogger(__name__)


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
        log = (self.profile.log_dir / "console.log").open("ab")
        self.process = subprocess.Popen([self.binary, "-C", str(self.profile.asterisk_conf), "-f", "-n", "-q"],
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Asterisk stoppet med kode {self.process.returncode}; se {self.profile.log_dir}")
            try:
                if "fully booted" in self.cli("core waitfullybooted", timeout=30).lower():
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

    def stop(self) -> None:
        status.unwatch(self.profile.etc_dir)
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.cli("core stop now", timeout=10)
            self.process.wait(timeout=15)
        except Exception:
            self.kill()

    @property
    def recordings_dir(self) -> Path:
        return self.profile.spool_dir
