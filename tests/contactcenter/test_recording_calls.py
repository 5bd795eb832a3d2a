"""Recording under GDPR with real calls (baresip -> real Asterisk, engine over real Redis): the caller hears the
queue's welcome, then the notice before recording; pressing the opt-out key before an agent answers means no
recording; an agent starts recording mid-call only with one of the agency's legal bases, and that recording gets
its own retention."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from django.test import override_settings
from django_tenants.utils import schema_context

from asterisk_conf import naming
from asterisk_conf.runtime import find_asterisk
from asterisk_conf.sounds.tts import EspeakSynthesizer
from engine.client import EngineRefused
from tests.harness.asterisk_harness import prepare
from tests.harness.baresip_harness import Baresip, find_baresip
from tests.harness.engine_harness import EngineThread, node_for

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.asterisk, pytest.mark.baresip, pytest.mark.redis, pytest.mark.tts,
    pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README)."),
    pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)."),
    pytest.mark.skipif(not EspeakSynthesizer.available(), reason="espeak-ng og sox er ikke installert."),
]
RTP = int(os.environ.get("TEST_RTP_START", "31000")) + 600
WELCOME = re.compile(r"Playing '[^']*/prompts/welcome-[0-9a-f]+\.\w+' \(language 'no'\)")
NOTICE = re.compile(r"Playing '(?P<file>[^']*/prompts/recording-notice-[0-9a-f]+)\.\w+' \(language 'no'\)")


def _redis_ok() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def redis_layer():  # type: ignore[no-untyped-def]
    if not _redis_ok():
        pytest.skip("Redis svarer ikke på 127.0.0.1:6379.")
    from channels.layers import channel_layers
    from django.conf import settings

    old = settings.CHANNEL_LAYERS
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                           "CONFIG": {"hosts": ["redis://127.0.0.1:6379/0"],
                                                      "prefix": f"test-{uuid.uuid4().hex[:12]}"}}}
    channel_layers.backends.clear()
    yield
    settings.CHANNEL_LAYERS = old
    channel_layers.backends.clear()


@pytest.fixture(scope="module")
def live(django_db_setup, django_db_blocker, redis_layer):  # type: ignore[no-untyped-def]
    """Queue 7000 (fhi) records always, after a Norwegian notice; a legal basis for abusive calls exists."""
    from contactcenter import prompts, recordings
    from contactcenter.models import Queue
    from contactcenter.models_voice import LegalBasis, QueueWelcome, RecordingPolicy
    from switchboard.services import config_object_save

    base = Path(tempfile.mkdtemp(prefix="cp-rec-"))
    spool = override_settings(ASTERISK_SPOOL_DIR=base / "platform-spool")  # recordings and prompts of this module
    spool.enable()
    with django_db_blocker.unblock():
        with schema_context("fhi"):
            notice = prompts.prompt_synthesize(agency="fhi", kind="recording_notice", name="Opptak",
                                               text="Samtalen blir tatt opp. Trykk ni hvis du ikke vil det.")
            recordings.recording_policy_set(queue=Queue.objects.get(pk=1), mode="always", notice=notice,
                                            opt_out_digit="9", retention_days=30)
            recordings.legal_basis_create(code="trusler", name="Trusler mot ansatte (GDPR art. 6 nr. 1 f)",
                                          retention_days=180)
            welcome = prompts.prompt_synthesize(agency="fhi", kind="welcome", name="Velkommen",
                                                text="Velkommen til Folkehelseinstituttet.")
            config_object_save(obj=QueueWelcome(queue=Queue.objects.get(pk=1), prompt=welcome))
        ast = prepare(base)
        ast.start()
        ast.cli("logger add channel calls.log verbose(3)")
        p = ast.profile
        node = node_for(p)
        et = EngineThread([node])
        et.wait_for(lambda: et.engine.runtimes["test"].resynced_at, timeout=15)
        try:
            yield ast, et
        finally:
            et.stop()
            ast.stop()
            with schema_context("fhi"):
                RecordingPolicy.objects.all().delete()
                LegalBasis.objects.filter(code="trusler").delete()
                QueueWelcome.objects.all().delete()
                notice.delete()
                welcome.delete()
            spool.disable()
    if not os.environ.get("KEEP_TEST_ASTERISK"):
        shutil.rmtree(base, ignore_errors=True)


def _ua(ast, tmp: Path, ext: str, rtp: int) -> tuple[Baresip, str]:  # type: ignore[no-untyped-def]
    from switchboard.models import Phone

    with schema_context("fhi"):
        phone = Phone.objects.filter(extension__number=ext, is_active=True).order_by("id").first()
        user, password = naming.endpoint_name("fhi", phone.pk), phone.sip_password
    ua = Baresip(tmp / ext, username=user, password=password, sip_port=ast.profile.sip_port, rtp_base=rtp)
    for _ in range(50):
        if f"{user}/sip:" in ast.cli("pjsip show contacts"):
            return ua, user
        time.sleep(0.1)
    raise AssertionError(f"{user} registrerte seg ikke")


def _wait_log(ast, pattern: re.Pattern, start: int, timeout: float = 20):  # type: ignore[no-untyped-def]
    log = ast.profile.log_dir / "calls.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = pattern.search(log.read_text(errors="replace")[start:])
        if match:
            return match
        time.sleep(0.1)
    raise AssertionError(f"{pattern.pattern} kom ikke i loggen")


def _log_size(ast) -> int:  # type: ignore[no-untyped-def]
    log = ast.profile.log_dir / "calls.log"
    return len(log.read_text(errors="replace")) if log.exists() else 0


def _queue_call(ast, tmp: Path, *, opt_out: bool) -> set[Path]:  # type: ignore[no-untyped-def]
    """1005 calls queue 7000; agent 1001 (a static member here) answers; returns the new recording files."""
    from contactcenter.recordings import folder

    before = set(folder("fhi").glob("*-q1-*.wav")) if folder("fhi").exists() else set()
    agent, agent_user = _ua(ast, tmp, "1001", RTP + (100 if opt_out else 0))
    caller, _ = _ua(ast, tmp, "1005", RTP + 40 + (100 if opt_out else 0))
    ast.cli(f"queue add member PJSIP/{agent_user} to t-fhi-q1")
    try:
        start = _log_size(ast)
        caller.command("dial", "7000")
        match = _wait_log(ast, NOTICE, start)
        welcome = _wait_log(ast, WELCOME, start)
        assert welcome.start() < match.start()  # the welcome first, then the recording notice
        assert Path(match["file"]).parent == Path(folder("fhi")).parent / "prompts"
        if opt_out:
            caller.command("sndcode", "9")
        assert agent.wait_event({"CALL_INCOMING"}, timeout=20) is not None
        agent.command("accept")
        assert agent.wait_event({"CALL_ESTABLISHED"}, timeout=10) is not None
        time.sleep(2.5)
        caller.command("hangup")
        time.sleep(1.0)
    finally:
        ast.cli(f"queue remove member PJSIP/{agent_user} from t-fhi-q1")
        caller.stop()
        agent.stop()
    after = set(folder("fhi").glob("*-q1-*.wav")) if folder("fhi").exists() else set()
    return after - before


def test_notice_then_recording_of_the_answered_call(live, db, tmp_path):
    from contactcenter.models import Recording
    from contactcenter.recordings import recordings_sync

    ast, _et = live
    new = _queue_call(ast, tmp_path, opt_out=False)
    assert len(new) == 1
    path = new.pop()
    assert path.stat().st_size > 1000  # bridged audio beyond the 44-byte WAV header
    with schema_context("fhi"):
        assert recordings_sync(agency="fhi") >= 1
        rec = Recording.objects.get(path=str(path))
        assert rec.retention_class == "policy" and rec.queue_id == 1
        assert rec.delete_after - rec.started_at == dt.timedelta(days=30)


def test_caller_who_presses_9_during_the_notice_is_not_recorded(live, db, tmp_path):
    ast, _et = live
    assert _queue_call(ast, tmp_path, opt_out=True) == set()


def test_agent_starts_recording_mid_call_only_with_a_legal_basis(live, db, tmp_path):
    from contactcenter.models import Recording
    from contactcenter.recordings import recording_start_with_basis

    ast, et = live
    with schema_context("fhi"):
        from contactcenter.models import Agent

        agent_id = Agent.objects.get(extension__number="1001").pk
    agent, agent_user = _ua(ast, tmp_path, "1001", RTP + 200)
    caller, _ = _ua(ast, tmp_path, "1005", RTP + 240)
    try:
        caller.command("dial", "1001")  # a direct call: no policy, no notice
        assert agent.wait_event({"CALL_INCOMING"}, timeout=15) is not None
        agent.command("accept")
        channel = et.wait_for(lambda: next((c["channel"] for c in et.engine.snapshot("fhi")["calls"].values()
                                            if c["channel"].startswith(f"PJSIP/{agent_user}-") and c["bridge"]), None))
        with schema_context("fhi"), pytest.raises(EngineRefused, match="rettslig grunnlag"):
            recording_start_with_basis(agency="fhi", agent_id=agent_id, channel=channel, legal_basis_code="")
        assert not [c for c in et.engine.snapshot("fhi")["calls"].values() if c.get("recording")]
        with schema_context("fhi"):
            rec = recording_start_with_basis(agency="fhi", agent_id=agent_id, channel=channel,
                                             legal_basis_code="trusler")
        time.sleep(2.5)
        caller.command("hangup")
        et.wait_for(lambda: not et.engine.snapshot("fhi")["calls"], timeout=10)
    finally:
        caller.stop()
        agent.stop()
    et.wait_for(lambda: Path(rec.path).exists() and Path(rec.path).stat().st_size > 1000, timeout=10)
    with schema_context("fhi"):
        rec = Recording.objects.get(pk=rec.pk)
        assert rec.retention_class == "abuse" and rec.legal_basis.code == "trusler"
        assert rec.delete_after - rec.started_at == dt.timedelta(days=180)
        assert rec.started_by_id == agent_id


def test_opted_out_caller_is_recorded_mid_call_only_with_a_basis_for_abusive_calls(live, db, tmp_path):
    """The caller presses 9 during the notice; the agent can then not start recording with an ordinary basis, only
    with one marked ``overrides_opt_out`` (threats and abuse)."""
    from contactcenter.models import Agent, Recording
    from contactcenter.models_voice import LegalBasis
    from contactcenter.recordings import legal_basis_create, recording_start_with_basis

    ast, et = live
    with schema_context("fhi"):
        agent_id = Agent.objects.get(extension__number="1001").pk
        legal_basis_create(code="krenkende", name="Trusler og krenkelser, også ved reservasjon", retention_days=365,
                           overrides_opt_out=True)
    agent, agent_user = _ua(ast, tmp_path, "1001", RTP + 300)
    caller, _ = _ua(ast, tmp_path, "1005", RTP + 340)
    ast.cli(f"queue add member PJSIP/{agent_user} to t-fhi-q1")
    try:
        start = _log_size(ast)
        caller.command("dial", "7000")
        _wait_log(ast, NOTICE, start)
        caller.command("sndcode", "9")
        assert agent.wait_event({"CALL_INCOMING"}, timeout=20) is not None
        agent.command("accept")
        channel = et.wait_for(lambda: next((c["channel"] for c in et.engine.snapshot("fhi")["calls"].values()
                                            if c["channel"].startswith(f"PJSIP/{agent_user}-") and c["bridge"]), None))
        with schema_context("fhi"):
            rows = Recording.objects.count()
            with pytest.raises(EngineRefused, match="reservert seg mot opptak"):
                recording_start_with_basis(agency="fhi", agent_id=agent_id, channel=channel, legal_basis_code="trusler")
            assert Recording.objects.count() == rows
        assert not [c for c in et.engine.snapshot("fhi")["calls"].values() if c.get("recording")]
        with schema_context("fhi"):
            rec = recording_start_with_basis(agency="fhi", agent_id=agent_id, channel=channel,
                                             legal_basis_code="krenkende")
        time.sleep(2.5)
        caller.command("hangup")
        et.wait_for(lambda: not et.engine.snapshot("fhi")["calls"], timeout=10)
    finally:
        ast.cli(f"queue remove member PJSIP/{agent_user} from t-fhi-q1")
        caller.stop()
        agent.stop()
    et.wait_for(lambda: Path(rec.path).exists() and Path(rec.path).stat().st_size > 1000, timeout=10)
    with schema_context("fhi"):
        rec = Recording.objects.get(pk=rec.pk)
        assert rec.retention_class == "abuse" and rec.legal_basis.code == "krenkende"
        assert rec.delete_after - rec.started_at == dt.timedelta(days=365)
        Recording.objects.filter(legal_basis__code="krenkende").delete()
        LegalBasis.objects.filter(code="krenkende").delete()
