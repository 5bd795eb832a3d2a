"""State and resync paired, against a real Asterisk: the live state the engine built from events equals the
state a resync (QueueStatus, CoreShowChannels) builds at the end of a call scenario.

With ``RECORD_AMI=<dir>`` the run keeps its raw AMI stream, with the resync answers at the end
(``resync.ami``): that is how ``tests/fixtures/ami/resync_pairing.ami`` was recorded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from asterisk_conf.runtime import find_asterisk
from tests.engine.test_engine_live import _agent_id, _redis_url, _ua, redis_layer  # noqa: F401  (fixture)
from tests.engine.test_resync_pairing import comparable
from tests.harness.ami_client import AmiRecorder
from tests.harness.asterisk_harness import prepare
from tests.harness.baresip_harness import find_baresip
from tests.harness.engine_harness import EngineThread, node_for

pytestmark = [
    pytest.mark.asterisk, pytest.mark.baresip, pytest.mark.redis,
    pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README)."),
    pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)."),
    pytest.mark.skipif(_redis_url() is None, reason="Redis svarer ikke på 127.0.0.1:6379."),
]


def _ask_resync(recorder: AmiRecorder, tag: str) -> None:
    for n, action in enumerate(("QueueStatus", "CoreShowChannels")):
        recorder.client.sock.sendall(f"Action: {action}\r\nActionID: {tag}-{n}\r\n\r\n".encode())
    time.sleep(1.5)


def test_state_from_events_equals_state_after_resync(django_db_setup, django_db_blocker, redis_layer, db,  # noqa: F811
                                                     tmp_path):
    from contactcenter import live_services as services

    base = Path(tempfile.mkdtemp(prefix="cp-resync-"))
    with django_db_blocker.unblock():
        ast = prepare(base)
        assert ast is not None
        ast.start()
    p = ast.profile
    recorder = AmiRecorder("127.0.0.1", p.ami_port, p.ami_username, p.ami_secret, None)
    node = node_for(p)
    et = EngineThread([node])
    agent_id = _agent_id("fhi", "1001")
    agent = _ua(ast, tmp_path, "fhi", "1001", 33100)
    caller = _ua(ast, tmp_path, "fhi", "1005", 33140)
    direct = _ua(ast, tmp_path, "fhi", "1006", 33180)
    try:
        et.wait_for(lambda: et.engine.runtimes["test"].resynced_at, timeout=15)
        _ask_resync(recorder, "start")  # the fixture's starting state, as the engine's own first resync
        services.agent_login(agency="fhi", agent_id=agent_id)
        services.agent_pause(agency="fhi", agent_id=agent_id, reason_code="lunsj")
        et.wait_for(lambda: et.engine.snapshot("fhi")["agents"][str(agent_id)]["state"] == "paused")
        caller.command("dial", "7000")  # waits: the only agent is paused
        et.wait_for(lambda: et.engine.snapshot("fhi")["queues"]["t-fhi-q1"]["callers"])
        direct.command("dial", "1001")  # a direct call to the paused agent, answered
        assert agent.wait_event({"CALL_INCOMING"}, timeout=15) is not None
        agent.command("accept")
        et.wait_for(lambda: sum(1 for c in et.engine.snapshot("fhi")["calls"].values() if c["bridge"]) == 2)
        time.sleep(1)
        from_events = et.snapshot("fhi")
        et.run(et.engine.resync_node("test"))
        after_resync = et.snapshot("fhi")
        # The same resync answers on the recorder's own session, so the fixture holds them after the events.
        _ask_resync(recorder, "resync")
        assert comparable(from_events) == comparable(after_resync)
        assert from_events["queues"]["t-fhi-q1"]["callers"][0]["caller_number"] == "1005"
        assert from_events["agents"][str(agent_id)]["state"] == "paused"
    finally:
        for ua in (direct, caller, agent):
            ua.command("hangup")
        services.agent_logout(agency="fhi", agent_id=agent_id)
        for ua in (direct, caller, agent):
            ua.stop()
        et.stop()
        data = recorder.stop()
        if os.environ.get("RECORD_AMI"):
            Path(os.environ["RECORD_AMI"]).mkdir(parents=True, exist_ok=True)
            (Path(os.environ["RECORD_AMI"]) / "resync.ami").write_bytes(data)
        ast.stop()
        shutil.rmtree(base, ignore_errors=True)
