"""The attendant console's engine side against a real Asterisk with real SIP phones (baresip): a call to the
switchboard number waits in ``sb-fhi-queue``; two operators answer at once and one gets it; hold and answer again;
a blind transfer nobody answers comes back marked; the engine restarts and picks the call up from Asterisk's
bridges; a transfer that is answered puts the caller through; nkh never sees or touches fhi's call."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from asterisk_conf.runtime import find_asterisk
from engine.commands import CommandRefused
from engine.core import NodeConfig
from tests.engine.test_engine_live import _ua
from tests.harness.asterisk_harness import prepare
from tests.harness.baresip_harness import Baresip, find_baresip
from tests.harness.engine_harness import EngineThread, node_for

pytestmark = [
    pytest.mark.asterisk, pytest.mark.baresip,
    pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README)."),
    pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)."),
]
RTP = int(__import__("os").environ.get("TEST_RTP_START", "25000")) + 400


def _auto(ast, tmp_path: Path, slug: str, ext: str, rtp: int) -> Baresip:  # type: ignore[no-untyped-def]
    from tests.engine.test_engine_live import _phone

    user, password = _phone(slug, ext)
    ua = Baresip(tmp_path / f"auto-{slug}{ext}", username=user, password=password, sip_port=ast.profile.sip_port,
                 rtp_base=rtp, answermode="auto")
    for _ in range(50):
        if f"{user}/sip:" in ast.cli("pjsip show contacts"):
            return ua
        time.sleep(0.1)
    raise AssertionError(f"{user} registrerte seg ikke")


def _endpoint(slug: str, ext: str) -> str:
    from tests.engine.test_engine_live import _phone

    return f"PJSIP/{_phone(slug, ext)[0]}"


def _calls(et: EngineThread, slug: str) -> dict:
    return et.snapshot(slug)["switchboard"]


def _one(et: EngineThread, slug: str, state: str) -> dict:
    return et.wait_for(lambda: next((c for c in et.engine.snapshot(slug)["switchboard"].values()
                                     if c["state"] == state), None), timeout=20)  # type: ignore[return-value]


async def _both(engine, a: dict, b: dict) -> list:  # type: ignore[no-untyped-def]
    return await asyncio.gather(engine.execute("sb_answer", "fhi", a), engine.execute("sb_answer", "fhi", b),
                                return_exceptions=True)


@pytest.fixture(scope="module")
def asterisk(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    base = Path(tempfile.mkdtemp(prefix="cp-attendant-"))
    with django_db_blocker.unblock():
        ast = prepare(base)
        assert ast is not None
        ast.start()
    yield ast
    ast.stop()
    shutil.rmtree(base, ignore_errors=True)


def _node(ast) -> NodeConfig:  # type: ignore[no-untyped-def]
    p = ast.profile
    return node_for(p, queue_log=False)


def _engine(ast) -> EngineThread:  # type: ignore[no-untyped-def]
    et = EngineThread([_node(ast)], record_history=False)
    et.wait_for(lambda: et.engine.runtimes["test"].stasis.picked_up_at, timeout=20)
    return et


def _race_to_answer(et, call: dict) -> str:  # type: ignore[no-untyped-def]
    """Two operators answer at once: exactly one gets the call, the other is told it is taken."""
    results = et.run(_both(et.engine, {"call_id": call["call_id"], "endpoint": _endpoint("fhi", "1001")},
                           {"call_id": call["call_id"], "endpoint": _endpoint("fhi", "1002")}))
    refused = [r for r in results if isinstance(r, CommandRefused)]
    assert len(refused) == 1 and "allerede" in str(refused[0])
    winner = _endpoint("fhi", "1001") if not isinstance(results[0], Exception) else _endpoint("fhi", "1002")
    assert _one(et, "fhi", "talking")["operator"] == winner
    return winner


def test_switchboard_call_answer_hold_return_restart_and_put_through(asterisk, db, tmp_path):
    ast = asterisk
    et = _engine(ast)
    caller = _ua(ast, tmp_path, "fhi", "1005", RTP)
    op1, op2 = _auto(ast, tmp_path, "fhi", "1001", RTP + 40), _auto(ast, tmp_path, "fhi", "1002", RTP + 80)
    absent = _ua(ast, tmp_path, "fhi", "1003", RTP + 120)  # rings, never answers
    target = _auto(ast, tmp_path, "fhi", "1004", RTP + 160)
    try:
        caller.command("dial", "21077090")  # fhi's switchboard number
        call = _one(et, "fhi", "waiting")
        assert call["number"] == "+4721077014" and not call["returned"]  # 1005's outbound number
        assert "sb-fhi-queue" in ast.cli("bridge show all")
        assert _calls(et, "nkh") == {}  # isolation: nkh's snapshot has nothing of fhi's call
        with pytest.raises(CommandRefused):
            et.run(et.engine.execute("sb_answer", "nkh", {"call_id": call["call_id"], "endpoint": "PJSIP/nkh-p9"}))

        winner = _race_to_answer(et, call)

        et.run(et.engine.execute("sb_hold", "fhi", {"call_id": call["call_id"], "endpoint": winner}))
        _one(et, "fhi", "held")
        assert f"sb-fhi-hold-{call['call_id']}" in ast.cli("bridge show all")
        et.run(et.engine.execute("sb_answer", "fhi", {"call_id": call["call_id"], "endpoint": winner}))
        _one(et, "fhi", "talking")

        # Blind transfer to a phone that does not answer: after the agency's time it comes back, marked.
        et.run(et.engine.execute("sb_transfer", "fhi", {"call_id": call["call_id"], "endpoint": winner,
                                                        "number": "1003", "timeout": 6}))
        assert absent.wait_event({"CALL_INCOMING"}, timeout=10) is not None
        back = _one(et, "fhi", "waiting")
        assert back["returned"] and back["returned_from"] == "1003"

        # The engine restarts: the call is picked up again from Asterisk's bridges, with its mark and arrival time.
        et.stop()
        et = _engine(ast)
        again = _one(et, "fhi", "waiting")
        assert again["call_id"] == call["call_id"] and again["returned"]
        assert abs(again["arrived"] - call["arrived"]) < 0.01

        # Answer with the new engine; announce to a phone that answers, then put through: the call leaves the list.
        et.run(et.engine.execute("sb_answer", "fhi", {"call_id": call["call_id"], "endpoint": winner}))
        _one(et, "fhi", "talking")
        et.run(et.engine.execute("sb_transfer", "fhi", {"call_id": call["call_id"], "endpoint": winner,
                                                        "number": "1004", "timeout": 10, "announced": True}))
        consulting = _one(et, "fhi", "consulting")
        assert consulting["operator"] == winner and consulting["target"] == "1004"
        et.run(et.engine.execute("sb_complete", "fhi", {"call_id": call["call_id"], "endpoint": winner}))
        et.wait_for(lambda: et.engine.snapshot("fhi")["switchboard"] == {}, timeout=20)
        assert f"sb-fhi-call-{call['call_id']}" in ast.cli("bridge show all")
        caller.command("hangup")
        et.wait_for(lambda: f"sb-fhi-call-{call['call_id']}" not in ast.cli("bridge show all"), timeout=10)
    finally:
        for ua in (caller, op1, op2, absent, target):
            ua.command("hangup")
            ua.stop()
        et.stop()
