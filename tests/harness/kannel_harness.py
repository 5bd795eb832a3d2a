"""A real Kannel (bearerbox + smsbox) on 127.0.0.1 with the fake SMSC from kannel-extras, configured by the
platform's own renderer (outbound.kannel_conf). One fake SMSC link receives what the platform sends (its output is
parsed into ``received()``); a second link, which gets only messages routed to it, injects inbound SMS."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

from outbound.kannel_conf import KannelConfig, KannelSmsc, render_kannel_conf
from tests.harness.asterisk_harness import free_port

FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
_GOT = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>$")


def kannel_missing() -> str | None:
    for tool in ("bearerbox", "smsbox"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            return f"Kannel ({tool}) er ikke installert (Debian-pakken kannel)"
    if not Path(FAKESMSC).exists():
        return "Kannels falske SMSC mangler (Debian-pakken kannel-extras)"
    return None


class Kannel:
    def __init__(self, workdir: Path, *, inbound_url: str) -> None:
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.admin_port, self.smsbox_port, self.sendsms_port = free_port(), free_port(), free_port()
        self.mt_port, self.mo_port = free_port(), free_port()
        self.user, self.password = "platform", "kannel-test-pw"
        self.config = KannelConfig(
            admin_port=self.admin_port, admin_password="admin-test", smsbox_port=self.smsbox_port,
            sendsms_port=self.sendsms_port, sendsms_user=self.user, sendsms_password=self.password,
            inbound_url=inbound_url, log_dir=str(self.dir), log_level=1,
            smscs=(KannelSmsc("fake", port=self.mt_port), KannelSmsc("fakemo", port=self.mo_port, only_routed=True)))
        self.conf = self.dir / "kannel.conf"
        self.conf.write_text(render_kannel_conf(self.config))
        self.procs: list[subprocess.Popen] = []
        self.fake_out = self.dir / "fakesmsc.out"

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def _spawn(self, args: list[str], out: Path) -> subprocess.Popen:
        proc = subprocess.Popen(args, stdout=out.open("ab"), stderr=subprocess.STDOUT, cwd=self.dir)
        self.procs.append(proc)
        return proc

    def start(self) -> Kannel:
        self._spawn(["bearerbox", str(self.conf)], self.dir / "bearerbox.out")
        self._wait(lambda: self._status() is not None, "bearerbox startet ikke")
        self._spawn(["smsbox", str(self.conf)], self.dir / "smsbox.out")
        self._spawn([FAKESMSC, "-H", "127.0.0.1", "-r", str(self.mt_port), "-i", "1", "-m", "0", "x x text x"],
                    self.fake_out)
        self._wait(lambda: bool(re.search(r"fake\[fake\]\s+FAKE:\d+ \(online", self._status() or "")),
                   "den falske SMSC-en koblet seg ikke til")
        self._wait(lambda: "smsbox:" in (self._status() or "") and self._smsbox_up(), "smsbox ble ikke klar")
        return self

    def _status(self) -> str | None:
        try:
            url = f"http://127.0.0.1:{self.admin_port}/status.txt?password=admin-test"
            return urllib.request.urlopen(url, timeout=2).read().decode()
        except OSError:
            return None

    def _smsbox_up(self) -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{self.sendsms_port}/", timeout=2)
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True

    @staticmethod
    def _wait(check, what: str, timeout: float = 20) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(0.1)
        raise AssertionError(what)

    def received(self) -> list[tuple[str, str, str, str]]:
        """What the fake SMSC got: (sender, receiver, type, text)."""
        if not self.fake_out.exists():
            return []
        out = []
        for line in self.fake_out.read_text(errors="replace").splitlines():
            if m := _GOT.search(line):
                sender, receiver, kind, text = m.groups()
                if kind == "ucs-2":  # URL-encoded UTF-16BE ('+' is a 0x20 byte)
                    text = urllib.parse.unquote_to_bytes(text.replace("+", "%20")).decode("utf-16-be", "replace")
                out.append((sender, receiver, kind, text))
        return out

    def _mo_received(self) -> int:
        m = re.search(r"fakemo\[fakemo\].*?rcvd: sms (\d+)", self._status() or "")
        return int(m.group(1)) if m else 0

    def send_mo(self, *, sender: str, receiver: str, text: str) -> None:
        """An inbound SMS from a phone: a second fake SMSC connects, sends one message and is stopped once
        bearerbox has counted it (fakesmsc itself stays connected)."""
        before = self._mo_received()
        out = self.dir / "fakesmsc-mo.out"
        proc = subprocess.Popen([FAKESMSC, "-H", "127.0.0.1", "-r", str(self.mo_port), "-i", "0.1", "-m", "1",
                                 f"{sender} {receiver} text {text}"], stdout=out.open("ab"), stderr=subprocess.STDOUT,
                                cwd=self.dir)
        try:
            self._wait(lambda: self._mo_received() > before, "bearerbox fikk ikke den innkommende meldingen")
        finally:
            proc.terminate()
            proc.wait(timeout=10)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


class PlatformHttp:
    """The platform's ASGI app (HTTP + WebSocket, no engine here) on 127.0.0.1: what Kannel calls back."""

    def __init__(self) -> None:
        import threading

        import uvicorn

        from controlplane.asgi import application

        self.port = free_port()
        config = uvicorn.Config(application, host="127.0.0.1", port=self.port, lifespan="off",
                                log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True, name=f"platform-http-{self.port}")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> PlatformHttp:
        self.thread.start()
        Kannel._wait(lambda: self.server.started, "plattformens HTTP-tjener startet ikke")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
