"""/metrics against a real Asterisk with a real SIP call: a caller waits in FHI's queue, and the operator's scrape
shows it for FHI only (queue length, calls in progress), with the node's AMI link up; /health/ready says ok.
The web side gets these figures from the engine over the real channel layer (Redis), never from its internals."""

from __future__ import annotations

import re

import pytest

from asterisk_conf.runtime import find_asterisk
from tests.engine.test_engine_live import _redis_url, _ua, live, redis_layer  # noqa: F401 (fixtures)
from tests.harness.baresip_harness import find_baresip
from tests.helpers import OPS_HEADERS

pytestmark = [
    pytest.mark.asterisk, pytest.mark.baresip, pytest.mark.redis,
    pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README)."),
    pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)."),
    pytest.mark.skipif(_redis_url() is None, reason="Redis svarer ikke på 127.0.0.1:6379."),
]


def _value(text: str, sample: str) -> float | None:
    match = re.search(rf"^{re.escape(sample)} ([0-9.e+-]+)$", text, re.M)
    return float(match.group(1)) if match else None


def test_waiting_caller_shows_in_metrics_for_its_agency_only(live, db, tmp_path, client):  # noqa: F811
    ast, et = live
    caller = _ua(ast, tmp_path, "fhi", "1006", 20100)
    try:
        caller.command("dial", "7002")  # Vaksinetelefonen (queue 3): nobody logged in, the caller waits
        et.wait_for(lambda: et.engine.snapshot("fhi")["queues"].get("t-fhi-q3", {}).get("callers"), timeout=15)
        response = client.get("/metrics", HTTP_HOST="localhost", HTTP_AUTHORIZATION=OPS_HEADERS["Authorization"])
        ready = client.get("/health/ready", HTTP_HOST="fhi.localhost").json()
    finally:
        caller.stop()
    text = response.content.decode()
    assert response.status_code == 200
    assert _value(text, "telefoni_engine_up") == 1.0
    assert _value(text, 'telefoni_ami_connected{node="test"}') == 1.0
    assert _value(text, 'telefoni_ami_reconnects_total{node="test"}') == 0.0
    assert _value(text, 'telefoni_engine_lag_seconds{node="test"}') is not None
    assert _value(text, 'telefoni_queue_waiting{agency="fhi",queue="3"}') == 1.0
    assert _value(text, 'telefoni_calls_in_progress{agency="fhi"}') >= 1.0
    assert _value(text, 'telefoni_calls_in_progress{agency="nkh"}') == 0.0
    assert not re.search(r'telefoni_queue_waiting\{agency="nkh"[^}]*\} [1-9]', text)
    assert _value(text, 'telefoni_render_failed{agency="fhi"}') == 0.0
    assert ready == {"status": "ok"}
