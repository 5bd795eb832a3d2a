"""Thin edges: write services are atomic and announce their change once on commit; the console's
inquiry registration and page data are services and selectors the edges only call."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from contactcenter import services as cc
from contactcenter.models import Agent, InquiryCategory, Queue
from switchboard import services as sb
from tests.helpers import capture_announcements


@pytest.fixture
def fhi():  # type: ignore[no-untyped-def]
    with schema_context("fhi"):
        yield
    connection.set_schema_to_public()


def test_agent_create_announces_once_on_commit(fhi):  # type: ignore[no-untyped-def]
    with capture_announcements() as sent:
        person = sb.person_create(first_name="Eva", last_name="Testesen")
        ext = sb.extension_create(number="1990", person=person)
        skill = cc.skill_create(name="Testferdighet")
    assert sent == ["fhi"]
    with capture_announcements() as sent:
        agent = cc.agent_create(person=person, extension=ext, queues=list(Queue.objects.all()[:2]),
                                skills={skill: 7})
    assert sent == ["fhi"]
    assert agent.skills.get().level == 7


def test_refused_agent_create_writes_nothing_and_announces_nothing(fhi):  # type: ignore[no-untyped-def]
    person = sb.person_create(first_name="Ola", last_name="Avvist")
    ext = sb.extension_create(number="1991", person=person)
    skill = cc.skill_create(name="Ferdighet som feiler")
    with capture_announcements() as sent:
        with pytest.raises(ValidationError):
            cc.agent_create(person=person, extension=ext, skills={skill: 99})  # level 1–10
    assert sent == []
    assert not Agent.objects.filter(person=person).exists()


def test_refused_queue_create_announces_nothing(fhi):  # type: ignore[no-untyped-def]
    with capture_announcements() as sent:
        with pytest.raises(ValidationError):
            cc.queue_create(name="Kø; med semikolon")
    assert sent == []


def test_console_inquiry_register_checks_the_queue_and_category(fhi):  # type: ignore[no-untyped-def]
    agent = Agent.objects.order_by("id").first()
    queue = Queue.objects.order_by("id").first()
    assert agent is not None and queue is not None
    with pytest.raises(PermissionError, match="Du har ikke tilgang til denne køen."):
        cc.console_inquiry_register(agent_id=agent.pk, queue_id=queue.pk, category_id=None, note="",
                                    allowed_queue_ids=set())
    with pytest.raises(ValidationError, match="Ukjent kategori."):
        cc.console_inquiry_register(agent_id=agent.pk, queue_id=queue.pk, category_id=999999, note="",
                                    allowed_queue_ids={queue.pk})
    category = InquiryCategory.objects.filter(queue=queue).first() or cc.inquiry_category_create(
        queue=queue, code="test", name="Test")
    inquiry = cc.console_inquiry_register(agent_id=agent.pk, queue_id=queue.pk, category_id=category.pk,
                                          note=" Ringte om vaksine ", allowed_queue_ids={queue.pk})
    assert (inquiry.queue_id, inquiry.category_id, inquiry.agent_id, inquiry.note) == (
        queue.pk, category.pk, agent.pk, "Ringte om vaksine")


def test_console_page_data_gives_the_agents_own_channel_prefixes(fhi):  # type: ignore[no-untyped-def]
    from asterisk_conf import naming
    from contactcenter.selectors import console_page

    agent = Agent.objects.filter(user__isnull=False, is_supervisor=False).select_related("user").first()
    assert agent is not None
    page = console_page(user=agent.user)
    phones = agent.extension.phones.filter(is_active=True).order_by("id")
    assert page["own_prefixes"] == [f"PJSIP/{naming.endpoint_name('fhi', p.pk)}-" for p in phones]
    assert page["supervisor"] is False
    assert {q["id"] for q in page["queues"]} == set(agent.queues.values_list("id", flat=True))


def test_engine_health_report_is_degraded_without_ari_or_with_bad_config() -> None:
    from controlplane.health import engine_health_report

    link = {"connected": True, "since": 1.0, "last_event_at": 2.0}
    body, ok = engine_health_report({"nodes": {"node1": {"ami": link, "ari": link}}, "config": {"ok": True}})
    assert ok and body["engine"] == "ok" and body["nodes"]["node1"]["ami_since"] == 1.0
    body, ok = engine_health_report({"nodes": {"node1": {"ami": link, "ari": None}}})
    assert not ok and body["engine"] == "degraded" and body["nodes"]["node1"]["ari"] is False
    body, ok = engine_health_report({"nodes": {"node1": {"ami": link, "ari": link}}, "config": {"ok": False}})
    assert not ok and body["engine"] == "degraded"
    assert engine_health_report({"nodes": {}})[1] is False
