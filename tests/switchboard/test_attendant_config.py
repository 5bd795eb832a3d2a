"""The switchboard number in config: allocated numbers only, never a DID's, with Norwegian errors; rendered into the
agency's own did context as a Stasis call with the agency's slug, and listed among the numbers in use."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from asterisk_conf.generators.extensions import render_extensions
from asterisk_conf.snapshot import load_agency
from switchboard.models import AttendantSettings
from switchboard.services import attendant_create
from tenants.models import Agency


def test_the_switchboard_number_must_be_the_agencys_and_free():
    with schema_context("fhi"):
        with pytest.raises(ValidationError) as exc:
            attendant_create(number="+4755549891")  # nkh's range
        assert "tilhører en annen etat" in " ".join(exc.value.messages)
        with pytest.raises(ValidationError) as exc:
            attendant_create(number="+4721077000")  # fhi's main DID
        assert "allerede et innringingsnummer" in " ".join(exc.value.messages)
        with pytest.raises(ValidationError):
            attendant_create(number="+4721077091", return_seconds=2)
        assert list(AttendantSettings.objects.values_list("number", flat=True)) == ["+4721077090"]


def test_the_switchboard_number_enters_stasis_from_the_agencys_own_did_context():
    text = render_extensions(load_agency(Agency.objects.get(schema_name="fhi")))
    did = text.split("[t-fhi-did]", 1)[1].split("\n[", 1)[0]
    assert "exten => 4721077090,1,NoOp(Sentralbord +4721077090)" in did
    assert " same => n,Stasis(controlplane,switchboard,fhi)" in did
    assert "Stasis" not in render_extensions(load_agency(Agency.objects.get(schema_name="nkh"))).replace(
        "Stasis(controlplane,switchboard,nkh)", "")


def test_the_switchboard_number_is_a_number_in_use():
    from switchboard.selectors import public_numbers_in_use

    with schema_context("fhi"):
        assert ("+4721077090", "sentralbordnummeret +4721077090") in public_numbers_in_use()
