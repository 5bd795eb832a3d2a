"""External directories, real servers: Debian's slapd (started here on a free port, seeded with ldap3) and a local
HTTP/JSON directory. Search and reverse look-up merge them with the agency's own people; a slow or down directory
is named as unavailable within its time limit and never holds the answer up; reverse look-ups are cached."""

from __future__ import annotations

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from switchboard.directories import directory_search, reverse_lookup
from switchboard.models import DirectorySource
from tests.harness.slapd_harness import BASE, Slapd, find_slapd

ROWS = [{"name": "Åse Ødegård-Ærø", "title": "Fastlege", "company": "Legekontoret på Ås, avd. «Sentrum»",
         "numbers": ["+4764941234"], "email": "ase@legekontor.example"}]


class _Directory(BaseHTTPRequestHandler):
    delay = 0.0
    asked: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        query = parse_qs(urlparse(self.path).query)
        _Directory.asked.append(self.path)
        time.sleep(self.delay)
        q, number = query.get("q", [""])[0].lower(), query.get("number", [""])[0]
        rows = [r for r in ROWS if (q and q in r["name"].lower()) or (number and number in r["numbers"])]
        body = json.dumps({"results": rows}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        try:
            self.wfile.write(body)
        except BrokenPipeError:  # the client gave up (the slow case): that is the point
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_directory():  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Directory)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Directory.delay, _Directory.asked = 0.0, []
    yield f"http://127.0.0.1:{server.server_address[1]}/katalog"
    server.shutdown()


@pytest.fixture
def slapd(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    if find_slapd() is None:
        pytest.skip("slapd er ikke installert (apt install slapd).")
    monkeypatch.setenv("KATALOG_LDAP_PASSORD", "hemmelig-ldap-2026")
    server = Slapd(tmp_path / "slapd", "hemmelig-ldap-2026")
    server.seed([
        {"uid": "bjorn", "cn": "Bjørn Æsøy", "sn": "Æsøy", "title": "Overlege", "ou": "Helse Bergen, kirurgi",
         "o": "Helse Bergen", "telephoneNumber": "+4755970000", "mobile": "+4791112222", "mail": "bjorn@hb.example"},
        {"uid": "kari", "cn": "Kari Nordmann", "sn": "Nordmann", "title": "Sykepleier", "ou": "Helse Bergen",
         "telephoneNumber": "+4755971111"},
    ])
    yield server
    server.stop()


def _source(**kwargs) -> DirectorySource:  # type: ignore[no-untyped-def]
    from switchboard.services import config_object_save

    return config_object_save(obj=DirectorySource(**kwargs))


@pytest.mark.slapd
def test_ldap_directory_search_and_reverse_lookup(slapd):
    cache.clear()
    with schema_context("fhi"):
        _source(name="Helse Bergen", kind="ldap", url=slapd.url, base_dn=BASE, bind_dn=f"cn=admin,{BASE}",
                secret_ref="env:KATALOG_LDAP_PASSORD")
        found = directory_search(query="Æsøy")
        assert [r["name"] for r in found["results"]] == ["Bjørn Æsøy"] and found["unavailable"] == []
        assert found["results"][0]["department"] == "Helse Bergen, kirurgi"
        assert "+4791112222" in found["results"][0]["numbers"]
        assert [r["name"] for r in directory_search(query="Kari")["results"]][:2] == ["Kari Haugen", "Kari Nordmann"]
        assert directory_search(query="*)(uid=*")["results"] == []  # filter syntax is data, not a filter
        hit = reverse_lookup(number="91112222")  # the way an incoming mobile number may arrive
        assert hit["match"]["name"] == "Bjørn Æsøy" and hit["match"]["source"] == "Helse Bergen"
        # The agency's own people come first: Sigrid Berg's direct number is hers, not looked up outside.
        assert reverse_lookup(number="+4721077014")["match"]["name"] == "Sigrid Berg"


@pytest.mark.slapd
def test_a_down_ldap_directory_is_named_unavailable_in_time(slapd):
    cache.clear()
    with schema_context("fhi"):
        _source(name="Helse Bergen", kind="ldap", url=slapd.url, base_dn=BASE, bind_dn=f"cn=admin,{BASE}",
                secret_ref="env:KATALOG_LDAP_PASSORD", timeout_ms=300)
        slapd.stop()
        started = time.monotonic()
        found = reverse_lookup(number="+4755970000")
        assert found == {"match": None, "unavailable": ["Helse Bergen"]}
        assert time.monotonic() - started < 3  # bounded by the time limit, not by a TCP timeout


def test_http_directory_lookup_is_cached_and_a_slow_one_is_left_out(http_directory):
    cache.clear()
    with schema_context("fhi"):
        source = _source(name="Legekontorer", kind="http", url=http_directory, timeout_ms=400, cache_seconds=300)
        hit = reverse_lookup(number="+4764941234")
        assert hit["match"]["name"] == "Åse Ødegård-Ærø"
        assert hit["match"]["company"] == "Legekontoret på Ås, avd. «Sentrum»"
        assert reverse_lookup(number="+4764941234")["match"]["name"] == "Åse Ødegård-Ærø"
        assert len([p for p in _Directory.asked if "number=" in p]) == 1  # the second came from the cache
        assert directory_search(query="ødegård")["results"][0]["source"] == "Legekontorer"

        _Directory.delay = 1.5  # slower than its time limit
        found = directory_search(query="ødegård")
        assert found == {"results": [], "unavailable": ["Legekontorer"]}
        assert reverse_lookup(number="+4764949999") == {"match": None, "unavailable": ["Legekontorer"]}
        source.delete()


def test_directory_sources_are_checked_and_keep_no_secret():
    with schema_context("fhi"):
        for bad in ({"kind": "ldap", "url": "http://x"}, {"kind": "http", "url": "ldap://x"},
                    {"kind": "ldap", "url": "ldap://x", "secret_ref": "passord123"},
                    {"kind": "ldap", "url": "ldap://x", "secret_ref": "file:../../etc/passwd"}):
            with pytest.raises(ValidationError):
                _source(name="Feil", **bad)
        assert not DirectorySource.objects.filter(name="Feil").exists()
    assert os.environ.get("KATALOG_LDAP_PASSORD") is None
