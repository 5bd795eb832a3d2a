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
from tests.contactcenter.test_console_ws import _drain, engine, memory_layer, sessions  # noqa: F401  (fixtures)
from tests.outbound.conftest import kannel, platform_http, sms_settings, wait_until  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.kannel, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def demo_mobiles(django_db_blocker):  # type: ignore[no-untyped-def]
    """The tests change demo people's mobile numbers; put them back."""
    with django_db_blocker.unblock(), schema_context("fhi"):
        saved = dict(Person.objects.values_list("pk", "mobile"))
    yield
    with django_db_blocker.unblock(), schema_context("fhi"):
        for pk, mobile in saved.items():
            Person.objects.filter(pk=pk).update(mobile=mobile)


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


async def test_operator_sends_the_message_by_sms_from_the_console(engine, sessions, kannel, sms_settings):  # noqa: F811
    """Through the attendant console's WebSocket: the operator picks SMS; a person without a mobile gets a
    Norwegian refusal in the console."""
    import asyncio

    from tests.switchboard.test_attendant_ws import _comm

    def people() -> tuple[int, int]:
        with schema_context("fhi"):
            jonas, other = Person.objects.get(last_name="Lie"), Person.objects.exclude(last_name="Lie").first()
            jonas.mobile, other.mobile = "+4791234603", ""
            jonas.save(update_fields=["mobile"])
            other.save(update_fields=["mobile"])
            return jonas.pk, other.pk

    jonas_id, other_id = await asyncio.to_thread(people)
    comm = _comm("fhi.localhost", await asyncio.to_thread(sessions, "fhi", "ingrid"))
    assert (await comm.connect(timeout=5))[0]
    await _drain(comm)
    await comm.send_json_to({"action": "message", "id": 1, "person_id": jonas_id, "channel": "sms",
                             "text": "Ring Åse tilbake, takk!", "caller_name": "Åse Ødegård", "caller_number": ""})
    sent = next(m for m in await _drain(comm) if m.get("id") == 1)
    assert sent["type"] == "ok" and sent["result"]["channel"] == "sms"
    await comm.send_json_to({"action": "message", "id": 2, "person_id": other_id, "channel": "sms", "text": "Hei"})
    refused = next(m for m in await _drain(comm) if m.get("id") == 2)
    assert refused["type"] == "error" and "har ikke mobilnummer" in refused["error"]
    await comm.disconnect()
    await asyncio.to_thread(jobs.run_pending_jobs, queues=["sms"])
    got = await asyncio.to_thread(wait_until, lambda: _received_by(kannel, "+4791234603"), "mobilen fikk ingen SMS")
    assert got == ["Beskjed fra sentralbordet fra Åse Ødegård: Ring Åse tilbake, takk!"]
