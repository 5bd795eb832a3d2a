"""Phone numbers and searched names never reach the application log at INFO: the real platform (`./dev run`:
uvicorn, the engine, the job worker) is driven through a flow that carries numbers and names in URLs and in a
job, and its whole log is searched afterwards."""

from __future__ import annotations

import logging
import re
import time

import httpx
import pytest
from django_tenants.utils import schema_context

from agencydata.log_privacy import mask_text
from tests.harness.platform_harness import PlatformProcess, database_url_of

NUMBER_IN_LOG = re.compile(r"(?:\+47|0047|47)? ?9 ?1 ?2 ?3 ?4 ?5 ?6 ?7")


def test_mask_keeps_ids_dates_and_ports_and_hides_numbers() -> None:
    assert mask_text("ring fra +47 912 34 567 og 0047912345678") == "ring fra [nummer] og [nummer]"
    for kept in ("linkedid 1700000000.1", "2026-12-06 04:22:14,760", "pid 12345", "port 5060", "kø 7001"):
        assert mask_text(kept) == kept


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_records_at_info_are_masked_warnings_are_not() -> None:
    keep = _Keep()
    loggers = [logging.getLogger(n) for n in ("uvicorn.access", "procrastinate.worker", "x")]
    levels = [log.level for log in loggers]
    for log in loggers:  # on each logger itself: uvicorn's own config may stop propagation to the root
        log.addHandler(keep)
        log.setLevel(logging.INFO)
    try:
        loggers[0].info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/admin/switchboard/person/?q=Ingrid+Bakke",
                        "1.1", 200)
        loggers[1].info("Starting job sms.send(to=%r)", "+4791234567")
        loggers[2].warning("feil for %s", "+4791234567")
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.removeHandler(keep)
            log.setLevel(level)
    messages = [r.getMessage() for r in keep.records]
    assert "/admin/switchboard/person/?[…]" in messages[0] and "Bakke" not in messages[0]
    assert messages[1] == "Starting job sms.send(to='[nummer]')"
    assert messages[2] == "feil for +4791234567"


def _login(platform: PlatformProcess) -> httpx.Client:
    client = httpx.Client(base_url=platform.url(""), headers={"Host": f"fhi.localhost:{platform.port}"}, timeout=30)
    client.get("/admin/login/")
    answer = client.post("/admin/login/?next=/admin/", data={
        "username": "admin", "password": "demo-passord-2026", "csrfmiddlewaretoken": client.cookies["csrftoken"]},
        headers={"Referer": f"http://fhi.localhost:{platform.port}/admin/login/"})
    assert answer.status_code == 302, answer.text[:300]
    return client


def _wait_web(platform: PlatformProcess, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert platform.proc is not None and platform.proc.poll() is None, platform.log()[-4000:]
        try:
            if platform.get("/health", host="fhi.localhost", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(platform.log()[-4000:])


def _flow(platform: PlatformProcess) -> None:
    client = _login(platform)
    post = {"csrfmiddlewaretoken": client.cookies["csrftoken"]}
    referer = {"Referer": f"http://fhi.localhost:{platform.port}/admin/"}
    for query in ("Ingrid Bakke", "+47 912 34 567", "91234567"):
        assert client.get("/admin/switchboard/person/", params={"q": query}).status_code == 200
    assert client.get("/admin/switchboard/person/?q=%2B4791234567&o=1").status_code == 200
    access = client.post("/admin/etatens-data/personvern/", data={**post, "number": "+4791234567", "action": "access"},
                         headers=referer)
    assert access.status_code == 200 and access.headers["content-type"] == "application/zip"
    people = "fornavn;etternavn;mobil\nÅse;Ødegård;+4791234567\n".encode()
    upload = client.post("/admin/etatens-data/innlesing/", data=post, headers=referer,
                         files={"files": ("personer.csv", people, "text/csv")})
    assert upload.status_code == 302
    deadline = time.monotonic() + 120  # the platform's own job worker runs the dry run
    while client.get(upload.headers["location"] + "status").json()["busy"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert client.get(upload.headers["location"] + "status").json()["status"] == "checked"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_platform_log_has_no_number_or_name_after_a_real_flow(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    platform = PlatformProcess(tmp_path / "platform", DATABASE_URL=database_url_of(connection.settings_dict),
                               LOG_LEVEL="INFO")
    platform.start()
    try:
        _wait_web(platform)
        _flow(platform)
    finally:
        platform.kill_leftovers()
        with schema_context("fhi"):
            from agencydata.models import OnboardingImport

            OnboardingImport.objects.all().delete()
    log = platform.log()
    assert "GET /admin/switchboard/person/?[…]" in log  # the access log is there, with the query masked
    assert "agencydata.onboarding_run" in log  # and so is the worker's line for the job
    assert not NUMBER_IN_LOG.search(log), [line for line in log.splitlines() if NUMBER_IN_LOG.search(line)]
    assert "Bakke" not in log and "Ødegård" not in log
