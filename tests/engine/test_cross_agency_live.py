"""Calls between agencies with real phones: FHI's phone calls NKH's public numbers through a real Asterisk.

The call passes the platform's boundary (a Local channel pair per agency), so each agency's console
commands only ever touch that agency's own channels, and each agency records its own side of the call.
Every AMI action the engine sends is captured, and the raw AMI stream is recorded to prove that no
channel ever ran another agency's dialplan.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from asterisk_conf import naming
from engine.amiparse import parse_ami_stream
from engine.client import EngineRefused
from tests.engine import test_engine_live as base
from tests.harness.ami_client import AmiRecorder

pytestmark = base.pytestmark
redis_layer = base.redis_layer
live = base.live


RTP = int(os.environ.get("TEST_RTP_END", "31999")) - 240  # phones at the top of the test's RTP range


class ActionSpy:
    """Every AMI action the engine sends from now on (wraps the engine's own AMI link)."""

    def __init__(self, et) -> None:  # type: ignore[no-untyped-def]
        self.link = et.engine.runtimes["test"].ami
        self.original = self.link.action
        self.sent: list[dict] = []

        async def spy(action, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.sent.append(dict(action))
            return await self.original(action, *args, **kwargs)

        self.link.action = spy

    def take(self) -> list[dict]:
        sent, self.sent = self.sent, []
        return sent

    def close(self) -> None:
        self.link.action = self.original


def _channels_named(actions: list[dict]) -> set[str]:
    return {str(v) for a in actions for k, v in a.items()
            if k in ("Channel", "ExtraChannel", "Channel1", "Channel2", "Value") and str(v).startswith(("PJSIP/", "Local/"))}


def _calls(et, slug: str) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    return {c["channel"]: c for c in et.engine.snapshot(slug)["calls"].values()}


def _find(et, slug: str, pred) -> str | None:  # type: ignore[no-untyped-def]
    return next((ch for ch in _calls(et, slug) if pred(ch)), None)


_ENDPOINTS: dict[tuple[str, str], str] = {}


def _phone_chan(et, slug: str, ext: str) -> str | None:  # type: ignore[no-untyped-def]
    """The live channel of a phone (the endpoint is looked up once, outside the engine's loop)."""
    prefix = f"PJSIP/{_ENDPOINTS[(slug, ext)]}-"
    return _find(et, slug, lambda ch: ch.startswith(prefix))


def _endpoints() -> None:
    for slug in ("fhi", "nkh"):
        for ext in ("1001", "1002", "1003", "1004", "1005"):
            _ENDPOINTS[(slug, ext)] = base._phone(slug, ext)[0]


def _half(et, slug: str, role: str, half: int) -> str | None:  # type: ignore[no-untyped-def]
    return _find(et, slug, lambda ch: naming.parse_local_channel(ch) == (slug, role, half))


def _bridged(et, slug: str, a: str, b: str) -> bool:  # type: ignore[no-untyped-def]
    calls = _calls(et, slug)
    return a in calls and b in calls and calls[a]["bridge"] != "" and calls[a]["bridge"] == calls[b]["bridge"]


def _app_of(ast, channel: str) -> str:  # type: ignore[no-untyped-def]
    line = next((ln for ln in ast.cli("core show channels concise").splitlines() if ln.startswith(channel + "!")), "")
    fields = line.split("!")
    return fields[5] if len(fields) > 5 else ""


def _assert_no_channel_ran_another_agencys_dialplan(recorded: bytes) -> int:
    checked = 0
    for ev in parse_ami_stream(recorded):
        channel, context = ev.get("Channel", ""), ev.get("Context", "")
        if ev["Event"] in ("Newexten", "Newchannel") and channel and context.startswith("t-"):
            assert naming.agency_of(channel) == naming.agency_of(context), (channel, context)
            checked += 1
    return checked


@contextlib.contextmanager
def _call_between_agencies(ast, et, tmp_path: Path, dial: str, nkh_ext: str):  # type: ignore[no-untyped-def]
    """FHI's 1001 dials ``dial`` (an NKH public number); NKH's ``nkh_ext`` answers. Yields the phones."""
    _endpoints()
    phones = {"fhi": base._ua(ast, tmp_path, "fhi", "1001", RTP), "fhi2": base._ua(ast, tmp_path, "fhi", "1002", RTP + 40),
              "nkh": base._ua(ast, tmp_path, "nkh", nkh_ext, RTP + 80),
              "nkh2": base._ua(ast, tmp_path, "nkh", "1002", RTP + 120)}
    try:
        phones["fhi"].command("dial", dial)
        assert phones["nkh"].wait_event({"CALL_INCOMING"}, timeout=15)
        phones["nkh"].command("accept")
        yield phones
    finally:
        for ua in phones.values():
            ua.stop()
        et.wait_for(lambda: not _calls(et, "fhi") and not _calls(et, "nkh"), timeout=10)


def test_call_between_agencies_each_side_holds_and_transfers_only_its_own_channels(live, db, tmp_path):
    from contactcenter import live_services as services

    ast, et = live
    p = ast.profile
    recorder = AmiRecorder("127.0.0.1", p.ami_port, p.ami_username, p.ami_secret, None)
    spy = ActionSpy(et)
    try:
        with _call_between_agencies(ast, et, tmp_path, "55549810", "1001") as phones:  # NKH 1001's direct number
            fhi = et.wait_for(lambda: _phone_chan(et, "fhi", "1001"))
            nkh = et.wait_for(lambda: _phone_chan(et, "nkh", "1001"))
            fhi_out = et.wait_for(lambda: _half(et, "fhi", "xout", 1))
            nkh_in = et.wait_for(lambda: _half(et, "nkh", "xin", 2))
            # Each phone is bridged with its own agency's half of the boundary, never with the other agency.
            et.wait_for(lambda: _bridged(et, "fhi", fhi, fhi_out) and _bridged(et, "nkh", nkh, nkh_in))
            assert all(naming.agency_of(ch) == "fhi" for ch in _calls(et, "fhi"))
            assert all(naming.agency_of(ch) == "nkh" for ch in _calls(et, "nkh"))
            assert len(_calls(et, "fhi")) == 3 and len(_calls(et, "nkh")) == 3
            spy.take()

            # Each side holds (the other side hears music from the holder's half) and resumes.
            for slug, mine, peer in (("fhi", fhi, fhi_out), ("nkh", nkh, nkh_in)):
                services.call_hold(agency=slug, channel=mine)
                et.wait_for(lambda peer=peer: _app_of(ast, peer) == "MusicOnHold", timeout=5)
                assert not _bridged(et, slug, mine, peer)
                services.call_resume(agency=slug, channel=mine)
                et.wait_for(lambda slug=slug, mine=mine, peer=peer: _bridged(et, slug, mine, peer), timeout=5)
                sent = spy.take()
                assert {a["Action"] for a in sent} >= {"Redirect", "Bridge"}
                assert _channels_named(sent) == {mine, peer}, sent
            assert _bridged(et, "fhi", fhi, fhi_out) and _bridged(et, "nkh", nkh, nkh_in)

            # FHI blind-transfers to its own 1002: FHI's half now talks to FHI's 1002; NKH's side is untouched.
            services.call_transfer(agency="fhi", channel=fhi, number="1002")
            assert phones["fhi2"].wait_event({"CALL_INCOMING"}, timeout=10)
            phones["fhi2"].command("accept")
            fhi2 = et.wait_for(lambda: _phone_chan(et, "fhi", "1002"))
            et.wait_for(lambda: _bridged(et, "fhi", fhi2, fhi_out) and _phone_chan(et, "fhi", "1001") is None)
            assert _channels_named(spy.take()) == {fhi_out}
            assert _bridged(et, "nkh", nkh, nkh_in)

            # NKH blind-transfers to its own 1002.
            services.call_transfer(agency="nkh", channel=nkh, number="1002")
            assert phones["nkh2"].wait_event({"CALL_INCOMING"}, timeout=10)
            phones["nkh2"].command("accept")
            nkh2 = et.wait_for(lambda: _phone_chan(et, "nkh", "1002"))
            et.wait_for(lambda: _bridged(et, "nkh", nkh2, nkh_in) and _phone_chan(et, "nkh", "1001") is None)
            assert _channels_named(spy.take()) == {nkh_in}
            assert _bridged(et, "fhi", fhi2, fhi_out)
            phones["fhi2"].command("hangup")
    finally:
        spy.close()
        recorded = recorder.stop()
    assert _assert_no_channel_ran_another_agencys_dialplan(recorded) > 20


def test_agency_cannot_command_the_other_agencys_side_of_a_call(live, db, tmp_path):
    from contactcenter import live_services as services
    from engine.client import engine_call_sync

    ast, et = live
    spy = ActionSpy(et)
    try:
        with _call_between_agencies(ast, et, tmp_path, "55549812", "1003"):  # NKH 1003's direct number
            nkh = et.wait_for(lambda: _phone_chan(et, "nkh", "1003"))
            nkh_in = et.wait_for(lambda: _half(et, "nkh", "xin", 2))
            fhi_out2 = et.wait_for(lambda: _half(et, "fhi", "xout", 2))
            et.wait_for(lambda: _bridged(et, "nkh", nkh, nkh_in))
            spy.take()
            for channel in (nkh, nkh_in):
                with pytest.raises(EngineRefused, match="tilhører ikke etaten"):
                    services.call_hold(agency="fhi", channel=channel)
                with pytest.raises(EngineRefused, match="tilhører ikke etaten"):
                    services.call_transfer(agency="fhi", channel=channel, number="1003")
                with pytest.raises(EngineRefused, match="tilhører ikke etaten"):
                    services.call_hangup(agency="fhi", channel=channel)
                with pytest.raises(EngineRefused):
                    engine_call_sync("record_start", "fhi", {"channel": channel})
            # FHI's own outer half sits in the boundary's middle bridge, with NKH's half as its peer.
            for op in ("hold", "blind_transfer"):
                with pytest.raises(EngineRefused, match="annen etat"):
                    engine_call_sync(op, "fhi", {"channel": fhi_out2, "number": "1003"})
            assert spy.take() == [], "no action may reach Asterisk"
            assert _bridged(et, "nkh", nkh, nkh_in), "NKH's call is untouched"
    finally:
        spy.close()


def test_each_agency_records_its_side_of_a_direct_call(live, db, tmp_path):
    from contactcenter.models import Call

    ast, et = live
    with _call_between_agencies(ast, et, tmp_path, "55549813", "1004") as phones:
        nkh = et.wait_for(lambda: _phone_chan(et, "nkh", "1004"))
        linkedid = _calls(et, "nkh")[nkh]["linkedid"]
        time.sleep(2.2)
        phones["fhi"].command("hangup")
        et.wait_for(lambda: not _calls(et, "nkh"), timeout=10)
    et.flush_history()
    with schema_context("fhi"):
        out = Call.objects.get(linkedid=linkedid)
    with schema_context("nkh"):
        inc = Call.objects.get(linkedid=linkedid)
    assert (out.direction, out.dialed, out.caller_number) == ("outbound", "55549813", "1001")
    assert (inc.direction, inc.dialed, inc.caller_number) == ("inbound", "+4755549813", "+4721077010")
    for call in (out, inc):
        assert call.answered_at is not None and call.ended_at is not None, call
        assert call.talk_seconds is not None and call.talk_seconds >= 2


def test_each_agency_records_its_side_of_a_call_to_a_queue_number(live, db, tmp_path):
    from asterisk_conf.render import render_to_dir
    from contactcenter import live_services as services
    from contactcenter.models import Call, Queue, QueueVisit
    from engine.client import engine_call_sync
    from switchboard import services as sb
    from switchboard.models import Did

    ast, et = live
    with schema_context("nkh"):  # a queue number without opening hours, so the test runs at any time
        queue = Queue.objects.get(number="7000")
        did = sb.did_create(number="+4755549850", dest_kind="queue", dest_ref=queue.pk, label="Test uten åpningstid")
    hanne = base._agent_id("nkh", "1005")  # Publikumstjenesten
    agent = caller = None
    try:
        result = render_to_dir(out_dir=ast.profile.etc_dir)
        engine_call_sync("reload", "platform", {"kinds": sorted(result.changed_kinds)})
        _endpoints()
        agent = base._ua(ast, tmp_path, "nkh", "1005", RTP + 160)
        caller = base._ua(ast, tmp_path, "fhi", "1004", RTP + 200)
        services.agent_login(agency="nkh", agent_id=hanne)
        caller.command("dial", "55549850")
        assert agent.wait_event({"CALL_INCOMING"}, timeout=15)
        agent.command("accept")
        mine = et.wait_for(lambda: _phone_chan(et, "nkh", "1005"))
        linkedid = _calls(et, "nkh")[mine]["linkedid"]
        time.sleep(2.2)
        caller.command("hangup")
        et.wait_for(lambda: not _calls(et, "nkh") and not _calls(et, "fhi"), timeout=10)
        et.flush_history()
    finally:
        services.agent_logout(agency="nkh", agent_id=hanne)
        for ua in (agent, caller):
            if ua:
                ua.stop()
        with schema_context("nkh"):
            Did.objects.filter(pk=did.pk).delete()
        render_to_dir(out_dir=ast.profile.etc_dir)
    with schema_context("fhi"):
        out = Call.objects.get(linkedid=linkedid)
    with schema_context("nkh"):
        inc = Call.objects.get(linkedid=linkedid)
        visit = QueueVisit.objects.get(call=inc)
        assert (visit.queue_id, visit.outcome, visit.answered_by_id) == (queue.pk, "answered", hanne)
    assert (out.direction, out.dialed) == ("outbound", "55549850")
    assert (inc.direction, inc.dialed, inc.caller_number) == ("inbound", "+4755549850", "+4721077013")
    for call in (out, inc):
        assert call.answered_at is not None and call.ended_at is not None, call
        assert call.talk_seconds is not None and call.talk_seconds >= 2


def test_the_boundary_works_the_other_way_too(live, db, tmp_path):
    """NKH's 1001 calls FHI's 1003 on its direct number; FHI holds and resumes its own side."""
    from contactcenter import live_services as services
    from contactcenter.models import Call

    ast, et = live
    _endpoints()
    caller = base._ua(ast, tmp_path, "nkh", "1001", RTP + 160)
    callee = base._ua(ast, tmp_path, "fhi", "1003", RTP + 200)
    try:
        caller.command("dial", "21077012")
        assert callee.wait_event({"CALL_INCOMING"}, timeout=15)
        callee.command("accept")
        fhi = et.wait_for(lambda: _phone_chan(et, "fhi", "1003"))
        fhi_in = et.wait_for(lambda: _half(et, "fhi", "xin", 2))
        et.wait_for(lambda: _bridged(et, "fhi", fhi, fhi_in))
        linkedid = _calls(et, "fhi")[fhi]["linkedid"]
        services.call_hold(agency="fhi", channel=fhi)
        et.wait_for(lambda: _app_of(ast, fhi_in) == "MusicOnHold", timeout=5)
        services.call_resume(agency="fhi", channel=fhi)
        et.wait_for(lambda: _bridged(et, "fhi", fhi, fhi_in), timeout=5)
        time.sleep(1)
        callee.command("hangup")
        et.wait_for(lambda: not _calls(et, "fhi") and not _calls(et, "nkh"), timeout=10)
    finally:
        caller.stop()
        callee.stop()
    et.flush_history()
    with schema_context("nkh"):
        out = Call.objects.get(linkedid=linkedid)
    with schema_context("fhi"):
        inc = Call.objects.get(linkedid=linkedid)
    assert (out.direction, out.dialed) == ("outbound", "21077012")
    assert (inc.direction, inc.dialed, inc.caller_number) == ("inbound", "+4721077012", "+4755549810")
    for call in (out, inc):
        assert call.answered_at is not None and call.ended_at is not None and call.talk_seconds is not None
