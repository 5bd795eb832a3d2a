"""Number allocation and bad input: clear errors, nothing half-written."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from contactcenter import services as cc
from switchboard import services as sb
from switchboard.models import Did, Extension, Person
from tenants import services
from tenants.models import Agency, NumberRange

pytestmark = pytest.mark.django_db

# Free text refuses line breaks and what is only ever code. Commas, "|" and "&" are ordinary text since
# issue 7 §3 ("Hansen, Per" is a name): tests/tenants/test_norwegian_text.py proves they are accepted and stay out of config.
BAD = ["Per\nHansen", "Per;Hansen", "${CALLERID(num)}", "#exec rm -rf /"]


def test_overlapping_ranges_are_refused_by_the_database(public_schema):
    nkh = Agency.objects.get(schema_name="nkh")
    with pytest.raises(ValidationError) as exc:
        services.number_range_allocate(agency=nkh, first="+4721077050", last="+4721077150")
    assert "overlapper" in str(exc.value)
    # Even bypassing validation, the exclusion constraint holds.
    with pytest.raises(IntegrityError), transaction.atomic():
        NumberRange.objects.create(agency=nkh, first=4721077099, last=4721077099)


def test_foreign_and_invalid_numbers_cannot_be_allocated(public_schema):
    fhi = Agency.objects.get(schema_name="fhi")
    for bad in ["+46812345678", "2107", "21077000;1"]:
        with pytest.raises(ValidationError):
            services.number_range_allocate(agency=fhi, first=bad)


def test_did_owned_by_another_agency_is_refused_with_a_clear_error():
    with schema_context("nkh"):
        count = Did.objects.count()
        with pytest.raises(ValidationError) as exc:
            sb.did_create(number="+4721077050", dest_kind="hangup")
        assert "tilhører en annen etat" in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            sb.did_create(number="+4722334455", dest_kind="hangup")
        assert "ikke tildelt" in str(exc.value)
        assert Did.objects.count() == count


def test_colliding_extensions_and_queue_numbers_are_refused():
    with schema_context("fhi"):
        with pytest.raises(ValidationError) as exc:
            sb.extension_create(number="1001")
        assert "number" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            sb.extension_create(number="7000")
        assert "køen" in str(exc.value)
        with pytest.raises(ValidationError) as exc:
            cc.queue_create(name="Ny kø", number="1002")
        assert "internnummer" in str(exc.value)


def test_same_extension_number_in_two_agencies_is_fine():
    with schema_context("fhi"):
        assert Extension.objects.filter(number="1001").exists()
    with schema_context("nkh"):
        assert Extension.objects.filter(number="1001").exists()


@pytest.mark.parametrize("bad", BAD)
def test_services_refuse_text_that_could_break_config(bad):
    with schema_context("fhi"):
        before = Person.objects.count()
        with pytest.raises(ValidationError):
            sb.person_create(first_name=bad, last_name="X")
        with pytest.raises(ValidationError):
            cc.queue_create(name=bad)
        with pytest.raises(ValidationError):
            sb.extension_create(number="1999", label=bad)
        assert Person.objects.count() == before
        assert not Extension.objects.filter(number="1999").exists()


@pytest.mark.parametrize("bad", ["Per\nHansen", "a;b", "${X}", "#exec x"])
def test_agency_admin_shows_error_and_saves_nothing(client, bad):
    from django.contrib.auth import get_user_model

    with schema_context("fhi"):
        user = get_user_model().objects.get(username="admin")
        before = Person.objects.count()
        client.force_login(user)  # the session lives in the agency's schema
    response = client.post("/admin/switchboard/person/add/", {"first_name": bad, "last_name": "Hansen"},
                           HTTP_HOST="fhi.localhost")
    assert response.status_code == 200
    assert "kan ikke inneholde" in response.content.decode()
    with schema_context("fhi"):
        assert Person.objects.count() == before


def test_agency_admin_adds_phone_with_generated_credentials(client):
    from django.contrib.auth import get_user_model

    with schema_context("fhi"):
        user = get_user_model().objects.get(username="admin")
        ext = Extension.objects.get(number="1002")
        before = ext.phones.count()
        client.force_login(user)
    response = client.post("/admin/switchboard/phone/add/", {"extension": ext.pk, "tier": "advanced",
                                                             "label": "Møterom", "is_active": "on"},
                           HTTP_HOST="fhi.localhost")
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context("fhi"):
        phones = list(ext.phones.order_by("id"))
        assert len(phones) == before + 1
        assert len(phones[-1].sip_password) >= 20
    connection.set_schema_to_public()
