"""The attendant's message sent by SMS to the person's mobile: through the SMS app (logged in its SMS log, sent by
its job) to a real Kannel with its fake SMSC; clear Norwegian errors and nothing saved when it cannot be sent."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from controlplane import jobs
from outbound.models import MessageState, SmsMessage, SmsSend
from switchboard.models import AttendantMessage, Person
from switchboard.services import attendant_message_send
from tests.outbound.conftest import kannel, platform_http, sms_settings, wait_until  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.kannel, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _received_by(gateway, number: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [text for _s, to, _t, text in gateway.received() if to.lstrip("+") == number.lstrip("+")]


def test_message_by_sms_reaches_the_persons_mobile_and_the_sms_log(kannel, sms_settings) -> None:  # noqa: F811
    with schema_context("fhi"):
        person = Person.objects.exclude(mobile="").order_by("pk").first()
        person.mobile = "+4791234601"
        person.save(update_fields=["mobile"])
        message = attendant_message_send(person_id=person.pk, text="Ring Åse Ødegård tilbake om {vaksinen}, takk!",
                                         caller_number="+4722334455", caller_name="Åse Ødegård",
                                         taken_by="Ingrid Bakke", channel="sms")
        assert message.channel == "sms" and message.sms_send_id and message.sent_at
        logged = SmsMessage.objects.get(send=message.sms_send)
        assert logged.number == "+4791234601"
        assert "Beskjed fra sentralbordet" in SmsSend.objects.get(pk=message.sms_send_id).audience
    jobs.run_pending_jobs(queues=["sms"])
    got = wait_until(lambda: _received_by(kannel, "+4791234601"), "mobilen fikk ingen SMS")
    assert got == ["Beskjed fra sentralbordet fra Åse Ødegård +4722334455: "
                   "Ring Åse Ødegård tilbake om {vaksinen}, takk!"]
    with schema_context("fhi"):
        wait_until(lambda: SmsMessage.objects.get(send_id=message.sms_send_id).state == MessageState.DELIVERED,
                   "ingen leveringsrapport i SMS-loggen")


def test_no_mobile_or_opted_out_is_a_norwegian_error_and_nothing_is_saved(kannel, sms_settings) -> None:  # noqa: F811
    from outbound.services import optout_add

    with schema_context("fhi"):
        person = Person.objects.order_by("-pk").first()
        before = AttendantMessage.objects.count()
        person.mobile = ""
        person.save(update_fields=["mobile"])
        with pytest.raises(ValidationError) as exc:
            attendant_message_send(person_id=person.pk, text="Ring tilbake", channel="sms")
        assert "har ikke mobilnummer" in " ".join(exc.value.messages)
        person.mobile = "+4791234602"
        person.save(update_fields=["mobile"])
        optout_add(number="+4791234602")
        with pytest.raises(ValidationError) as exc:
            attendant_message_send(person_id=person.pk, text="Ring tilbake", channel="sms")
        assert "reservert seg mot SMS" in " ".join(exc.value.messages)
        with pytest.raises(ValidationError) as exc:
            attendant_message_send(person_id=person.pk, text="Ring tilbake", channel="brevdue")
        assert "Velg e-post eller SMS" in " ".join(exc.value.messages)
        assert AttendantMessage.objects.count() == before
        assert not SmsMessage.objects.filter(number="+4791234602").exists()
    jobs.run_pending_jobs(queues=["sms"])
    assert _received_by(kannel, "+4791234602") == []
