"""SIPp callers for load tests: Debian's `sipp` on 127.0.0.1, authenticating as one of the platform's
phones (PJSIP digest auth, as a desk phone does), each call dialling a number, staying up for a random
time and hanging up. Bounded: a call limit, a concurrency limit and a global timeout."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.harness.asterisk_harness import free_port

_SDP = """v=0
o=sipp 53655765 2353687637 IN IP4 [local_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8 0
a=rtpmap:8 PCMA/8000
a=rtpmap:0 PCMU/8000
"""


def _invite(user: str, cseq: int, auth: bool) -> str:
    return f"""INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{user}@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: {cseq} INVITE
Contact: <sip:{user}@[local_ip]:[local_port]>
Max-Forwards: 70
{"[authentication]" + chr(10) if auth else ""}Content-Type: application/sdp
Content-Length: [len]

{_SDP}"""


_OK_BYE = """SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
"""


def caller_scenario(user: str, *, min_talk_ms: int, max_talk_ms: int) -> str:
    """INVITE, answer the digest challenge, wait for 200, stay up the shortest, the longest or the middle
    time (at random), then BYE; if the other side hangs up first (the agent's phone), answer its BYE."""
    ack = """ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{user}@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: {cseq} ACK
Max-Forwards: 70
Content-Length: 0
"""
    bye = f"""BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:{user}@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 3 BYE
Max-Forwards: 70
Content-Length: 0
"""
    return f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="queue caller">
  <send retrans="500"><![CDATA[
{_invite(user, 1, False)}]]></send>
  <recv response="100" optional="true"/>
  <recv response="401" auth="true"/>
  <send><![CDATA[
{ack.format(user=user, cseq=1)}]]></send>
  <send retrans="500"><![CDATA[
{_invite(user, 2, True)}]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send><![CDATA[
{ack.format(user=user, cseq=2)}]]></send>
  <nop><action>
    <sample assign_to="r" distribution="uniform" min="0" max="3"/>
    <test assign_to="short" variable="r" compare="less_than" value="1"/>
    <test assign_to="middle" variable="r" compare="less_than" value="2"/>
  </action></nop>
  <nop next="short" test="short"/>
  <nop next="middle" test="middle"/>
  <recv request="BYE" timeout="{max_talk_ms}" ontimeout="hangup" next="hungup"/>
  <label id="short"/>
  <recv request="BYE" timeout="{min_talk_ms}" ontimeout="hangup" next="hungup"/>
  <label id="middle"/>
  <recv request="BYE" timeout="{(min_talk_ms + max_talk_ms) // 2}" ontimeout="hangup" next="hungup"/>
  <label id="hungup"/>
  <send next="end"><![CDATA[
{_OK_BYE}]]></send>
  <label id="hangup"/>
  <send retrans="500"><![CDATA[
{bye}]]></send>
  <recv response="200" crlf="true"/>
  <label id="end"/>
</scenario>
"""


def find_sipp() -> str | None:
    return shutil.which("sipp")


@dataclass
class SippResult:
    returncode: int
    successful: int
    failed: int
    output: str


class SippCallers:
    """Run SIPp as callers into Asterisk at ``127.0.0.1:sip_port``."""

    def __init__(self, workdir: Path, *, username: str, password: str, sip_port: int, number: str,
                 calls: int, concurrent: int, rate: float, min_talk_ms: int, max_talk_ms: int,
                 timeout_s: int, media_port: int | None = None) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        scenario = workdir / "caller.xml"
        scenario.write_text(caller_scenario(username, min_talk_ms=min_talk_ms, max_talk_ms=max_talk_ms))
        self.args = [find_sipp() or "sipp", f"127.0.0.1:{sip_port}", "-sf", str(scenario), "-s", number,
                     "-au", username, "-ap", password, "-i", "127.0.0.1", "-p", str(free_port(2)),
                     "-mi", "127.0.0.1", "-mp", str(media_port or free_port(2)),
                     "-m", str(calls), "-l", str(concurrent), "-r", str(rate), "-rp", "1000",
                     "-timeout", f"{timeout_s}s", "-timeout_error", "-nostdin", "-trace_err",
                     "-trace_screen", "-screen_file", str(workdir / "screen.log")]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.args, cwd=self.workdir, stdin=subprocess.DEVNULL,
                                        stdout=(self.workdir / "stdout.log").open("w"), stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def wait(self, timeout: float) -> SippResult:
        assert self.process is not None
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        screen = self.workdir / "screen.log"
        text = screen.read_text(errors="replace") if screen.exists() else ""
        return SippResult(returncode=self.process.returncode, successful=_last_count(text, "Successful call"),
                          failed=_last_count(text, "Failed call"), output=text)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _last_count(screen: str, label: str) -> int:
    """The cumulative count on the last statistics screen, e.g. 'Successful call | 0 | 42'."""
    found = re.findall(rf"{label}\s*\|\s*\d+\s*\|\s*(\d+)", screen)
    return int(found[-1]) if found else 0


@dataclass(frozen=True)
class Phone:
    endpoint: str
    password: str


def queue_load_run(ast, et, workdir: Path, *, slug: str, queue: str, number: str,  # type: ignore[no-untyped-def]
                   agents: dict[int, Phone], caller: Phone, calls: int, concurrent: int, rate: float,
                   min_talk_ms: int, max_talk_ms: int, timeout_s: int, rtp_base: int) -> dict:
    """Agents (baresip, auto answer) logged into ``queue``; SIPp callers dial ``number``. Returns what
    SIPp saw and how long it took; the caller checks the history."""
    import time

    from tests.harness.baresip_harness import Baresip

    uas: list[Baresip] = []
    sipp = None
    try:
        for i, (agent_id, phone) in enumerate(sorted(agents.items())):
            uas.append(Baresip(workdir / f"agent{agent_id}", username=phone.endpoint, password=phone.password,
                               sip_port=ast.profile.sip_port, rtp_base=rtp_base + 20 * i, answermode="auto"))
        deadline = time.monotonic() + 20
        while not all(f"{p.endpoint}/sip:" in ast.cli("pjsip show contacts") for p in agents.values()):
            if time.monotonic() > deadline:
                raise AssertionError("agentenes telefoner registrerte seg ikke")
            time.sleep(0.2)
        for agent_id, phone in agents.items():
            et.run(et.engine.execute("queue_add", slug, {"queue": queue, "interface": f"PJSIP/{phone.endpoint}",
                                                         "member": f"{slug}-a{agent_id}"}))
        sipp = SippCallers(workdir / "sipp", username=caller.endpoint, password=caller.password,
                           sip_port=ast.profile.sip_port, number=number, calls=calls, concurrent=concurrent,
                           rate=rate, min_talk_ms=min_talk_ms, max_talk_ms=max_talk_ms, timeout_s=timeout_s)
        started = time.monotonic()
        sipp.start()
        result = sipp.wait(timeout=timeout_s + 30)
        elapsed = time.monotonic() - started
        et.wait_for(lambda: not et.engine.snapshot(slug)["calls"], timeout=30)
        et.flush_history()
        return {"sipp": result, "elapsed_s": elapsed}
    finally:
        if sipp is not None:
            sipp.stop()
        for phone in agents.values():
            try:
                et.run(et.engine.execute("queue_remove", slug, {"queue": queue,
                                                                "interface": f"PJSIP/{phone.endpoint}"}))
            except Exception:
                pass
        for ua in uas:
            ua.stop()
