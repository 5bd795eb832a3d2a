"""Presence: the merge rule (docs/tilstedevaerelse.md) case by case, the mobile operator adapter against a local
HTTP server answering in the documented shape, the calendar plug-in point, and the push to the consoles' group."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django_tenants.utils import schema_context

from switchboard.presence import CalendarState, MobileState, merge, register_calendar_source
from switchboard.presence_sources import HttpMobilePresence

NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=2)
EARLIER = NOW - dt.timedelta(minutes=1)


@pytest.mark.parametrize(("sources", "status", "reason"), [
    ({}, "available", ""),
    ({"phone": "NOT_INUSE"}, "available", ""),
    ({"phone": "INUSE", "own": ("available", "", None)}, "busy", "phone"),
    ({"phone": "RINGING", "own": ("dnd", "Skriver", LATER)}, "busy", "phone"),  # 1 beats 2
    ({"phone": "NOT_INUSE", "own": ("dnd", "Skriver", LATER), "mobile": MobileState("in_call")}, "dnd", "own"),
    ({"mobile": MobileState("in_call"), "calendar": CalendarState("oof", LATER)}, "busy", "mobile"),  # 3 beats 4
    ({"own": ("available", "", None), "calendar": CalendarState("oof", LATER)}, "away", "calendar"),
    ({"own": ("away", "Lunsj", LATER), "calendar": CalendarState("busy", LATER)}, "away", "own"),  # 5 beats 6
    ({"own": ("away", "Lunsj", EARLIER), "calendar": CalendarState("busy", LATER)}, "busy", "calendar"),  # expired
    ({"calendar": CalendarState("busy", EARLIER)}, "available", ""),  # the meeting is over
    ({"calendar": CalendarState("tentative", LATER)}, "available", ""),
    ({"phone": "UNAVAILABLE"}, "offline", "phone"),
    ({"phone": "UNAVAILABLE", "mobile": MobileState("idle")}, "available", ""),  # reachable on the mobile
    ({"phone": "UNAVAILABLE", "mobile": MobileState("unreachable")}, "offline", "phone"),
])
def test_the_merge_rule(sources, status, reason):
    merged = merge(phone=sources.get("phone"), own=sources.get("own"), calendar=sources.get("calendar"),
                   mobile=sources.get("mobile"), now=NOW)
    assert (merged.status, merged.reason) == (status, reason)
    assert set(merged.sources) == set(sources)


def test_the_merged_presence_says_until_when_and_why():
    merged = merge(phone="NOT_INUSE", own=None, calendar=CalendarState("busy", LATER, "Møterom «Fjord»"),
                   mobile=None, now=NOW)
    assert merged.as_dict() == {"status": "busy", "reason": "calendar", "note": "I møte",
                                "until": LATER.isoformat(), "sources": ["phone", "calendar"]}


class _Operator(BaseHTTPRequestHandler):
    """The documented shape (docs/tilstedevaerelse.md): POST /presence/query {"msisdns": [...]} with a bearer key."""

    key = "mobil-nokkel-2026"
    seen: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        if self.path != "/api/presence/query" or self.headers.get("Authorization") != f"Bearer {self.key}":
            self.send_response(401)
            self.end_headers()
            return
        asked = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Operator.seen.append(asked)
        states = {"4790000003": "busy", "4790000004": "idle", "4790000005": "unreachable"}
        body = json.dumps({"results": [{"msisdn": n, "state": states[n], "since": "2026-12-07T09:58:00Z"}
                                       for n in asked["msisdns"] if n in states]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def operator_api():  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Operator)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Operator.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()


def test_mobile_adapter_reads_the_operators_api(operator_api):
    states = HttpMobilePresence(url=operator_api, key=_Operator.key, timeout=1).states(
        ["+4790000003", "+4790000004", "+4790000099"])
    assert states == {"+4790000003": MobileState("in_call", dt.datetime(2026, 12, 7, 9, 58, tzinfo=dt.UTC)),
                      "+4790000004": MobileState("idle", dt.datetime(2026, 12, 7, 9, 58, tzinfo=dt.UTC))}
    import httpx

    with pytest.raises(httpx.HTTPStatusError):
        HttpMobilePresence(url=operator_api, key="feil", timeout=1).states(["+4790000003"])


def test_presence_for_people_merges_every_source(operator_api, monkeypatch):
    from switchboard.models import MobilePresenceSource, Person
    from switchboard.selectors import presence_for
    from switchboard.services import calendar_presence_set, config_object_save, person_status_set

    monkeypatch.setenv("MOBIL_NOKKEL", _Operator.key)
    monkeypatch.setattr("switchboard.presence.announce_presence", lambda **kw: None)
    with schema_context("fhi"):
        config_object_save(obj=MobilePresenceSource(url=operator_api, secret_ref="env:MOBIL_NOKKEL"))
        people = {p.last_name: p for p in Person.objects.all()}
        phone_ids = {ph.extension.person.last_name: ph.pk
                     for ext in people["Bakke"].extensions.all() for ph in ext.phones.all()}
        person_status_set(person=people["Nordmann"], status="dnd", note="Skriver «rapport», ferdig 14")
        calendar_presence_set(person=people["Haugen"], state="oof", until=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
                              source="test")
        merged = presence_for(person_ids=[p.pk for p in people.values()],
                              phone_states={phone_ids["Bakke"]: "INUSE"})
    by_name = {name: merged[p.pk] for name, p in people.items()}
    assert by_name["Bakke"]["status"] == "busy" and by_name["Bakke"]["reason"] == "phone"
    assert by_name["Nordmann"] == {**by_name["Nordmann"], "status": "dnd", "note": "Skriver «rapport», ferdig 14"}
    assert by_name["Haugen"]["status"] == "away" and by_name["Haugen"]["reason"] == "calendar"
    assert by_name["Johansen"]["status"] == "busy" and by_name["Johansen"]["reason"] == "mobile"  # +4790000003
    assert by_name["Berg"]["status"] == "available"  # no phone registered, but reachable on the mobile (idle)
    assert by_name["Dahl"]["status"] == "offline"  # no phone registered, mobile unreachable


def test_a_calendar_source_plugs_in():
    from switchboard.models import Person
    from switchboard.presence import _CALENDAR_SOURCES
    from switchboard.selectors import presence_for

    class Graph:
        def current(self, person_ids: list[int]) -> dict[int, CalendarState]:
            return {pid: CalendarState("busy", dt.datetime(2099, 1, 1, tzinfo=dt.UTC)) for pid in person_ids}

    register_calendar_source(Graph)
    try:
        with schema_context("nkh"):
            pid = Person.objects.order_by("pk").first().pk
            assert presence_for(person_ids=[pid], use_mobile=False)[pid]["reason"] == "calendar"
    finally:
        _CALENDAR_SOURCES.remove(Graph)


def test_a_status_change_is_pushed_to_its_own_agency_only(settings, django_capture_on_commit_callbacks):
    from asgiref.sync import async_to_sync
    from channels.layers import channel_layers, get_channel_layer

    from engine.client import live_group
    from switchboard.models import Person
    from switchboard.services import person_status_set

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    layer = get_channel_layer()
    fhi, nkh = async_to_sync(layer.new_channel)(), async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(live_group("fhi"), fhi)
    async_to_sync(layer.group_add)(live_group("nkh"), nkh)
    with schema_context("fhi"), django_capture_on_commit_callbacks(execute=True):
        person = Person.objects.get(last_name="Lie")
        person_status_set(person=person, status="away", note="Lunsj til 12:30")
    message = async_to_sync(layer.receive)(fhi)
    change = message["changes"][0]
    assert message["type"] == "live.update" and change["kind"] == "presence" and change["person_id"] == person.pk
    assert (change["status"], change["note"]) == ("away", "Lunsj til 12:30")

    async def nothing_for_nkh() -> bool:
        import asyncio

        try:
            await asyncio.wait_for(layer.receive(nkh), timeout=0.3)
        except TimeoutError:
            return True
        return False

    assert async_to_sync(nothing_for_nkh)()
    channel_layers.backends.clear()
