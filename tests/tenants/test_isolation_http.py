"""Isolation from the attacker's side: agency A's user and session never reach agency B."""

import pytest
from django.contrib.auth import get_user_model
from django_tenants.utils import schema_context

from switchboard.models import Person

pytestmark = pytest.mark.django_db


def _login(client, slug, username="admin", password="demo-passord-2026"):
    response = client.post("/admin/login/?next=/admin/", {"username": username, "password": password},
                           HTTP_HOST=f"{slug}.localhost")
    assert response.status_code == 302
    return response


def test_session_from_agency_a_is_not_valid_at_agency_b(client):
    _login(client, "fhi")
    assert client.get("/admin/switchboard/person/", HTTP_HOST="fhi.localhost").status_code == 200
    # Same cookie jar, other agency's host: the session does not exist there.
    response = client.get("/admin/switchboard/person/", HTTP_HOST="nkh.localhost")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_agency_admin_sees_only_own_people(client):
    _login(client, "nkh")
    page = client.get("/admin/switchboard/person/", HTTP_HOST="nkh.localhost").content.decode()
    with schema_context("nkh"):
        own = list(Person.objects.values_list("last_name", flat=True))
    with schema_context("fhi"):
        foreign = set(Person.objects.values_list("last_name", flat=True)) - set(own)
    assert all(name in page for name in own)
    assert foreign and not any(name in page for name in foreign)


def test_object_ids_of_agency_a_do_not_open_in_agency_b(client):
    with schema_context("fhi"):
        fhi_only = Person.objects.get(last_name="Lie")  # FHI has more people than NKH
    with schema_context("nkh"):
        assert not Person.objects.filter(pk=fhi_only.pk).exists()
    _login(client, "nkh")
    response = client.get(f"/admin/switchboard/person/{fhi_only.pk}/change/", HTTP_HOST="nkh.localhost")
    assert response.status_code == 302  # admin redirects: object does not exist here
    assert "Lie" not in client.get(response.url, HTTP_HOST="nkh.localhost").content.decode()


def test_agency_admin_cannot_reach_platform_admin(client):
    _login(client, "fhi")
    assert client.get("/admin/tenants/agency/", HTTP_HOST="fhi.localhost").status_code == 404
    assert client.get("/admin/tenants/numberrange/", HTTP_HOST="fhi.localhost").status_code == 404


def test_agency_credentials_do_not_work_at_platform_domain(client):
    with schema_context("public"):
        assert not get_user_model().objects.filter(username="fhiadmin").exists()
    with schema_context("fhi"):
        user = get_user_model().objects.create_user("fhiadmin", password="fhi-passord-12345", is_staff=True)
        assert user.pk
    response = client.post("/admin/login/?next=/admin/", {"username": "fhiadmin", "password": "fhi-passord-12345"},
                           HTTP_HOST="localhost")
    assert response.status_code == 200  # login form again, with an error


def test_unknown_host_is_refused(client):
    assert client.get("/admin/", HTTP_HOST="ukjent.localhost").status_code == 404
