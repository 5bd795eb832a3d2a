"""Calls between agencies, replayed from AMI traffic recorded from a real Asterisk (tests/fixtures/ami):

- ``cross_agency_direct_bridge.ami``: the old dialplan, where FHI's phone (1001) calling NKH's direct number
  +4755549810 was bridged straight to NKH's phone; then FHI put the call on hold.
- ``cross_agency_boundary.ami``: the same call through the boundary (a Local channel pair per agency); FHI
  holds and resumes, NKH holds and resumes, FHI hangs up.

The live tests with real phones are in tests/engine/test_cross_agency_live.py.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from asterisk_conf import naming
from engine import commands
from engine.amiparse import parse_ami_stream
from engine.history import record
from engine.state import LiveState, agency_of_event

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ami"


def events(name: str) -> list[dict[str, str]]:
    return list(parse_ami_stream((FIXTURES / name).read_bytes()))


class FakeLink:
    """Stands in for the AMI link: records every action the engine would send."""

    def __init__(self, getvar: str = "") -> None:
        self.sent: list[dict] = []
        self.getvar = getvar

    async def action(self, action: dict, **_kw: object) -> dict:
        self.sent.append(dict(action))
        return {"Response": "Success", "Value": self.getvar}


def _state_until_bridged(name: str, *prefixes: str) -> LiveState:
    """Replay ``name`` until channels starting with each of ``prefixes`` exist and every channel is in a bridge."""
    state = LiveState()
    for ev in events(name):
        state.apply(ev)
        chans = [ch for live in state.agencies.values() for ch in live.channels.values()]
        if all(c.bridge for c in chans) and all(any(c.channel.startswith(p) for c in chans) for p in prefixes):
            return state
    raise AssertionError("opptaket har ingen slik oppkoblet samtale")


def _channel(state: LiveState, slug: str, prefix: str) -> str:
    return next(ch.channel for ch in state.agencies[slug].channels.values() if ch.channel.startswith(prefix))


def _run(op: str, agency: str, args: dict, state: LiveState, link: FakeLink) -> object:
    return asyncio.run(commands.run(op, agency=agency, args=args, link=link, state=state,  # type: ignore[arg-type]
                                    recordings_dir=Path("/nonexistent")))


@pytest.mark.parametrize("op", ["hold", "blind_transfer"])
def test_a_direct_bridge_between_agencies_is_never_commanded_across(op):
    """Before the boundary, FHI's hold sent Redirect on NKH's channel into FHI's hold context."""
    state = _state_until_bridged("cross_agency_direct_bridge.ami", "PJSIP/fhi-p1-", "PJSIP/nkh-p1-")
    mine = _channel(state, "fhi", "PJSIP/fhi-p1-")
    link = FakeLink()
    with pytest.raises(commands.CommandRefused, match="annen etat"):
        _run(op, "fhi", {"channel": mine, "number": "1002"}, state, link)
    assert link.sent == []


def test_every_channel_of_a_boundary_call_belongs_to_the_agency_whose_dialplan_it_runs():
    evs = events("cross_agency_boundary.ami")
    for ev in evs:
        channel, context = ev.get("Channel", ""), ev.get("Context", "")
        if ev.get("Event") in ("Newexten", "Newchannel") and channel and context.startswith("t-"):
            assert naming.agency_of(channel) == naming.agency_of(context), (channel, context)
    chans = {ev["Channel"] for ev in evs if ev.get("Event") == "Newchannel"}
    assert {naming.agency_of(c) for c in chans} == {"fhi", "nkh"}
    assert any(naming.parse_local_channel(c) == ("fhi", "xout", 1) for c in chans)
    assert any(naming.parse_local_channel(c) == ("nkh", "xin", 2) for c in chans)


def test_the_called_agency_sees_the_callers_number_on_its_side_of_the_boundary():
    state = _state_until_bridged("cross_agency_boundary.ami", "PJSIP/fhi-p1-", "PJSIP/nkh-p1-", "Local/")  # all six
    entry = next(ch for ch in state.agencies["nkh"].channels.values()
                 if naming.parse_local_channel(ch.channel) == ("nkh", "xin", 2))
    assert (entry.caller_number, entry.exten, entry.context) == ("+4721077010", "4755549810", "t-nkh-xin")


