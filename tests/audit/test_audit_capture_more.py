"""The trail in a brand-new agency (the fast schema factory keeps the trigger), and changes through a Django
REST Framework view carry the API user (DRF sets request.user on the Django request after authenticating)."""

from __future__ import annotations

import base64

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import path
from django_tenants.utils import schema_context
from rest_framework.authentication import BasicAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditEntry
from audit.services import audit_entry_append
from switchboard.models import Person
from tenants import services


class PersonCreate(APIView):
    authentication_classes = [BasicAuthentication]
    permission_classes = [IsAuthenticated]

    def post(self, request):  # type: ignore[no-untyped-def]
        person = Person.objects.create(first_name=request.data["first_name"], last_name=request.data["last_name"])
        return Response({"id": person.pk}, status=201)


urlpatterns = [path("api-test/people/", PersonCreate.as_view())]


def test_a_new_agency_gets_an_append_only_trail(public_schema):
    services.agency_create(name="Statens helsetilsyn", slug="htil", org_number="974761394")
    with schema_context("htil"):
        entry = audit_entry_append(actor="bruker:test", action="access")
        assert entry.prev_hash == "0" * 64
        with pytest.raises(DatabaseError, match="revisjonsloggen kan ikke endres"), transaction.atomic():
            with connection.cursor() as cur:
                cur.execute("DELETE FROM audit_auditentry")


def test_api_change_is_logged_with_the_api_user(client, settings):
    settings.ROOT_URLCONF = __name__
    auth = base64.b64encode(b"admin:demo-passord-2026").decode()
    response = client.post("/api-test/people/", {"first_name": "Åsmund", "last_name": "Ærlig"},
                           content_type="application/json", HTTP_HOST="fhi.localhost", HTTP_AUTHORIZATION=f"Basic {auth}",
                           REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 201
    with schema_context("fhi"):
        [entry] = AuditEntry.objects.filter(model="switchboard.person", action="create",
                                            object_pk=str(response.json()["id"]))
    assert entry.actor == "bruker:admin" and entry.ip == "192.0.2.44" and entry.after["last_name"] == "Ærlig"
    assert entry.detail == {"method": "POST", "path": "/api-test/people/"}
