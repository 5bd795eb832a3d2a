"""Issue 7 §2: bad input in the admins gives a Norwegian error on the form, never a 500, and nothing
is written; numbers and destinations still in use cannot be released or deleted."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django_tenants.utils import schema_context

from contactcenter import services as cc
from contactcenter.models import Queue
from switchboard import services as sb
from switchboard.models import Did, Extension, IvrMenu, IvrOption, Schedule, Voicemail
from tenants import services
from tenants.models import Agency, AsteriskNode, Domain, NumberRange

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def norwegian():  # type: ignore[no-untyped-def]
    """Messages are asserted in Norwegian, whatever language an earlier test left active on this thread."""
    from django.utils import translation

    with translation.override("nb"):
        yield

PASSWORD = "demo-passord-2026"
PLATFORM = "localhost"


def _agency_login(client, slug: str = "fhi") -> None:
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD},
                           HTTP_HOST=f"{slug}.localhost")
    assert response.status_code == 302


def _platform_login(client) -> None:
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD},
                           HTTP_HOST=PLATFORM)
    assert response.status_code == 302


def _page(response) -> str:
    return response.content.decode()


# --- 1. agency admin: a non-number where a number belongs -----------------------------------------------------------

@pytest.mark.parametrize("bad", ["abc", "+47 ++"])
def test_did_with_non_number_shows_field_error_and_saves_nothing(client, bad):
    _agency_login(client)
    with schema_context("fhi"):
        before = Did.objects.count()
    response = client.post("/admin/switchboard/did/add/", {"number": bad, "label": "Test", "destination": "hangup"},
                           HTTP_HOST="fhi.localhost")
    assert response.status_code == 200
    assert "er ikke et telefonnummer" in _page(response)
    assert "errorlist" in _page(response)
    with schema_context("fhi"):
        assert Did.objects.count() == before
    connection.set_schema_to_public()


@pytest.mark.parametrize("bad", ["abc", "+47 ++"])
def test_extension_with_non_number_outbound_shows_field_error(client, bad):
    _agency_login(client)
    response = client.post("/admin/switchboard/extension/add/", {
        "number": "1888", "label": "Test", "outbound_number": bad, "ring_seconds": "20",
        "phones-TOTAL_FORMS": "0", "phones-INITIAL_FORMS": "0"}, HTTP_HOST="fhi.localhost")
    assert response.status_code == 200
    assert "er ikke et telefonnummer" in _page(response)
    with schema_context("fhi"):
        assert not Extension.objects.filter(number="1888").exists()
    connection.set_schema_to_public()


# --- 2. platform admin: service refusals become form errors ---------------------------------------------------------

def _agency_add(client, **overrides):
    data = {"name": "Statens helsetilsyn", "schema_name": "htilx", "org_number": "974761394", "domain": "",
            "admin_username": "", "admin_email": "", "admin_password": "", **overrides}
    return client.post("/admin/tenants/agency/add/", data, HTTP_HOST=PLATFORM)


@pytest.mark.parametrize("domain", ["[evil-context]", "../..", "fhi.localhost/x", "a b.example"])
def test_platform_admin_refuses_invalid_domain_on_create(client, public_schema, domain):
    _platform_login(client)
    response = _agency_add(client, domain=domain)
    assert response.status_code == 200
    assert "er ikke et gyldig domenenavn" in _page(response)
    assert not Agency.objects.filter(schema_name="htilx").exists()
    assert not Domain.objects.filter(domain=domain).exists()


def test_platform_admin_refuses_invalid_first_admin_username(client, public_schema):
    from django_tenants.utils import schema_exists

    _platform_login(client)
    response = _agency_add(client, admin_username="ugyldig bruker!", admin_password="x" * 12)
    assert response.status_code == 200
    assert "brukernavn" in _page(response).lower()
    assert not Agency.objects.filter(schema_name="htilx").exists()
    assert not schema_exists("htilx")


def _agency_change_data(agency: Agency, **overrides) -> dict:
    data = {"name": agency.name, "main_number": agency.main_number, "asterisk_node": ""}
    domains = list(agency.domains.order_by("pk"))
    data.update({"domains-TOTAL_FORMS": str(len(domains)), "domains-INITIAL_FORMS": str(len(domains)),
                 "domains-MIN_NUM_FORMS": "0", "domains-MAX_NUM_FORMS": "1000"})
    for i, d in enumerate(domains):
        data.update({f"domains-{i}-id": str(d.pk), f"domains-{i}-tenant": str(agency.pk),
                     f"domains-{i}-domain": d.domain})
        if d.is_primary:
            data[f"domains-{i}-is_primary"] = "on"
    data.update(overrides)
    return data


def test_platform_admin_refuses_main_number_outside_the_agency_range(client, public_schema):
    _platform_login(client)
    fhi = Agency.objects.get(schema_name="fhi")
    before = fhi.main_number
    response = client.post(f"/admin/tenants/agency/{fhi.pk}/change/",
                           _agency_change_data(fhi, main_number="+4755549800"), HTTP_HOST=PLATFORM)
    assert response.status_code == 200
    assert "Hovednummeret er ikke tildelt denne etaten." in _page(response)
    fhi.refresh_from_db()
    assert fhi.main_number == before


def test_platform_admin_refuses_invalid_extra_domain(client, public_schema):
    _platform_login(client)
    fhi = Agency.objects.get(schema_name="fhi")
    data = _agency_change_data(fhi)
    n = int(data["domains-TOTAL_FORMS"])
    data.update({"domains-TOTAL_FORMS": str(n + 1), f"domains-{n}-domain": "[evil-context]",
                 f"domains-{n}-tenant": str(fhi.pk)})
    response = client.post(f"/admin/tenants/agency/{fhi.pk}/change/", data, HTTP_HOST=PLATFORM)
    assert response.status_code == 200
    assert "er ikke et gyldig domenenavn" in _page(response)
    assert not Domain.objects.filter(domain="[evil-context]").exists()


def test_platform_admin_refuses_overlapping_range(client, public_schema):
    _platform_login(client)
    nkh = Agency.objects.get(schema_name="nkh")
    before = NumberRange.objects.count()
    response = client.post("/admin/tenants/numberrange/add/", {
        "agency": str(nkh.pk), "first_number": "+4721077050", "last_number": "+4721077060", "note": ""},
        HTTP_HOST=PLATFORM)
    assert response.status_code == 200
    assert "overlapper" in _page(response)
    assert NumberRange.objects.count() == before


def test_platform_admin_refuses_non_number_in_range_form(client, public_schema):
    _platform_login(client)
    nkh = Agency.objects.get(schema_name="nkh")
    response = client.post("/admin/tenants/numberrange/add/", {
        "agency": str(nkh.pk), "first_number": "abc", "last_number": "", "note": ""}, HTTP_HOST=PLATFORM)
    assert response.status_code == 200
    assert "er ikke et telefonnummer" in _page(response)


def test_domains_are_host_names_in_service_and_database(public_schema):
    fhi = Agency.objects.get(schema_name="fhi")
    for bad in ["[evil-context]", "../..", "a..b", "-x.example"]:
        with pytest.raises(ValidationError) as exc:
            services.domain_add(agency=fhi, domain=bad)
        assert "domain" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            services.agency_create(name="X", slug="xbad", org_number="974761394", domain=bad)
        assert "domain" in exc.value.message_dict
        with pytest.raises(IntegrityError), transaction.atomic():
            Domain.objects.create(domain=bad, tenant=fhi, is_primary=False)
    assert services.domain_add(agency=fhi, domain="FHI-Ekstra.Example").domain == "fhi-ekstra.example"


# --- 3. releasing numbers that are in use ---------------------------------------------------------------------------

def test_release_of_range_with_dids_is_refused_by_the_service(public_schema):
    rng = NumberRange.objects.get(agency__schema_name="fhi")
    with pytest.raises(ValidationError) as exc:
        services.number_range_release(number_range=rng)
    text = " ".join(exc.value.messages)
    assert "+4721077000" in text and "innringingsnummeret" in text and "hovednummeret" in text
    assert "utgående nummer +4721077010 for internnummer 1001" in text
    assert NumberRange.objects.filter(pk=rng.pk).exists()


def test_release_of_free_range_works(public_schema):
    nkh = Agency.objects.get(schema_name="nkh")
    rng = services.number_range_allocate(agency=nkh, first="+4722990000", last="+4722990009")
    services.number_range_release(number_range=rng)
    assert not NumberRange.objects.filter(pk=rng.pk).exists()


def test_platform_admin_refuses_to_delete_range_in_use_single_and_bulk(client, public_schema):
    _platform_login(client)
    rng = NumberRange.objects.get(agency__schema_name="fhi")
    response = client.post(f"/admin/tenants/numberrange/{rng.pk}/delete/", {"post": "yes"}, HTTP_HOST=PLATFORM)
    assert response.status_code == 200
    assert "+4721077000" in _page(response) and "er i bruk hos Folkehelseinstituttet" in _page(response)
    assert NumberRange.objects.filter(pk=rng.pk).exists()
    response = client.post("/admin/tenants/numberrange/", {"action": "delete_selected", "_selected_action": [rng.pk],
                                                           "post": "yes"}, HTTP_HOST=PLATFORM)
    assert response.status_code == 200
    assert "innringingsnummeret +4721077001" in _page(response)
    assert NumberRange.objects.filter(pk=rng.pk).exists()


# --- 4. deleting a destination something still sends calls to -------------------------------------------------------

def _free_number() -> str:
    used = set(Did.objects.values_list("number", flat=True))
    return next(f"+{n}" for n in range(4721077099, 4721077000, -1) if f"+{n}" not in used)


@pytest.fixture
def targets():  # type: ignore[no-untyped-def]
    """In FHI: one destination of each kind, each with something pointing at it."""
    with schema_context("fhi"):
        ext = sb.extension_create(number="1777", label="Mål-test")
        vm_ext = sb.extension_create(number="1778", label="Talepost-test")
        vm = sb.voicemail_create(extension=vm_ext, pin="4321")
        menu = IvrMenu(name="Testmeny")
        sb.config_object_save(obj=menu)
        queue = cc.queue_create(name="Testkø")
        sb.did_create(number=_free_number(), dest_kind="queue", dest_ref=queue.pk, label="Testkø-nummer")
        sb.config_object_save(obj=IvrOption(menu=menu, digit="9", dest_kind="queue", dest_ref=queue.pk))
        cc.queue_create(name="Overflyt-test", dest_kind="queue", dest_ref=queue.pk)
        sb.config_object_save(obj=Schedule(name="Stengt-test", dest_kind="queue", dest_ref=queue.pk))
        sb.did_create(number=_free_number(), dest_kind="extension", dest_ref=ext.pk, label="Ext-nummer")
        sb.config_object_save(obj=Schedule(name="Talepost-stengt", dest_kind="voicemail", dest_ref=vm.pk))
        other = IvrMenu(name="Hovedmeny-test")
        sb.config_object_save(obj=other)
        sb.config_object_save(obj=IvrOption(menu=other, digit="5", dest_kind="ivr", dest_ref=menu.pk))
        yield {"queue": queue, "ext": ext, "vm": vm, "vm_ext": vm_ext, "menu": menu}
    connection.set_schema_to_public()


def test_deleting_a_queue_in_use_is_refused_listing_every_referrer(targets):
    with schema_context("fhi"):
        queue = targets["queue"]
        with pytest.raises(ValidationError) as exc:
            sb.config_object_delete(obj=queue)
        text = " ".join(exc.value.messages)
        for expected in ["innringingsnummeret", "tast 9 i talemenyen «Testmeny»", "køen «Overflyt-test» (overflyt)",
                         "åpningstiden «Stengt-test»"]:
            assert expected in text
        assert Queue.objects.filter(pk=queue.pk).exists()


@pytest.mark.parametrize("kind,expected", [("ext", "innringingsnummeret"), ("vm", "åpningstiden «Talepost-stengt»"),
                                           ("vm_ext", "åpningstiden «Talepost-stengt»"),
                                           ("menu", "tast 5 i talemenyen «Hovedmeny-test»")])
def test_deleting_any_destination_in_use_is_refused(targets, kind, expected):
    obj = targets[kind]
    with schema_context("fhi"):
        with pytest.raises(ValidationError) as exc:
            sb.config_object_delete(obj=obj)
        assert expected in " ".join(exc.value.messages)
        assert type(obj).objects.filter(pk=obj.pk).exists()


def test_agency_admin_refuses_to_delete_queue_in_use_single_and_bulk(client, targets):
    _agency_login(client)
    queue = targets["queue"]
    response = client.post(f"/admin/contactcenter/queue/{queue.pk}/delete/", {"post": "yes"},
                           HTTP_HOST="fhi.localhost")
    assert response.status_code == 200
    page = _page(response)
    assert "køen «Overflyt-test» (overflyt)" in page and "tast 9 i talemenyen «Testmeny»" in page
    response = client.post("/admin/contactcenter/queue/", {"action": "delete_selected",
                                                           "_selected_action": [queue.pk], "post": "yes"},
                           HTTP_HOST="fhi.localhost")
    assert response.status_code == 200
    assert "åpningstiden «Stengt-test» (når det er stengt)" in _page(response)
    with schema_context("fhi"):
        assert Queue.objects.filter(pk=queue.pk).exists()
    connection.set_schema_to_public()


def test_agency_admin_refuses_to_delete_extension_whose_voicemail_is_in_use(client, targets):
    _agency_login(client)
    response = client.post(f"/admin/switchboard/extension/{targets['vm_ext'].pk}/delete/", {"post": "yes"},
                           HTTP_HOST="fhi.localhost")
    assert response.status_code == 200
    assert "åpningstiden «Talepost-stengt»" in _page(response)
    with schema_context("fhi"):
        assert Voicemail.objects.filter(pk=targets["vm"].pk).exists()
    connection.set_schema_to_public()


def test_unused_destination_can_still_be_deleted(client):
    _agency_login(client)
    with schema_context("fhi"):
        queue = cc.queue_create(name="Ubrukt kø")
    response = client.post(f"/admin/contactcenter/queue/{queue.pk}/delete/", {"post": "yes"},
                           HTTP_HOST="fhi.localhost")
    assert response.status_code == 302
    with schema_context("fhi"):
        assert not Queue.objects.filter(pk=queue.pk).exists()
    connection.set_schema_to_public()


# --- 5. Asterisk node secrets ---------------------------------------------------------------------------------------

def test_platform_admin_refuses_secret_file_outside_the_secrets_folder(client, public_schema, settings, tmp_path):
    settings.ASTERISK_SECRETS_DIR = tmp_path / "secrets"
    _platform_login(client)
    for ref in ["file:/etc/passwd", "file:../../etc/passwd", "file:", "ldap:x", "env:A B"]:
        response = client.post("/admin/tenants/asterisknode/add/", {
            "name": "node2", "host": "10.0.0.2", "ami_port": "5038", "ari_port": "8088",
            "ami_username": "controlplane", "ari_username": "controlplane", "secret_ref": ref, "is_active": "on"},
            HTTP_HOST=PLATFORM)
        assert response.status_code == 200, ref
        assert "errorlist" in _page(response), ref
        assert not AsteriskNode.objects.filter(name="node2").exists()
    assert "Hemmelighetsfiler må ligge i mappen" in _page(client.post("/admin/tenants/asterisknode/add/", {
        "name": "node2", "host": "10.0.0.2", "ami_port": "5038", "ari_port": "8088", "ami_username": "controlplane",
        "ari_username": "controlplane", "secret_ref": "file:/etc/passwd", "is_active": "on"}, HTTP_HOST=PLATFORM))


def test_node_secret_is_read_only_from_env_or_the_secrets_folder(public_schema, settings, tmp_path, monkeypatch):
    from tenants.selectors import NodeSecretError, node_secret

    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / "ast1.secret").write_text("s3cret-verdi\n")
    (folder / "lenke").symlink_to("/etc/passwd")
    (folder / "linjeskift").write_text("a\r\nAction: Originate\n")
    settings.ASTERISK_SECRETS_DIR = folder
    monkeypatch.setenv("AST_TEST_SECRET", "fra-miljoet")

    def node(ref: str) -> AsteriskNode:  # stored by a path that skipped validation
        return AsteriskNode(name="n", host="127.0.0.1", secret_ref=ref)

    assert node_secret(node=node("file:ast1.secret")) == "s3cret-verdi"
    assert node_secret(node=node(f"file:{folder}/ast1.secret")) == "s3cret-verdi"
    assert node_secret(node=node("env:AST_TEST_SECRET")) == "fra-miljoet"
    for ref in ["file:/etc/passwd", "file:../../../etc/passwd", "file:lenke", "file:linjeskift", "env:FINNES_IKKE_X",
                "env:A;B"]:
        with pytest.raises(NodeSecretError):
            node_secret(node=node(ref))


def test_engine_refuses_a_node_with_a_secret_outside_the_folder(public_schema, settings, tmp_path):
    from engine.nodes import configured_nodes
    from tenants.selectors import NodeSecretError

    settings.ASTERISK_SECRETS_DIR = tmp_path
    AsteriskNode.objects.bulk_create([AsteriskNode(name="ondsinnet", host="127.0.0.1", secret_ref="file:/etc/passwd")])
    with pytest.raises(NodeSecretError) as exc:
        configured_nodes()
    assert "Hemmelighetsfiler må ligge i mappen" in str(exc.value)


def test_database_refuses_to_delete_a_destination_in_use_even_bypassing_services(targets):
    with schema_context("fhi"):
        for obj in (targets["queue"], targets["ext"], targets["vm"], targets["menu"]):
            with pytest.raises(IntegrityError), transaction.atomic():
                type(obj).objects.filter(pk=obj.pk).delete()
            assert type(obj).objects.filter(pk=obj.pk).exists()
        unused = cc.queue_create(name="Ubrukt")
        Queue.objects.filter(pk=unused.pk).delete()
    connection.set_schema_to_public()


def test_new_agency_schema_has_the_destination_guard(public_schema):
    services.agency_create(name="Vakttest", slug="vakttest", org_number="974761394")
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'vakttest' AND t.tgname = 'destination_guard'")
        assert cur.fetchone()[0] == 4