def test_commands_on_a_boundary_call_touch_only_the_agencys_own_channels():
    state = _state_until_bridged("cross_agency_boundary.ami", "PJSIP/fhi-p1-", "PJSIP/nkh-p1-", "Local/")  # all six
    fhi_phone, nkh_phone = _channel(state, "fhi", "PJSIP/fhi-p1-"), _channel(state, "nkh", "PJSIP/nkh-p1-")
    fhi_out2 = next(c for c in (ch.channel for ch in state.agencies["fhi"].channels.values())
                    if naming.parse_local_channel(c) == ("fhi", "xout", 2))
    for agency, mine in (("fhi", fhi_phone), ("nkh", nkh_phone)):
        link = FakeLink()
        _run("hold", agency, {"channel": mine}, state, link)
        _run("blind_transfer", agency, {"channel": mine, "number": "1002"}, state, link)
        named = {v for action in link.sent for k, v in action.items() if k in ("Channel", "ExtraChannel", "Value")
                 and str(v).startswith(("PJSIP/", "Local/"))}
        assert named and {naming.agency_of(c) for c in named} == {agency}, link.sent
    # The boundary's middle bridge joins FHI's xout half to NKH's xin half: nobody may command across it.
    for op in ("hold", "blind_transfer"):
        with pytest.raises(commands.CommandRefused, match="annen etat"):
            _run(op, "fhi", {"channel": fhi_out2, "number": "1002"}, state, FakeLink())
    # Another agency's channels are refused outright, and so is resuming onto another agency's channel.
    for op, args in (("hold", {"channel": nkh_phone}), ("hangup", {"channel": nkh_phone}),
                     ("blind_transfer", {"channel": nkh_phone, "number": "1002"})):
        with pytest.raises(commands.CommandRefused, match="tilhører ikke etaten"):
            _run(op, "fhi", args, state, FakeLink())
    with pytest.raises(commands.CommandRefused, match="annen etat"):
        _run("resume", "fhi", {"channel": fhi_phone}, state, FakeLink(getvar=nkh_phone))


@pytest.mark.django_db
def test_each_agency_records_its_own_side_of_a_call_between_agencies():
    from contactcenter.models import Call

    evs = events("cross_agency_boundary.ami")
    for _ in range(2):  # replay is idempotent
        for ev in evs:
            slug = agency_of_event(ev)
            if slug:
                record(slug, ev)
    linkedid = next(ev["Linkedid"] for ev in evs if ev.get("Event") == "Newchannel")
    with schema_context("fhi"):
        out = Call.objects.get(linkedid=linkedid)
    with schema_context("nkh"):
        inc = Call.objects.get(linkedid=linkedid)
    assert (out.direction, out.dialed) == ("outbound", "55549810")
    assert (inc.direction, inc.dialed, inc.caller_number) == ("inbound", "+4755549810", "+4721077010")
    for call in (out, inc):
        assert call.answered_at is not None and call.ended_at is not None
        assert call.talk_seconds is not None and call.talk_seconds >= 3  # two holds of ~1 s each, ~1.5 s talk


@pytest.mark.django_db
def test_rendered_dialplan_sends_other_agencies_numbers_through_the_boundary(tmp_path):
    from asterisk_conf.render import render_to_dir

    render_to_dir(out_dir=tmp_path)
    fhi = (tmp_path / "agencies" / "fhi" / "extensions.conf").read_text()
    top = (tmp_path / "extensions.conf").read_text()
    outbound = fhi.split("[t-fhi-outbound]")[1].split("\n\n")[0]
    # Own public numbers directly, another agency's only through FHI's own Local pair; never into platform-did.
    assert "?t-fhi-did,${EXTEN},1)" in outbound and "Dial(Local/${EXTEN}@t-fhi-xout/n)" in outbound
    assert "Goto(platform-did" not in fhi and "platform-did," not in top.split("[platform-route]")[1].split("\n\n")[0]
    assert "[t-fhi-xout]" in fhi and "[t-fhi-xin]" in fhi and "Goto(t-fhi-did,${EXTEN},1)" in fhi
    xroute = top.split("[platform-xroute]")[1].split("\n\n")[0]
    for slug in ("fhi", "nkh"):
        assert f"DIALPLAN_EXISTS(t-{slug}-did,${{EXTEN}},1)}}?{slug})" in xroute
        assert f"({slug}),Dial(Local/${{EXTEN}}@t-{slug}-xin/n)" in xroute
