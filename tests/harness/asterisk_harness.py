"""Start a real Asterisk on 127.0.0.1 with config this project rendered (the same managed Asterisk the
platform runs by default), on free ports."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from asterisk_conf.runtime import RuntimeProfile, find_asterisk, guess_dirs
from engine.managed import ManagedAsterisk


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HarnessAsterisk(ManagedAsterisk):
    def log_lines(self) -> list[str]:
        path = self.profile.log_dir / "messages.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    def problems(self) -> list[str]:
        return [line for line in self.log_lines() if "WARNING[" in line or "ERROR[" in line]


def prepare(base_dir: Path) -> HarnessAsterisk | None:
    """Render runtime and agency config into ``base_dir``; None if no Asterisk is installed."""
    binary = find_asterisk()
    if binary is None:
        return None
    moddir, datadir = guess_dirs(binary)
    profile = RuntimeProfile(base_dir=base_dir, sip_port=free_port(socket.SOCK_DGRAM), ami_port=free_port(),
                             http_port=free_port(), rtp_start=int(os.environ.get("TEST_RTP_START", "31000")),
                             rtp_end=int(os.environ.get("TEST_RTP_END", "31999")), moddir=moddir, datadir=datadir)
    ast = HarnessAsterisk(profile, binary)
    ast.prepare()
    return ast
