"""A minimal blocking AMI client for tests (the engine uses panoramisk; tests talk to Asterisk directly)."""

from __future__ import annotations

import socket
import time


class AmiClient:
    def __init__(self, host: str, port: int, username: str, secret: str) -> None:
        deadline = time.monotonic() + 10
        while True:
            try:
                self.sock = socket.create_connection((host, port), timeout=10)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.buf = b""
        self.events: list[dict[str, str]] = []
        self._readline()  # banner
        self._counter = 0
        resp = self.action("Login", Username=username, Secret=secret, Events="on")
        if resp.get("Response") != "Success":
            raise RuntimeError(f"AMI-innlogging feilet: {resp}")

    def _readline(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("AMI lukket")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read_message(self, timeout: float = 10) -> dict[str, str]:
        self.sock.settimeout(timeout)
        msg: dict[str, str] = {}
        while True:
            line = self._readline().decode(errors="replace")
            if not line:
                if msg:
                    return msg
                continue
            key, _, value = line.partition(": ")
            msg.setdefault(key, value)

    def action(self, name: str, **fields: str) -> dict[str, str]:
        self._counter += 1
        action_id = f"t{self._counter}"
        text = f"Action: {name}\r\nActionID: {action_id}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items())
        self.sock.sendall(text.encode() + b"\r\n")
        while True:
            msg = self.read_message()
            if msg.get("ActionID") == action_id and "Response" in msg:
                return msg
            self.events.append(msg)

    def wait_event(self, name: str, timeout: float = 10, **match: str) -> dict[str, str] | None:
        deadline = time.monotonic() + timeout
        for ev in list(self.events):
            if ev.get("Event") == name and all(ev.get(k) == v for k, v in match.items()):
                self.events.remove(ev)
                return ev
        while time.monotonic() < deadline:
            try:
                msg = self.read_message(timeout=max(0.05, deadline - time.monotonic()))
            except TimeoutError:
                return None
            if msg.get("Event") == name and all(msg.get(k) == v for k, v in match.items()):
                return msg
            self.events.append(msg)
        return None

    def close(self) -> None:
        try:
            self.action("Logoff")
        except Exception:
            pass
        self.sock.close()


class AmiRecorder:
    """Record the raw AMI stream of a real Asterisk (every event, as bytes) in a background thread, for
    fixtures in tests/fixtures/ami and for asserting what happened during a live test."""

    def __init__(self, host: str, port: int, username: str, secret: str) -> None:
        import threading

        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.sendall(f"Action: Login\r\nUsername: {username}\r\nSecret: {secret}\r\nEvents: on\r\n\r\n".encode())
        self.raw = bytearray()
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True, name="ami-recorder")
        self._thread.start()

    def _run(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            self.raw += chunk

    def events(self) -> list[dict[str, str]]:
        from engine.amiparse import parse_ami_stream

        return [e for e in parse_ami_stream(bytes(self.raw)) if "Event" in e]

    def close(self) -> None:
        self._stop = True
        self._thread.join(timeout=2)
        self.sock.close()
