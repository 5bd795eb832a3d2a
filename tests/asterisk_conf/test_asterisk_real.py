"""Proof against a real Asterisk: the rendered demo config loads cleanly, phones of every tier
register with their generated credentials, and one agency's phones cannot reach another's."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from asterisk_conf import naming
from asterisk_conf.runtime import find_asterisk
from tests.harness.ami_client import AmiClient
from tests.harness.asterisk_harness import prepare
from tests.harness.baresip_harness import Baresip, find_baresip

pytestmark = [
    pytest.mark.asterisk,
    pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (ASTERISK_BIN, PATH eller "
                       "/opt/asterisk/sbin/asterisk); se README for hvordan du får Asterisk."),
]
needs_baresip = pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)")


@pytest.fixture(scope="module")
def asterisk(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    base = Path(tempfile.mkdtemp(prefix="cp-ast-"))
    with django_db_blocker.unblock():
        running = prepare(base)
    assert running is not None
    running.start()
    yield running
    running.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def ami(asterisk):  # type: ignore[no-untyped-def]
    p = asterisk.profile
    client = AmiClient("127.0.0.1", p.ami_port, p.ami_username, p.ami_secret)
    yield client
    client.close()


def _phones(slug: str) -> list[tuple[int, str, str, str]]:
    from switchboard.models import Phone

    with schema_context(slug):
        return [(p.pk, p.tier, p.sip_password, p.extension.number)
                for p in Phone.objects.select_related("extension").filter(is_active=True).order_by("id")]


@pytest.mark.django_db
def test_rendered_demo_config_loads_without_a_warning(asterisk):
    problems = asterisk.problems()
    assert problems == [], "\n".join(problems)
    endpoints = asterisk.cli("pjsip show endpoints")
    queues = asterisk.cli("queue show")
    vm_users = asterisk.cli("voicemail show users")
    moh = asterisk.cli("moh show classes")
    for slug in ("fhi", "nkh"):
        phones = _phones(slug)
        assert phones
        for pk, _tier, _pw, ext in phones:
            assert f"Endpoint:  {naming.endpoint_name(slug, pk)}/{ext} " in endpoints
        from contactcenter.models import MusicOnHold, Queue
        from switchboard.models import Voicemail

        with schema_context(slug):
            for q in Queue.objects.all():
                assert f"{naming.queue_name(slug, q.pk)} has 0 calls" in queues
            for vm in Voicemail.objects.select_related("extension"):
                assert re.search(rf"^{naming.voicemail_context(slug)}\s+{vm.extension.number}\s", vm_users, re.M)
            for m in MusicOnHold.objects.all():
                assert f"Class: {naming.moh_class(slug, m.pk)}" in moh
        assert f"Class: {naming.default_moh_class(slug)}" in moh
        for role in ("phones", "internal", "dest", "outbound", "did", "holidays"):
            out = asterisk.cli(f"dialplan show {naming.context(slug, role)}")
            assert f"Context '{naming.context(slug, role)}'" in out, out
    assert asterisk.problems() == []


@pytest.mark.django_db
def test_ami_originate_cannot_reach_another_agencys_extension(asterisk, ami):
    fhi_only = {p[3] for p in _phones("fhi")} - {p[3] for p in _phones("nkh")}
    assert fhi_only, "demoen skal ha internnumre som bare FHI har"
    ext = sorted(fhi_only)[0]
    # From an NKH phone's context, FHI's extension does not exist.
    resp = ami.action("Originate", Channel=f"Local/{ext}@{naming.context('nkh', 'phones')}",
                      Application="Wait", Data="1", Timeout="3000")
    assert resp["Response"] == "Error"
    # The same extension exists from FHI's own phones.
    out = asterisk.cli(f"dialplan show {ext}@{naming.context('fhi', 'phones')}")
    assert f"'{ext}' =>" in out
    out = asterisk.cli(f"dialplan show {ext}@{naming.context('nkh', 'phones')}")
    assert "There is no existence" in out or "not found" in out.lower()


@pytest.mark.baresip
@needs_baresip
@pytest.mark.django_db
def test_each_tier_registers_with_generated_credentials(asterisk, tmp_path):
    phones = {}
    for pk, tier, password, _ext in _phones("fhi"):
        phones.setdefault(tier, (pk, password))
    assert set(phones) == {"simple", "standard", "advanced"}
    uas = []
    try:
        for i, (tier, (pk, password)) in enumerate(sorted(phones.items())):
            uas.append(Baresip(tmp_path / tier, username=naming.endpoint_name("fhi", pk), password=password,
                               sip_port=asterisk.profile.sip_port, rtp_base=34000 + 20 * i))
        bad_pk = next(pk for pk, *_ in _phones("nkh"))
        uas.append(Baresip(tmp_path / "wrong", username=naming.endpoint_name("nkh", bad_pk),
                           password="feil-passord-123456", sip_port=asterisk.profile.sip_port, rtp_base=34100))
        contacts = ""
        for _ in range(50):
            contacts = asterisk.cli("pjsip show contacts")
            if all(f"{naming.endpoint_name('fhi', pk)}/sip:" in contacts for pk, _ in phones.values()):
                break
            import time
            time.sleep(0.2)
        for _tier, (pk, _pw) in phones.items():
            assert f"{naming.endpoint_name('fhi', pk)}/sip:" in contacts
        assert f"{naming.endpoint_name('nkh', bad_pk)}/sip:" not in contacts
    finally:
        for ua in uas:
            ua.stop()


@pytest.mark.baresip
@needs_baresip
@pytest.mark.django_db
def test_real_sip_call_reaches_other_agency_only_by_public_number(asterisk, tmp_path):
    from switchboard.models import Did, Extension

    fhi_phones = {p[3]: p for p in _phones("fhi")}
    nkh_phones = _phones("nkh")
    fhi_only_ext = sorted(set(fhi_phones) - {p[3] for p in nkh_phones})[0]
    callee_pk, _tier, callee_pw, _ = fhi_phones[fhi_only_ext]
    caller_pk, _tier, caller_pw, _ = nkh_phones[0]
    with schema_context("fhi"):
        ext_pk = Extension.objects.get(number=fhi_only_ext).pk
        public = Did.objects.get(dest_kind="extension", dest_ref=ext_pk).number
    port = asterisk.profile.sip_port
    callee = Baresip(tmp_path / "callee", username=naming.endpoint_name("fhi", callee_pk), password=callee_pw,
                     sip_port=port, rtp_base=34200)
    caller = Baresip(tmp_path / "caller", username=naming.endpoint_name("nkh", caller_pk), password=caller_pw,
                     sip_port=port, rtp_base=34240)
    try:
        import time
        for _ in range(50):
            contacts = asterisk.cli("pjsip show contacts")
            if naming.endpoint_name("fhi", callee_pk) in contacts and naming.endpoint_name("nkh", caller_pk) in contacts:
                break
            time.sleep(0.2)
        # 1) NKH dials FHI's internal extension: Asterisk refuses, FHI's phone never rings.
        caller.command("dial", fhi_only_ext)
        closed = caller.wait_event({"CALL_CLOSED", "CALL_ESTABLISHED", "CALL_RINGING"}, timeout=10)
        assert closed is not None and closed["type"] == "CALL_CLOSED" and "404" in closed.get("param", "")
        assert callee.wait_event({"CALL_INCOMING"}, timeout=2) is None
        # 2) NKH dials FHI's public number for that person: FHI's phone rings, showing NKH's public number.
        caller.command("dial", public.removeprefix("+47"))
        incoming = callee.wait_event({"CALL_INCOMING"}, timeout=10)
        assert incoming is not None
        assert "+4755549" in incoming.get("peeruri", "")
        caller.command("hangup")
    finally:
        caller.stop()
        callee.stop()
