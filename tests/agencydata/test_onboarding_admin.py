"""The agency admin uploads its spreadsheets in the admin: the dry run and the import run as jobs on the one job
system, the page polls their progress, and the import happens only after a clean dry run."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django_tenants.utils import schema_context

from controlplane import jobs
from switchboard.models import Person
from tenants import services as tn
from tests.agencydata.test_onboarding import AGENTS, PEOPLE, QUEUES

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SLUG = "svkadmin"


@pytest.fixture
def agency():  # type: ignore[no-untyped-def]
    tn.agency_create(name="Statens veiledningskontor", slug=SLUG, org_number="910000020",
                     admin_username="admin", admin_password="svk-passord-2026")
    yield SLUG
    connection.set_schema_to_public()
    with connection.cursor() as cur:
        cur.execute(f'DROP SCHEMA IF EXISTS "{SLUG}" CASCADE')


def _upload(client, *files: tuple[str, str]):  # type: ignore[no-untyped-def]
    uploads = [SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv") for name, text in files]
    return client.post("/admin/etatens-data/innlesing/", {"files": uploads}, HTTP_HOST=f"{SLUG}.localhost")


def test_upload_dry_run_then_import_with_progress(client, agency) -> None:  # type: ignore[no-untyped-def]
    host = f"{SLUG}.localhost"
    assert client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "svk-passord-2026"},
                       HTTP_HOST=host).status_code == 302
    response = _upload(client, ("personer.csv", PEOPLE + "Carl;;;;;;\n"), ("køer.csv", QUEUES))
    detail = response.url
    assert client.get(detail + "status", HTTP_HOST=host).json()["status"] == "checking"
    jobs.run_pending_jobs(queues=["agencydata"])
    page = client.get(detail, HTTP_HOST=host).content.decode()
    assert "1 problem må rettes" in page and "<td>personer</td><td>4</td><td>etternavn</td>" in page
    assert client.post(detail, HTTP_HOST=host).content.decode().count("Kjør prøven uten problemer") == 1

    response = _upload(client, ("personer.csv", PEOPLE), ("køer.csv", QUEUES), ("agenter.csv", AGENTS))
    detail = response.url
    jobs.run_pending_jobs(queues=["agencydata"])
    assert 'id="ready"' in client.get(detail, HTTP_HOST=host).content.decode()
    with schema_context(SLUG):
        assert not Person.objects.exists()  # the dry run wrote nothing
    client.post(detail, HTTP_HOST=host)
    assert client.get(detail + "status", HTTP_HOST=host).json() == {"status": "importing", "done": 0, "total": 5,
                                                                     "busy": True}
    jobs.run_pending_jobs(queues=["agencydata"])
    assert client.get(detail + "status", HTTP_HOST=host).json() == {"status": "done", "done": 5, "total": 5,
                                                                     "busy": False}
    assert "Lest inn" in client.get(detail, HTTP_HOST=host).content.decode()
    with schema_context(SLUG):
        assert sorted(Person.objects.values_list("last_name", flat=True)) == ["Dæhlie", "Ødegård"]


def test_another_agencys_onboarding_is_not_reachable(client, agency) -> None:  # type: ignore[no-untyped-def]
    with schema_context(SLUG):
        from agencydata.services import onboarding_upload

        own = onboarding_upload(files=[("køer.csv", QUEUES.encode())], username="admin")
    client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "demo-passord-2026"},
                HTTP_HOST="nkh.localhost")
    assert client.get(f"/admin/etatens-data/innlesing/{own.pk}/", HTTP_HOST="nkh.localhost").status_code == 404


def test_progress_is_visible_while_the_import_transaction_is_open(agency) -> None:  # type: ignore[no-untyped-def]
    from django.db import connections, transaction

    from agencydata.services import _ProgressWriter, onboarding_upload

    with schema_context(SLUG):
        onboarding = onboarding_upload(files=[("køer.csv", QUEUES.encode())], username="admin")
        with transaction.atomic(), _ProgressWriter(onboarding) as progress:
            progress(1, 1)
            other = connections.create_connection("default")
            other.set_schema(SLUG)
            with other.cursor() as cur:
                cur.execute("SELECT done_rows FROM agencydata_onboardingimport WHERE id = %s", [onboarding.pk])
                assert cur.fetchone() == (1,)
            other.close()
