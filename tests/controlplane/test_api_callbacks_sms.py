"""The REST API's read endpoints for callbacks and the SMS log, from the attacker's side: fhi's token reads fhi's
callbacks and messages only, never nkh's (by list, by id, at the other domain); the period filter works and a bad
period is a clear 400."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from contactcenter.models import CallbackPolicy
from contactcenter.services import callback_request_create
from outbound.models import SmsMessage, SmsSend
from tests.controlplane.test_api_isolation import _get, _problem, _token

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def _data(slug: str, number: str) -> tuple[int, int]:
    with schema_context(slug):
        CallbackPolicy.objects.update_or_create(queue_id=1, defaults={"enabled": True})
        cb = callback_request_create(queue_id=1, number=number, joined_at=NOW - dt.timedelta(minutes=5))
        send = SmsSend.objects.create(audience="Én mottaker", body="Hei, æøå – «takk»")
        sms = SmsMessage.objects.create(send=send, number=f"+47{number}", body="Hei, æøå – «takk»")
        return cb.pk, sms.pk


def test_callbacks_and_sms_are_read_per_agency_only(client):
    fhi_cb, fhi_sms = _data("fhi", "22222222")
    nkh_cb, nkh_sms = _data("nkh", "23232323")
    fhi = _token("fhi", ["read"])
    callbacks = _get(client, "fhi", "/api/v1/callbacks/", fhi).json()["results"]
    assert [(c["id"], c["number"], c["state"], c["queue_name"]) for c in callbacks] == [
        (fhi_cb, "+4722222222", "waiting", "Sentralbord")]
    messages = _get(client, "fhi", "/api/v1/sms-messages/", fhi).json()["results"]
    assert [(m["id"], m["number"], m["body"]) for m in messages] == [(fhi_sms, "+4722222222", "Hei, æøå – «takk»")]
    assert _get(client, "fhi", f"/api/v1/callbacks/{fhi_cb}/", fhi).json()["number"] == "+4722222222"
    if nkh_cb != fhi_cb:  # nkh's ids never open at fhi
        _problem(_get(client, "fhi", f"/api/v1/callbacks/{nkh_cb}/", fhi), 404)
    if nkh_sms != fhi_sms:
        _problem(_get(client, "fhi", f"/api/v1/sms-messages/{nkh_sms}/", fhi), 404)
    for path in ("/api/v1/callbacks/", "/api/v1/sms-messages/", f"/api/v1/callbacks/{nkh_cb}/"):
        _problem(_get(client, "nkh", path, fhi), 401)  # fhi's token at nkh's domain
    nkh = _token("nkh", ["read"])
    assert [c["number"] for c in _get(client, "nkh", "/api/v1/callbacks/", nkh).json()["results"]] == ["+4723232323"]
    assert "+4722222222" not in _get(client, "nkh", "/api/v1/sms-messages/", nkh).content.decode()


def test_period_filter_on_callbacks_and_sms(client):
    _data("fhi", "22222222")
    token = _token("fhi", ["read"])
    writer = _token("fhi", ["read", "write"])
    today, tomorrow = timezone.localdate(NOW), timezone.localdate(NOW) + dt.timedelta(days=1)
    for path in ("/api/v1/callbacks/", "/api/v1/sms-messages/"):
        assert len(_get(client, "fhi", f"{path}?from={today - dt.timedelta(days=1)}&to={tomorrow}", token)
                   .json()["results"]) == 1
        assert _get(client, "fhi", f"{path}?from={tomorrow}", token).json()["results"] == []
        assert _problem(_get(client, "fhi", f"{path}?from=igår", token), 400)["errors"][0]["field"] == "from"
        _problem(client.post(path, {}, content_type="application/json", HTTP_HOST="fhi.localhost",
                             HTTP_AUTHORIZATION=f"Bearer {writer}"), 405)  # read only
