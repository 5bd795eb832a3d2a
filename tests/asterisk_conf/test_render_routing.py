"""Skill routing and priority callers in the rendered config, and Asterisk loading it (real Asterisk)."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from asterisk_conf.generators.queuerules import penalty_steps
from asterisk_conf.render import render_to_dir
from contactcenter.models import PriorityCaller, QueueRouting

pytestmark = pytest.mark.django_db


def test_the_circle_widens_step_by_step_to_every_level():
    routing = {"start_level": 8, "widen_after_seconds": 30, "widen_levels": 2}
    assert penalty_steps(routing) == [(30, 4), (60, 6), (90, 8), (120, 9)]
    assert penalty_steps({"start_level": 1, "widen_after_seconds": 30, "widen_levels": 2}) == []


def test_routing_and_priority_callers_are_rendered_for_their_agency_only(tmp_path):
    with schema_context("fhi"):
        QueueRouting.objects.create(queue_id=1, start_level=7, widen_after_seconds=20, widen_levels=3)
        PriorityCaller.objects.create(number="+4722334455", note="Fastlege, «prioritert»")
        PriorityCaller.objects.create(number="112")
    render_to_dir(out_dir=tmp_path)
    rules = (tmp_path / "agencies/fhi/queuerules.conf").read_text()
    assert "[t-fhi-q1-widen]\npenaltychange => 20,6\npenaltychange => 40,9\n" in rules
    queues = (tmp_path / "agencies/fhi/queues.conf").read_text()
    assert "defaultrule=t-fhi-q1-widen" in queues and queues.count("defaultrule=") == 1
    dialplan = (tmp_path / "agencies/fhi/extensions.conf").read_text()
    assert "Set(QUEUE_MAX_PENALTY=3)" in dialplan
    assert 'REGEX("^(([+]?47|0047)?22334455|[+]?112)$" ${CALLERID(num)})}]?10:0)' in dialplan
    assert "22334455" not in (tmp_path / "agencies/nkh/extensions.conf").read_text()
    assert "widen" not in (tmp_path / "agencies/nkh/queuerules.conf").read_text()
    assert "#include" in (tmp_path / "queuerules.conf").read_text()


def test_a_priority_number_with_letters_is_refused():
    from django.core.exceptions import ValidationError

    with schema_context("fhi"), pytest.raises(ValidationError):
        PriorityCaller(number="22;Dial(x)").full_clean()


def test_a_priority_did_sets_the_queue_priority_of_its_callers_only(tmp_path):
    from switchboard import services as sb

    with schema_context("fhi"):
        sb.did_create(number="+4721077091", dest_kind="queue", dest_ref=1, label="Fastleger", priority=True)
        sb.did_create(number="+4721077092", dest_kind="queue", dest_ref=1, label="Vanlig")
    render_to_dir(out_dir=tmp_path)
    dialplan = (tmp_path / "agencies/fhi/extensions.conf").read_text()
    prio_did = dialplan[dialplan.index("exten => 4721077091,1"):].split("exten =>", 2)[1]
    plain_did = dialplan[dialplan.index("exten => 4721077092,1"):].split("exten =>", 2)[1]
    assert "Set(__DID_PRIO=1)" in prio_did and "DID_PRIO" not in plain_did
    assert 'ExecIf($["${DID_PRIO}" = "1"]?Set(QUEUE_PRIO=10))' in dialplan
    assert "DID_PRIO" not in (tmp_path / "agencies/nkh/extensions.conf").read_text()
