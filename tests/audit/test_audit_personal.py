"""Rows about people outside the agency (a caller on the priority list, an SMS send to citizens) are in the audit
trail as who did what to which row, without the numbers and texts: those stay in their own tables, under their
retention and GDPR erasure, and are not kept for five years in the trail. Configuration keeps full before/after."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from audit.capture import HIDDEN
from audit.models import AuditEntry
from contactcenter.models import PriorityCaller
from tests.audit.test_audit_trail import _entries, _login

pytestmark = pytest.mark.django_db
NUMBER = "+4791239876"


def test_a_priority_caller_added_in_the_admin_is_logged_without_the_number(client):
    assert _login(client).status_code == 302
    response = client.post("/admin/contactcenter/prioritycaller/add/",
                           {"number": NUMBER, "note": "Fastlege Åse, «viktig»"}, HTTP_HOST="fhi.localhost")
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context("fhi"):
        caller = PriorityCaller.objects.get(number=NUMBER)
        assert caller.note == "Fastlege Åse, «viktig»"  # the row itself keeps it
        [entry] = _entries("fhi", model="contactcenter.prioritycaller", action="create", object_pk=str(caller.pk))
        assert entry.actor == "bruker:admin" and entry.after["id"] == caller.pk
        assert entry.after["number"] == HIDDEN and entry.after["note"] == HIDDEN
        assert not AuditEntry.objects.filter(after__number=NUMBER).exists()


def test_an_sms_send_is_logged_with_its_count_not_its_recipients_or_text(client):
    assert client.post("/login/", {"username": "jonas", "password": "demo-passord-2026"},
                       HTTP_HOST="fhi.localhost").status_code == 302
    response = client.post("/sms/send", {"kind": "typed", "numbers": "91239876, 91239877",
                                         "body": "Hei! Prøvesvaret ditt er klart."}, HTTP_HOST="fhi.localhost")
    assert response.status_code == 200, response.content.decode()
    with schema_context("fhi"):
        [entry] = _entries("fhi", model="outbound.smssend", action="create", object_pk=str(response.json()["id"]))
        assert entry.actor == "bruker:jonas" and entry.after["total"] == 2 and entry.after["status"]
        assert entry.after["audience"] == HIDDEN and entry.after["body"] == HIDDEN
        assert "91239876" not in str(entry.after) and "Prøvesvaret" not in str(entry.after)


def test_configuration_keeps_its_full_before_and_after(client):
    assert _login(client).status_code == 302
    response = client.post("/admin/contactcenter/pausereason/add/", {"code": "kurs", "name": "Kurs, «intern»"},
                           HTTP_HOST="fhi.localhost")
    assert response.status_code == 302, response.content.decode()[:2000]
    [entry] = _entries("fhi", model="contactcenter.pausereason", action="create")
    assert entry.after["name"] == "Kurs, «intern»" and entry.after["code"] == "kurs"
