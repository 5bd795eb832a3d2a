"""Kannel (bearerbox + smsbox + fake SMSC) and the platform's HTTP side, started once per module."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.harness.kannel_harness import Kannel, PlatformHttp, kannel_missing


@pytest.fixture(scope="module")
def platform_http() -> Iterator[PlatformHttp]:
    server = PlatformHttp().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def kannel(platform_http: PlatformHttp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kannel]:
    missing = kannel_missing()
    if missing:
        pytest.skip(missing)
    key = "inbound-test-key"
    os.environ["SMS_INBOUND_KEY"] = key
    url = f"{platform_http.base}/sms/inbound/kannel?key={key}&from=%p&to=%P&text=%a"
    gateway = Kannel(Path(tmp_path_factory.mktemp("kannel")), inbound_url=url).start()
    yield gateway
    gateway.stop()


@pytest.fixture
def sms_settings(settings, kannel: Kannel, platform_http: PlatformHttp):  # type: ignore[no-untyped-def]
    settings.SMS_GATEWAY = {"kind": "kannel", "url": kannel.sendsms_url, "user": kannel.user,
                            "password": kannel.password}
    settings.SMS_CALLBACK_BASE = platform_http.base
    settings.SMS_INBOUND_KEY = "inbound-test-key"
    settings.SMS_RECONCILE_SECONDS = 2
    return settings


def wait_until(check: Callable[[], object], what: str, timeout: float = 20) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(what)
