"""SMS through a real Kannel and its fake SMSC: every path a user has (typed number, group, criteria, import,
scheduled), delivery reports, inbound SMS and opt-out, and a send killed mid-way that resumes without duplicates."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from controlplane import jobs
from outbound import selectors, services
from outbound.models import MessageState, OptOut, SmsMessage
from tests.outbound.conftest import wait_until

pytestmark = [pytest.mark.kannel, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _received_by(kannel, number: str) -> list[str]:  # type: ignore[no-untyped-def]
    digits = number.lstrip("+")
    return [text for _s, to, _t, text in kannel.received() if to.lstrip("+") == digits]


def _send(audience, body: str, **kw):  # type: ignore[no-untyped-def]
    return services.sms_send_create(user_id=None, audience=audience, body=body, **kw)


def test_typed_number_gets_norwegian_text_and_delivery_report(kannel, sms_settings) -> None:  # type: ignore[no-untyped-def]
    with schema_context("fhi"):
        body = "Hei! Prøvesvaret ditt er klart. Hilsen FHI, Østfold - ÆØÅæøå."
        send = _send(selectors.audience_typed(text="+47 912 34 501"), body)
    jobs.run_pending_jobs(queues=["sms"])
    got = wait_until(lambda: _received_by(kannel, "+4791234501"), "den falske SMSC-en fikk ingen melding")
    assert got == ["Hei! Prøvesvaret ditt er klart. Hilsen FHI, Østfold - ÆØÅæøå."]
    assert [k for _s, to, k, _t in kannel.received() if to == "4791234501"] == ["text"]  # GSM 7-bit, not UCS-2
    with schema_context("fhi"):
        wait_until(lambda: SmsMessage.objects.get(send=send).state == MessageState.DELIVERED, "ingen leveringsrapport")
        msg = SmsMessage.objects.get(send=send)
        assert msg.encoding == "gsm" and msg.segments == 1 and msg.delivered_at and msg.smsc_accepted_at
        assert selectors.send_progress(send_id=send.pk)["done"] == 1


def test_group_and_criteria_are_deduplicated_and_opted_out_numbers_removed(kannel, sms_settings) -> None:  # type: ignore[no-untyped-def]
    from contactcenter.history import call_started, queue_visit_joined
    from contactcenter.selectors import queue_list

    # The calls are on a day of their own: live tests commit calls of today in fhi's queues too.
    now = timezone.make_aware(dt.datetime(2021, 5, 3, 12))
    with schema_context("fhi"):
        group = services.sms_group_create(name="Beredskap", numbers=[("91234511", "Åse"), ("+4791234512", "Øystein")])
        queue = queue_list().first()
        for i, number in enumerate(["91234512", "91234513"]):
            call_started(linkedid=f"9000.{i}", direction="inbound", caller_number=number, dialed="21077000", at=now)
            queue_visit_joined(linkedid=f"9000.{i}", uniqueid=f"9000.{i}", queue_id=queue.pk, caller_number=number,
                               position=1, at=now)
        services.optout_add(number="91234513")
        rows = (selectors.audience_group(group_id=group.pk).recipients
                + selectors.audience_callers(since=now - dt.timedelta(hours=1), until=now + dt.timedelta(hours=1),
                                             queue_id=queue.pk).recipients)
        audience = selectors.audience_from_rows(label="gruppe + innringere", rows=[{"navn": "deg", **r} for r in rows])
        assert [r["nummer"] for r in audience.recipients] == ["+4791234511", "+4791234512"]
        assert audience.duplicates == 1
        preview = selectors.message_preview(body="Hei {navn}", audience=audience)
        assert preview["count"] == 2 and preview["segments"] == 1 and preview["missing"] == []
        _send(audience, "Hei {navn}, vi har fått svaret ditt.")
    jobs.run_pending_jobs(queues=["sms"])
    wait_until(lambda: _received_by(kannel, "+4791234512"), "gruppemedlemmet fikk ingen melding")
    assert _received_by(kannel, "+4791234511") == ["Hei Åse, vi har fått svaret ditt."]
    assert _received_by(kannel, "+4791234512") == ["Hei Øystein, vi har fått svaret ditt."]
    assert _received_by(kannel, "+4791234513") == []


def test_series_and_inquiry_category_audiences(kannel, sms_settings) -> None:  # type: ignore[no-untyped-def]
    from contactcenter.services import message_inquiry_register

    with schema_context("fhi"):
        series = selectors.audience_series(first="91234520", last="91234524")
        assert series.count == 5
        inquiry = message_inquiry_register(channel="sms", from_number="+4791234530", message="Spørsmål om vaksine")
        from contactcenter.selectors import inquiry_category_list

        category_id = inquiry_category_list()[0]["id"]
        from contactcenter.models import Inquiry  # test setup only: give the inquiry a category

        Inquiry.objects.filter(pk=inquiry.pk).update(category_id=category_id)
        by_category = selectors.audience_inquiry_category(category_id=category_id)
        assert "+4791234530" in [r["nummer"] for r in by_category.recipients]
        _send(series, "Serie")
    jobs.run_pending_jobs(queues=["sms"])
    wait_until(lambda: _received_by(kannel, "+4791234524"), "serien kom ikke fram")
    assert all(_received_by(kannel, f"+479123452{i}") == ["Serie"] for i in range(5))


def test_scheduled_send_waits_for_its_time(kannel, sms_settings) -> None:  # type: ignore[no-untyped-def]
    with schema_context("fhi"):
        _send(selectors.audience_typed(text="91234540"), "Påminnelse", scheduled_at=timezone.now() + dt.timedelta(seconds=3))
    jobs.run_pending_jobs(queues=["sms"])
    assert _received_by(kannel, "+4791234540") == []
    time.sleep(3.5)
    jobs.run_pending_jobs(queues=["sms"])
    assert wait_until(lambda: _received_by(kannel, "+4791234540"), "planlagt melding kom ikke") == ["Påminnelse"]


def test_long_ucs2_message_is_split_and_counted(kannel, sms_settings) -> None:  # type: ignore[no-untyped-def]
    body = "Hei 😀 " + "x" * 200  # an emoji is not GSM: UCS-2, 67 per part
    with schema_context("fhi"):
        preview = selectors.message_preview(body=body, audience=selectors.audience_typed(text="91234550"))
        assert preview["encoding"] == "ucs2" and preview["segments"] == 4
        _send(selectors.audience_typed(text="91234550"), body)
    jobs.run_pending_jobs(queues=["sms"])
    parts = wait_until(lambda: len(_received_by(kannel, "+4791234550")) >= 4 and _received_by(kannel, "+4791234550"),
                       "den lange meldingen kom ikke fram i fire deler")
    assert len(parts) == 4


def test_inbound_sms_becomes_inquiry_and_stop_word_opts_out(kannel, sms_settings) -> None:  # type: ignore[no-untyped-def]
    from contactcenter.selectors import message_inquiries

    kannel.send_mo(sender="4790000001", receiver="4721077010", text="Hei, når kommer svaret på prøven min?")
    kannel.send_mo(sender="4791234560", receiver="4721077010", text="STOPP")
    with schema_context("fhi"):
        wait_until(lambda: OptOut.objects.filter(number="+4791234560").exists(), "stoppordet meldte ikke av")
        row = wait_until(lambda: [i for i in message_inquiries() if i["from_number"] == "+4790000001"],
                         "innkommende SMS ble ingen henvendelse")[0]
        assert row["message"] == "Hei, når kommer svaret på prøven min?" and row["channel"] == "sms"
        assert selectors.audience_typed(text="91234560").count == 0
    with schema_context("nkh"):
        assert message_inquiries() == [] and not OptOut.objects.exists()


def test_killed_send_resumes_without_duplicates(kannel, sms_settings) -> None:  # type: ignore[no-untyped-def]
    """A sender killed after claiming a batch and handing part of it to Kannel: the resumed job sends the rest,
    reconciles the handed ones by their delivery reports and resends only those Kannel never got."""
    from outbound.gateway import Outgoing, gateway_from_settings
    from outbound.sender import claim

    numbers = [f"9123{i:04d}" for i in range(6000, 6100)]
    with schema_context("fhi"):
        send = _send(selectors.audience_typed(text=",".join(numbers)), "Massesending")
        rows = claim(send_id=send.pk, limit=30)  # the killed sender's batch: 30 claimed, 12 handed over
        gateway = gateway_from_settings()
        for msg_id, number, body, encoding in rows[:12]:
            gateway.send(Outgoing(to=number, sender="FHI", text=body, encoding=encoding,
                                  report_url=services.report_url(slug="fhi", message_id=msg_id)))
        gateway.close()
    jobs.run_pending_jobs(queues=["sms"])
    wait_until(lambda: len([r for r in kannel.received() if r[3] == "Massesending"]) >= 100, "ikke alle kom fram")
    time.sleep(1)
    counts = Counter(r[1] for r in kannel.received() if r[3] == "Massesending")
    assert len(counts) == 100 and set(counts.values()) == {1}


def test_send_whose_worker_died_is_queued_again_by_the_resume_job(kannel, sms_settings) -> None:  # type: ignore[no-untyped-def]
    """The periodic resume job's body: a running send whose heartbeat went stale (its worker was killed) is queued
    again and finishes; a send that is still beating is left alone."""
    from outbound.models import SendStatus, SmsSend
    from outbound.tasks import sends_resume

    with schema_context("fhi"):
        send = _send(selectors.audience_typed(text="91234590, 91234591"), "Gjenopptatt")
    with schema_context("fhi"):  # as if a worker took the job and died before sending anything
        from procrastinate.contrib.django.models import ProcrastinateJob

        ProcrastinateJob.objects.filter(task_name="outbound.sms_send").delete()
        SmsSend.objects.filter(pk=send.pk).update(status=SendStatus.RUNNING, heartbeat_at=timezone.now())
        assert sends_resume("fhi") == []  # still beating
        SmsSend.objects.filter(pk=send.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
        assert sends_resume("fhi") == [send.pk]
    jobs.run_pending_jobs(queues=["sms"])
    wait_until(lambda: _received_by(kannel, "+4791234591"), "den gjenopptatte utsendingen kom ikke fram")
    with schema_context("fhi"):
        assert SmsSend.objects.get(pk=send.pk).status == SendStatus.DONE
