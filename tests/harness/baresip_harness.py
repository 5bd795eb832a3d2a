"""A real SIP phone for tests: Debian's baresip on 127.0.0.1, driven over its TCP control interface."""

from __future__ import annotations

import json
import math
import random
import shutil
import socket
import subprocess
import time
import wave
from pathlib import Path

from tests.harness.asterisk_harness import free_port


def _tone(workdir: Path, seconds: int = 10) -> Path:
    """Ten seconds (or ``seconds``) of a 440 Hz tone, 8 kHz mono: what the phone 'says' into a call. baresip ends
    the call when the file ends."""
    path = workdir / ("tone.wav" if seconds == 10 else f"tone{seconds}.wav")
    if not path.exists():
        frames = bytearray()
        for i in range(8000 * seconds):
            frames += int(8000 * math.sin(2 * math.pi * 440 * i / 8000)).to_bytes(2, "little", signed=True)
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(bytes(frames))
    return path


def _sip_port() -> int:
    """A port where baresip can bind UDP and TCP on N and TLS on N+1 (it opens all three)."""
    for _ in range(200):
        port = random.randint(40000, 59000)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, socket.socket() as t1, socket.socket() as t2:
                u.bind(("127.0.0.1", port))
                t1.bind(("127.0.0.1", port))
                t2.bind(("127.0.0.1", port + 1))
                return port
        except OSError:
            continue
    raise RuntimeError("fant ingen ledig SIP-port")


def find_baresip() -> str | None:
    return shutil.which("baresip")


class Baresip:
    """One baresip instance with one account. Events arrive as netstring-framed JSON."""

    def __init__(self, workdir: Path, *, username: str, password: str, sip_port: int, rtp_base: int,
                 answermode: str = "manual", record_dir: Path | None = None,
                 extra_modules: tuple[str, ...] = (), tone_seconds: int = 10) -> None:
        """``record_dir``: baresip's sndfile module writes what the phone hears there (``*-dec.wav``).
        ``extra_modules``: more baresip modules to load (e.g. ``mwi.so``). ``tone_seconds``: how long the phone's
        own tone lasts (baresip hangs up when it ends)."""
        self.workdir = workdir
        self.username = username
        self.ctrl_port = free_port()
        self.local_sip_port = _sip_port()
        workdir.mkdir(parents=True, exist_ok=True)
        (workdir / "config").write_text(
            f"poll_method epoll\nsip_listen 127.0.0.1:{self.local_sip_port}\n"
            f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}\n"
            f"rtp_ports {rtp_base}-{rtp_base + 19}\n"
            f"audio_source aufile,{_tone(workdir, tone_seconds)}\naudio_player aufile,/dev/null\naudio_alert aufile,/dev/null\n"
            "module_path /usr/lib/baresip/modules\n"
            "module g711.so\nmodule aufile.so\n"
            + (f"module sndfile.so\nsnd_path {record_dir}\n" if record_dir else "")
            + "".join(f"module {m}\n" for m in extra_modules)
            + "module_app account.so\nmodule_app menu.so\nmodule_app ctrl_tcp.so\n"
            f"answermode {answermode}\nsip_verify_server no\n"
        )
        (workdir / "accounts").write_text(
            f"<sip:{username}@127.0.0.1:{sip_port};transport=udp>;auth_pass={password};regint=300;"
            f"audio_codecs=PCMA,PCMU;answermode={answermode}\n"
        )
        (workdir / "contacts").write_text("")
        self.process = subprocess.Popen(["baresip", "-4", "-f", str(workdir)], stdin=subprocess.DEVNULL,
                                        stdout=(workdir / "stdout.log").open("w"), stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.sock: socket.socket | None = None
        self._buf = b""
        self.events: list[dict] = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        if self.sock is None:
            raise RuntimeError("baresip startet ikke: " + (workdir / "stdout.log").read_text())

    def _read_one(self, timeout: float) -> dict | None:
        assert self.sock is not None
        self.sock.settimeout(timeout)
        while True:
            if b":" in self._buf:
                length_str, rest = self._buf.split(b":", 1)
                length = int(length_str)
                if len(rest) >= length + 1:
                    payload, self._buf = rest[:length], rest[length + 1:]
                    return json.loads(payload)
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                return None
            if not chunk:
                return None
            self._buf += chunk

    def command(self, command: str, params: str = "") -> dict:
        assert self.sock is not None
        body = json.dumps({"command": command, "params": params, "token": command}).encode()
        self.sock.sendall(str(len(body)).encode() + b":" + body + b",")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            msg = self._read_one(deadline - time.monotonic())
            if msg is None:
                break
            if msg.get("response"):
                return msg
            self.events.append(msg)
        raise TimeoutError(f"baresip svarte ikke på {command}")

    def wait_event(self, types: set[str], timeout: float = 10) -> dict | None:
        for ev in self.events:
            if ev.get("type") in types:
                self.events.remove(ev)
                return ev
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self._read_one(max(0.05, deadline - time.monotonic()))
            if msg is None:
                continue
            if msg.get("event") and msg.get("type") in types:
                return msg
            self.events.append(msg)
        return None

    def stop(self) -> None:
        try:
            if self.sock:
                self.sock.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
