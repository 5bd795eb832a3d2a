"""The dialer campaigns' dialplan context (t-<agency>-dialer): rendered only for campaigns that are not finished,
free text only in comments, and loaded by a real Asterisk without a warning."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from asterisk_conf import naming
from asterisk_conf.render import render_to_dir
from asterisk_conf.runtime import find_asterisk
from contactcenter.models import Queue
from outbound.models import Campaign
from tests.harness.asterisk_harness import prepare

pytestmark = pytest.mark.django_db


def test_dialer_context_per_running_campaign_with_amd_and_message(tmp_path) -> None:
    with schema_context("fhi"):
        queue = Queue.objects.get(pk=1)
        amd = Campaign.objects.create(name="Vaksine; [hack]\nexten => 1,1,Hangup", queue=queue, amd=True)
        plain = Campaign.objects.create(name="Oppfølging", queue=queue, status="paused")
        Campaign.objects.create(name="Ferdig", queue=queue, status="done")
    render_to_dir(out_dir=tmp_path)
    text = (tmp_path / "agencies/fhi/extensions.conf").read_text()
    other = (tmp_path / "agencies/nkh/extensions.conf").read_text()
    context = text.split(f"[{naming.context('fhi', 'dialer')}]", 1)[1].split("\n\n", 1)[0]
    assert f"exten => {amd.pk},1,Set(__TENANT=fhi)" in context
    assert f"exten => {plain.pk},1," in context and "Ferdig" not in context
    assert context.count(" same => n,AMD()") == 1
    assert context.count(f"QUEUE_MEMBER({naming.queue_name('fhi', 1)},ready)") == 2
    assert context.count("Playback(dialer-abandoned)") == 2
    assert "\nexten => 1,1,Hangup" not in context  # the name stays a comment
    assert "dialer" not in other


@pytest.mark.asterisk
@pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (ASTERISK_BIN, PATH, /opt/asterisk).")
def test_real_asterisk_loads_the_dialer_context(tmp_path) -> None:
    with schema_context("fhi"):
        campaign = Campaign.objects.create(name="Kampanje ÆØÅ, «høst»", queue=Queue.objects.get(pk=1), amd=True)
    running = prepare(tmp_path / "ast")
    assert running is not None
    running.start()
    try:
        out = running.cli(f"dialplan show {campaign.pk}@{naming.context('fhi', 'dialer')}")
        assert "QUEUE_MEMBER" in out and "AMD()" in out and "dialer-abandoned" in out, out
        assert running.problems() == []
    finally:
        running.stop()


@pytest.mark.asterisk
@pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (ASTERISK_BIN, PATH, /opt/asterisk).")
def test_answered_call_with_no_agent_ready_hears_the_message_and_is_reported_abandoned(tmp_path) -> None:
    """A real call into the campaign's context (as the engine will originate it) with no agent in the queue: the
    callee gets the message, not silence, and the engine gets DialerAbandoned with the attempt's id."""
    from tests.harness.ami_client import AmiClient

    with schema_context("fhi"):
        campaign = Campaign.objects.create(name="Ingen agenter", queue=Queue.objects.get(pk=1))
    running = prepare(tmp_path / "ast")
    assert running is not None
    running.start()
    p = running.profile
    ami = AmiClient("127.0.0.1", p.ami_port, p.ami_username, p.ami_secret)
    try:
        ami.action("Events", EventMask="on")
        resp = ami.action("Originate", Channel=f"Local/{campaign.pk}@{naming.context('fhi', 'dialer')}",
                          Application="Wait", Data="8", Timeout="5000", Variable="DIALER_ATTEMPT=4711", Async="true")
        assert resp["Response"] == "Success", resp
        event = ami.wait_event("UserEvent", timeout=15, UserEvent="DialerAbandoned")
        assert event is not None and event["Attempt"] == "4711" and event["Campaign"] == str(campaign.pk)
        played = ami.wait_event("Newexten", timeout=10, Application="Playback")
        assert played is not None and played["AppData"] == "dialer-abandoned"
        assert running.problems() == []
    finally:
        ami.close()
        running.stop()
