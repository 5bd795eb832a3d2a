"""Provisioning agencies from the CLI and the platform admin."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from tenants import services
from tenants.models import Agency, Domain

pytestmark = pytest.mark.django_db(transaction=False)


def test_create_agency_command_creates_schema_domain_and_admin(public_schema, client):
    call_command("create_agency", name="Helsedirektoratet", slug="hdir", org_number="983544622",
                 admin_username="ada", admin_password="et-langt-passord-123")
    agency = Agency.objects.get(schema_name="hdir")
    assert schema_exists("hdir")
    assert Domain.objects.get(tenant=agency).domain == "hdir.localhost"
    with schema_context("hdir"):
        assert get_user_model().objects.get(username="ada").is_superuser
        # The new schema has every agency table, empty.
        from switchboard.models import Phone
        assert Phone.objects.count() == 0
    connection.set_schema_to_public()
    # The admin can log in at the agency's domain.
    response = client.post("/admin/login/?next=/admin/", {"username": "ada", "password": "et-langt-passord-123"},
                           HTTP_HOST="hdir.localhost")
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/", HTTP_HOST="hdir.localhost").status_code == 200


@pytest.mark.parametrize("kwargs, message", [
    ({"slug": "fhi"}, "finnes allerede"),
    ({"slug": "Bad-Slug"}, "Kortnavnet"),
    ({"org_number": "123456789"}, "Organisasjonsnummeret"),
    ({"name": "Helse;direktoratet"}, "kan ikke inneholde"),
    ({"name": "Helse\ndirektoratet"}, "kan ikke inneholde"),
])
def test_create_agency_refuses_bad_input_and_writes_nothing(public_schema, kwargs, message):
    args = {"name": "Helsedirektoratet", "slug": "hdir2", "org_number": "983544622", **kwargs}
    before_agencies = set(Agency.objects.values_list("schema_name", flat=True))
    with pytest.raises(CommandError) as exc:
        call_command("create_agency", name=args["name"], slug=args["slug"], org_number=args["org_number"])
    assert message in str(exc.value)
    assert set(Agency.objects.values_list("schema_name", flat=True)) == before_agencies
    if args["slug"] != "fhi":
        assert not schema_exists(args["slug"].lower())


def test_deactivated_agency_answers_404_and_leaves_config(public_schema, client, tmp_path, settings):
    from asterisk_conf.render import render_to_dir

    render_to_dir(out_dir=tmp_path)
    assert (tmp_path / "agencies" / "nkh" / "pjsip.conf").exists()
    nkh = Agency.objects.get(schema_name="nkh")
    services.agency_set_active(agency=nkh, active=False)
    assert client.get("/admin/login/", HTTP_HOST="nkh.localhost").status_code == 404
    render_to_dir(out_dir=tmp_path)
    assert not (tmp_path / "agencies" / "nkh").exists()
    assert "nkh" not in (tmp_path / "pjsip.conf").read_text()
    assert "agencies/fhi/pjsip.conf" in (tmp_path / "pjsip.conf").read_text()


def test_platform_admin_creates_agency_through_the_admin(public_schema, admin_client):
    response = admin_client.post("/admin/tenants/agency/add/", {
        "name": "HELFO", "schema_name": "helfo", "org_number": "986965610",
        "admin_username": "helfoadmin", "admin_password": "helfo-passord-123", "admin_email": "",
    }, HTTP_HOST="localhost")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Agency.objects.filter(schema_name="helfo").exists()
    with schema_context("helfo"):
        assert get_user_model().objects.filter(username="helfoadmin").exists()


def test_platform_admin_shows_clear_error_for_taken_slug(public_schema, admin_client):
    response = admin_client.post("/admin/tenants/agency/add/", {
        "name": "Falsk FHI", "schema_name": "fhi", "org_number": "986965610",
    }, HTTP_HOST="localhost")
    assert response.status_code == 200
    assert "finnes allerede" in response.content.decode()


def _catalogue(schema: str) -> dict[str, set]:
    with connection.cursor() as cur:
        cur.execute("SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
                    "WHERE table_schema = %s", [schema])
        columns = set(cur.fetchall())
        cur.execute("SELECT conname, contype, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                    "JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = %s", [schema])
        constraints = {(name, kind, definition.replace(f"{schema}.", "")) for name, kind, definition in cur.fetchall()}
        cur.execute("SELECT indexname FROM pg_indexes WHERE schemaname = %s", [schema])
        indexes = {row[0] for row in cur.fetchall()}
        cur.execute(f'SELECT app, name FROM "{schema}".django_migrations')
        migrations = set(cur.fetchall())
    return {"columns": columns, "constraints": constraints, "indexes": indexes, "migrations": migrations}


def test_new_agency_schema_is_identical_to_a_migrated_one(public_schema):
    from django.conf import settings

    services.agency_create(name="Statens helsetilsyn", slug="htil", org_number="974761394")
    assert _catalogue("htil") == _catalogue(settings.TENANT_BASE_SCHEMA)
    # New rows get fresh IDs after the copied ones.
    with schema_context("htil"):
        from django.contrib.contenttypes.models import ContentType

        from switchboard.models import Person
        assert ContentType.objects.filter(app_label="switchboard", model="phone").exists()
        person = Person.objects.create(first_name="Test", last_name="Person")
        assert person.pk == 1
