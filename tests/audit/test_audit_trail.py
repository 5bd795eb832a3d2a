"""The audit trail: changes through the admin and the CLI, logins, the chain, and tampering caught."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django_tenants.utils import schema_context

from audit.models import AuditEntry
from switchboard.models import Person

PASSWORD = "demo-passord-2026"


def _login(client, slug="fhi", username="admin", password=PASSWORD):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password},
                       HTTP_HOST=f"{slug}.localhost", REMOTE_ADDR="192.0.2.10")


def _entries(slug, **filters):
    with schema_context(slug):
        return list(AuditEntry.objects.filter(**filters).order_by("id"))


def test_admin_change_is_logged_with_who_where_before_and_after(client):
    assert _login(client).status_code == 302
    with schema_context("fhi"):
        person = Person.objects.order_by("id").first()
    page = client.get(f"/admin/switchboard/person/{person.pk}/change/", HTTP_HOST="fhi.localhost")
    form = page.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if not isinstance(v, list | tuple)}
    data.update({"first_name": "Åse Ørjan", "last_name": person.last_name})
    response = client.post(f"/admin/switchboard/person/{person.pk}/change/", data, HTTP_HOST="fhi.localhost",
                           REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302, response.content.decode()[:2000]
    [entry] = _entries("fhi", model="switchboard.person", action="update", object_pk=str(person.pk))
    assert entry.actor == "bruker:admin" and entry.ip == "192.0.2.10"
    assert entry.before["first_name"] == person.first_name and entry.after["first_name"] == "Åse Ørjan"
    assert entry.detail["path"] == f"/admin/switchboard/person/{person.pk}/change/"
    assert _entries("nkh", model="switchboard.person", object_pk=str(person.pk), action="update") == []


def test_logins_and_failed_logins_are_logged(client):
    _login(client, password="feil-passord-123")
    _login(client)
    failed = _entries("fhi", action="login_failed")
    ok = _entries("fhi", action="login")
    assert failed[-1].detail["username"] == "admin" and failed[-1].ip == "192.0.2.10"
    assert ok[-1].actor == "bruker:admin" and "feil-passord" not in str(failed[-1].detail)


def test_cli_change_is_logged_as_cli_user(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "cli-passord-2026")
    call_command("tenant_command", "createsuperuser", "--noinput", "--username", "nattevakt",
                 "--email", "n@fhi.example", schema_name="fhi")
    [entry] = _entries("fhi", model="auth.user", action="create", after__username="nattevakt")
    assert entry.actor.startswith("cli:") and entry.after["password"] == "***"


def test_password_hashes_never_reach_the_trail(client):
    _login(client)
    with schema_context("fhi"):
        assert not AuditEntry.objects.filter(after__password__startswith="pbkdf2").exists()


def test_engine_work_without_actor_is_not_logged():
    with schema_context("fhi"):
        before = AuditEntry.objects.count()
        Person.objects.create(first_name="Motor", last_name="Skrevet")
        assert AuditEntry.objects.count() == before


def _seed_entries(n=3):
    from audit.services import audit_entry_append

    with schema_context("fhi"):
        for i in range(n):
            audit_entry_append(actor="bruker:test", action="access", detail={"i": i, "tekst": "æøå, «sitat»"})
        return list(AuditEntry.objects.order_by("id").values_list("id", flat=True))


def test_verify_audit_proves_an_intact_chain(capsys):
    _seed_entries()
    call_command("verify_audit", slug="fhi")
    assert "er hel" in capsys.readouterr().out


def test_database_refuses_update_and_delete():
    ids = _seed_entries()
    with schema_context("fhi"):
        for sql in ("UPDATE audit_auditentry SET actor = 'x' WHERE id = %s", "DELETE FROM audit_auditentry WHERE id = %s"):
            with pytest.raises(DatabaseError, match="revisjonsloggen kan ikke endres"), transaction.atomic():
                with connection.cursor() as cur:
                    cur.execute(sql, [ids[1]])
        assert AuditEntry.objects.filter(pk=ids[1], actor="bruker:test").exists()


def _tamper(sql, params):
    with schema_context("fhi"), connection.cursor() as cur:
        cur.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_append_only")
        cur.execute(sql, params)
        cur.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_append_only")


@pytest.mark.parametrize("how", ["edit", "delete"])
def test_tampering_in_the_database_is_caught(how):
    ids = _seed_entries(4)
    if how == "edit":
        _tamper("UPDATE audit_auditentry SET detail = '{\"i\": 99}'::jsonb WHERE id = %s", [ids[1]])
        broken = ids[1]
    else:
        _tamper("DELETE FROM audit_auditentry WHERE id = %s", [ids[1]])
        broken = ids[2]
    with pytest.raises(CommandError, match=f"brutt ved post {broken}") as caught:
        call_command("verify_audit", slug="fhi")
    assert caught.value.returncode == 3


def test_retention_cut_keeps_the_chain_verifiable(capsys):
    from django.utils import timezone

    from audit.services import audit_entries_prune

    ids = _seed_entries(3)
    with schema_context("fhi"):
        assert audit_entries_prune(older_than=timezone.now(), actor="jobb:oppbevaring") >= len(ids)
        assert not AuditEntry.objects.filter(pk__in=ids).exists()
    call_command("verify_audit", slug="fhi")
    assert "er hel" in capsys.readouterr().out


def test_verify_audit_refuses_unknown_agency():
    with pytest.raises(CommandError, match="Ukjent etat"):
        call_command("verify_audit", slug="finnesikke")


def test_agency_admin_reads_and_filters_own_trail_read_only(client):
    _login(client)
    page = client.get("/admin/audit/auditentry/?action__exact=login", HTTP_HOST="fhi.localhost")
    assert page.status_code == 200 and "bruker:admin" in page.content.decode()
    entry = _entries("fhi", action="login")[-1]
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/delete/", HTTP_HOST="fhi.localhost").status_code == 403
    assert client.get("/admin/audit/auditentry/add/", HTTP_HOST="fhi.localhost").status_code == 403


def test_agency_user_without_admin_rights_cannot_read_the_trail(client):
    with schema_context("fhi"):
        get_user_model().objects.create_user("lesar", password="lesar-passord-2026", is_staff=True)
    _login(client, username="lesar", password="lesar-passord-2026")
    assert client.get("/admin/audit/auditentry/", HTTP_HOST="fhi.localhost").status_code == 403
