"""The SMS pages from the outside: Norwegian errors for bad input (never a 500, nothing written), and an agency's
sends, log and MMS pictures never reachable from another agency's domain or session."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from outbound.models import SmsSend

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex("89504e470d0a1a0a0000000d494844520000000100000001")


def _client(username: str, slug: str) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": "demo-passord-2026", "next": "/console/"},
                           HTTP_HOST=f"{slug}.localhost")
    assert response.status_code == 302
    return client


def test_bad_input_gets_norwegian_errors_and_writes_nothing() -> None:
    client = _client("jonas", "fhi")
    bad_file = SimpleUploadedFile("liste.pdf", b"%PDF-1.4")
    cases = [
        ({"kind": "typed", "numbers": "", "body": "Hei"}, "Ingen mottakere"),
        ({"kind": "typed", "numbers": "91234567", "body": "Hei {navn"}, "krøllparentes"),
        ({"kind": "typed", "numbers": "91234567", "body": "Hei {navn}"}, "Variabelen {navn} mangler"),
        ({"kind": "series", "first": "91234567", "last": "91234500", "body": "x"}, "Serien må gå oppover"),
        ({"kind": "callers", "body": "x"}, "Velg en periode"),
        ({"kind": "group", "group": "999", "body": "x"}, "Velg en gruppe"),
        ({"kind": "file", "file": bad_file, "body": "x"}, "CSV"),
        ({"kind": "tull", "body": "x"}, "Skjemaet har feil"),
    ]
    for data, expected in cases:
        response = client.post("/sms/send", data, HTTP_HOST="fhi.localhost")
        assert response.status_code == 400, (data, response.content[:300])
        assert expected in response.json()["error"], (data, response.json())
    preview = client.post("/sms/preview", {"kind": "typed", "numbers": "91234567, hei", "body": "Blåbær – {nummer}"},
                          HTTP_HOST="fhi.localhost").json()
    assert preview["count"] == 1 and preview["errors"] == ["«hei» er ikke et telefonnummer."]
    assert preview["encoding"] == "ucs2"
    with schema_context("fhi"):
        assert not SmsSend.objects.exists()


def test_other_agency_never_sees_a_send_the_log_or_a_picture() -> None:
    from contactcenter.services import message_inquiry_register

    with schema_context("fhi"):
        inquiry = message_inquiry_register(channel="mms", from_number="+4790000009", message="Hemmelig bilde",
                                           picture=PNG, picture_type="image/png")
    fhi = _client("jonas", "fhi")
    sent = fhi.post("/sms/send", {"kind": "typed", "numbers": "91234599", "body": "Til FHIs mottaker"},
                    HTTP_HOST="fhi.localhost").json()
    assert fhi.get(f"/console/inquiry/{inquiry.pk}/picture", HTTP_HOST="fhi.localhost").content == PNG
    nkh = _client("magnus", "nkh")
    assert nkh.get(f"/sms/progress/{sent['id']}", HTTP_HOST="nkh.localhost").status_code == 404
    assert "Til FHIs mottaker" not in nkh.get("/sms/log/", HTTP_HOST="nkh.localhost").content.decode()
    assert nkh.get(f"/console/inquiry/{inquiry.pk}/picture", HTTP_HOST="nkh.localhost").status_code == 404
    assert "Hemmelig bilde" not in nkh.get("/console/", HTTP_HOST="nkh.localhost").content.decode()
    # fhi's session cookie on nkh's domain is no login there
    assert fhi.get("/sms/log/", HTTP_HOST="nkh.localhost").status_code == 302


def test_admin_rows_get_normalised_numbers_or_a_norwegian_error() -> None:
    from django.core.exceptions import ValidationError

    from outbound.models import OptOut, SmsGroup, SmsGroupMember

    with schema_context("fhi"):
        group = SmsGroup.objects.create(name="Vakt, Ålesund")
        member = SmsGroupMember(group=group, number="912 34 567", name="Åse")
        member.full_clean()
        assert member.number == "+4791234567"
        with pytest.raises(ValidationError, match="ikke et telefonnummer"):
            SmsGroupMember(group=group, number="abc").full_clean()
        with pytest.raises(ValidationError, match="ikke et"):
            OptOut(number="12").full_clean()


def test_send_page_offers_the_agencys_templates() -> None:
    from outbound.models import SmsTemplate

    with schema_context("fhi"):
        SmsTemplate.objects.create(name="Prøvesvar", body="Hei {navn}, prøvesvaret ditt er klart.")
    page = _client("jonas", "fhi").get("/sms/", HTTP_HOST="fhi.localhost").content.decode()
    assert 'data-body="Hei {navn}, prøvesvaret ditt er klart."' in page and "Prøvesvar" in page


def test_cancelled_send_sends_nothing_more() -> None:
    from outbound import selectors, services
    from outbound.models import MessageState, SmsMessage

    with schema_context("fhi"):
        send = services.sms_send_create(user_id=None, audience=selectors.audience_typed(text="91234601, 91234602"),
                                        body="Avlyst")
        assert services.sms_send_cancel(send_id=send.pk) == 2
        assert services.sms_send_run(send_id=send.pk) == 0
        assert set(SmsMessage.objects.filter(send=send).values_list("state", "error")) == {(MessageState.FAILED, "avbrutt")}
