"""Start a real Asterisk on 127.0.0.1 with config this project rendered."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from asterisk_conf.render import render_to_dir
from asterisk_conf.runtime import RuntimeProfile, find_asterisk, guess_dirs, write_runtime


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningAsterisk:
    binary: str
    profile: RuntimeProfile
    process: subprocess.Popen | None = None

    def cli(self, command: str, timeout: float = 20) -> str:
        out = subprocess.run([self.binary, "-C", str(self.profile.asterisk_conf), "-rx", command],
                             capture_output=True, text=True, timeout=timeout)
        return out.stdout

    def log_lines(self) -> list[str]:
        path = self.profile.log_dir / "messages.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    def problems(self) -> list[str]:
        return [line for line in self.log_lines() if "WARNING[" in line or "ERROR[" in line]

    def start(self, timeout: float = 60) -> None:
        self.process = subprocess.Popen([self.binary, "-C", str(self.profile.asterisk_conf), "-f", "-n", "-q"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Asterisk avsluttet med kode {self.process.returncode}: "
                                   + "\n".join(self.log_lines()[-20:]))
            try:
                if "fully booted" in self.cli("core waitfullybooted", timeout=30).lower():
                    return
            except subprocess.TimeoutExpired:
                pass
            time.sleep(0.2)
        raise RuntimeError("Asterisk startet ikke i tide")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                self.cli("core stop now", timeout=10)
                self.process.wait(timeout=15)
            except Exception:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


def prepare(base_dir: Path) -> RunningAsterisk | None:
    """Render runtime and agency config into ``base_dir``; None if no Asterisk is installed."""
    binary = find_asterisk()
    if binary is None:
        return None
    moddir, datadir = guess_dirs(binary)
    profile = RuntimeProfile(base_dir=base_dir, sip_port=free_port(socket.SOCK_DGRAM), ami_port=free_port(),
                             http_port=free_port(), rtp_start=int(os.environ.get("TEST_RTP_START", "31000")),
                             rtp_end=int(os.environ.get("TEST_RTP_END", "31999")), moddir=moddir, datadir=datadir)
    write_runtime(profile)
    render_to_dir(out_dir=profile.etc_dir)
    return RunningAsterisk(binary=binary, profile=profile)
