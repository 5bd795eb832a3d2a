"""A called party for outbound calls: Debian's `sipp` as a UAS that registers as one of the agency's phones (so a
call to that extension's public number reaches it through the agency's outbound route) and then answers every
INVITE one way: ``answer`` (180, 200 after a second, stays up until BYE), ``busy`` (486) or ``ring`` (180 until
the caller gives up: CANCEL). Every SIP message is traced, so a test can count the INVITEs it got.

The REGISTER is sent from the very port the UAS listens on afterwards (the phone endpoints rewrite the contact to
the source address), by a one-call SIPp client that ends after 200 OK."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.harness.asterisk_harness import free_port
from tests.harness.sipp_harness import find_sipp

_REGISTER = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register">
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{user}@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:{user}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:{user}@[local_ip]:[local_port]>
Expires: 3600
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{user}@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:{user}@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:{user}@[local_ip]:[local_port]>
[authentication]
Expires: 3600
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
"""

_HEAD = """[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
"""
_RINGING = f"SIP/2.0 180 Ringing\n{_HEAD}Content-Length: 0\n"
_OK_SDP = f"""SIP/2.0 200 OK
{_HEAD}Content-Type: application/sdp
Content-Length: [len]

v=0
o=callee 1 1 IN IP4 [media_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8 0
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
"""
_OK = "SIP/2.0 200 OK\n[last_Via:]\n[last_From:]\n[last_To:]\n[last_Call-ID:]\n[last_CSeq:]\nContent-Length: 0\n"


def _send(text: str, retrans: bool = False) -> str:
    attr = ' retrans="500"' if retrans else ""
    return f"  <send{attr}><![CDATA[\n{text}\n]]></send>\n"


def _scenario(mode: str, answer_ms: int = 1000) -> str:
    body = '  <recv request="INVITE" crlf="true"/>\n'
    if mode == "busy":
        body += _send(f"SIP/2.0 486 Busy Here\n{_HEAD}Content-Length: 0\n") + '  <recv request="ACK"/>\n'
    elif mode == "ring":
        body += _send(_RINGING) + '  <recv request="CANCEL"/>\n' + _send(_OK)
        body += _send(f"SIP/2.0 487 Request Terminated\n{_HEAD.replace('[last_CSeq:]', 'CSeq: [last_cseq_number] INVITE')}"
                      "Content-Length: 0\n") + '  <recv request="ACK"/>\n'
    else:
        body += _send(_RINGING) + f'  <pause milliseconds="{answer_ms}"/>\n' + _send(_OK_SDP, retrans=True)
        body += '  <recv request="ACK" rtd="true" crlf="true"/>\n  <recv request="BYE"/>\n' + _send(_OK)
    return f'<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="callee {mode}">\n{body}</scenario>\n'


class SippCallee:
    def __init__(self, workdir: Path, *, username: str, password: str, sip_port: int, mode: str,
                 media_port: int | None = None, answer_ms: int = 1000) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir, self.username, self.password, self.sip_port = workdir, username, password, sip_port
        self.port = free_port(2)
        (workdir / "register.xml").write_text(_REGISTER.format(user=username))
        (workdir / "callee.xml").write_text(_scenario(mode, answer_ms))
        self.messages = workdir / "messages.log"
        self.media_port = media_port or free_port(2)
        self.process: subprocess.Popen | None = None

    def _base(self) -> list[str]:
        return [find_sipp() or "sipp", f"127.0.0.1:{self.sip_port}", "-i", "127.0.0.1", "-p", str(self.port),
                "-nostdin", "-au", self.username, "-ap", self.password]

    def start(self) -> SippCallee:
        reg = subprocess.run([*self._base(), "-sf", str(self.workdir / "register.xml"), "-m", "1",
                              "-timeout", "10s", "-timeout_error"], cwd=self.workdir, capture_output=True, timeout=30)
        if reg.returncode != 0:
            raise AssertionError(f"SIPp registrerte seg ikke: {reg.stdout[-500:]!r} {reg.stderr[-500:]!r}")
        self.process = subprocess.Popen(
            [*self._base(), "-sf", str(self.workdir / "callee.xml"), "-mi", "127.0.0.1", "-mp", str(self.media_port),
             "-rtp_echo", "-trace_msg", "-message_file", str(self.messages), "-trace_err"],
            cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=(self.workdir / "stdout.log").open("w"),
            stderr=subprocess.STDOUT, start_new_session=True)
        time.sleep(0.3)
        return self

    def invites(self) -> int:
        """INVITEs this party has received (each call, never its retransmissions). SIPp writes its trace buffered:
        count after ``stop``."""
        self.stop()
        if not self.messages.exists():
            return 0
        text = self.messages.read_text(errors="replace")
        calls = set()
        block_invite = False
        for line in text.splitlines():
            if line.startswith("INVITE sip:"):
                block_invite = True
            elif block_invite and line.lower().startswith("call-id:"):
                calls.add(line.split(":", 1)[1].strip())
                block_invite = False
        return len(calls)

    def stop(self) -> None:
        """End SIPp gracefully (it writes its trace out), killing it only if it does not go."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
