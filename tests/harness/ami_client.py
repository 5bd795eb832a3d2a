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
    """Record the raw AMI stream of a real Asterisk to a file (how tests/fixtures/ami were made).

    Logs in with its own session and writes every byte Asterisk sends, in a background thread, until
    ``stop``. ``mark()`` gives the current length, so a test can cut out the frames of one call."""

    def __init__(self, host: str, port: int, username: str, secret: str, path) -> None:  # type: ignore[no-untyped-def]
        import threading

        self.path = path
        self.client = AmiClient(host, port, username, secret)
        self.data = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="ami-recorder")
        self._thread.start()

    def _run(self) -> None:
        self.client.sock.settimeout(0.2)
        self.data += self.client.buf
        while not self._stop.is_set():
            try:
                chunk = self.client.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            self.data += chunk

    def mark(self) -> int:
        return len(self.data)

    def stop(self) -> bytes:
        self._stop.set()
        self._thread.join(timeout=5)
        self.client.sock.close()
        return bytes(self.data)


def cut_frames(data: bytes, ids: set[str], also: set[str] = frozenset()) -> bytes:  # type: ignore[assignment]
    """The raw frames of a recorded AMI stream that belong to the calls in ``ids`` (any header value equal
    to one of them: Uniqueid, Linkedid, DestUniqueid, DestLinkedid...), plus frames whose Timestamp is in
    ``also``; byte for byte, in the order Asterisk sent them. Channels bridged to those calls are followed
    through their uniqueids. Used to make small fixtures from a long recording."""
    blocks = data.replace(b"\r\n", b"\n").split(b"\n\n")

    def values(block: bytes) -> set[str]:
        return {line.partition(b": ")[2].decode(errors="replace") for line in block.split(b"\n")}

    wanted = set(ids)
    for block in blocks:  # follow the agent channels (DestUniqueid of frames that name the caller)
        vals = values(block)
        if vals & ids:
            for line in block.split(b"\n"):
                key, _, value = line.partition(b": ")
                if key in (b"DestUniqueid", b"Uniqueid"):
                    wanted.add(value.decode())
    keep = [b for b in blocks if values(b) & wanted or values(b) & set(also)]
    return b"\r\n".join(line for b in keep for line in [*b.split(b"\n"), b""]) + b"\r\n"
