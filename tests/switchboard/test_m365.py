"""Microsoft 365 calendars, out of office and contacts, synced by the periodic job against a local HTTPS server
that answers like Microsoft's login server and Graph (tests/harness/graph_fake.py): paging, delta rounds,
throttling with Retry-After, an expired token; each agency sees only its own tenants' data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from controlplane import jobs
from tests.harness.graph_fake import GraphFake

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
FHI_TENANT, NKH_TENANT = "11111111-2222-3333-4444-555555555555", "99999999-8888-7777-6666-555555555555"
CLIENT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def _email(slug: str, index: int = 0) -> tuple[int, str]:
    from switchboard.models import Person

    with schema_context(slug):
        p = Person.objects.exclude(email="").order_by("id")[index]
        return p.pk, p.email


@pytest.fixture
def graph(monkeypatch, settings):  # type: ignore[no-untyped-def]
    """The fake with one directory per agency, and each agency's tenant pointed at it."""
    from switchboard.models import CalendarBlock, ExternalContact, M365Tenant, MailboxState

    monkeypatch.setenv("FHI_M365_SECRET", "fhi-hemmelig-klientnøkkel")
    monkeypatch.setenv("NKH_M365_SECRET", "nkh-hemmelig-klientnøkkel")
    with GraphFake() as fake:
        settings.GRAPH_CA_BUNDLE = str(fake.ca_file)
        for slug, tid in (("fhi", FHI_TENANT), ("nkh", NKH_TENANT)):
            d = fake.directory(tid, CLIENT, f"{slug}-hemmelig-klientnøkkel")
            for i in range(3):  # three people (paging at two per page) and one the agency does not have
                pk, email = _email(slug, i)
                d.add_user(f"{slug}-u{i}", email, f"Bruker {i}")
            d.add_user(f"{slug}-x", f"ukjent@{slug}.example", "Ukjent")
            with schema_context(slug):
                M365Tenant.objects.create(name=f"{slug.upper()} M365", tenant_id=tid, client_id=CLIENT,
                                          client_secret_ref=f"env:{slug.upper()}_M365_SECRET", authority_host=fake.base,
                                          graph_url=f"{fake.base}/v1.0")
        yield fake
    from django.db import connection

    connection.set_schema_to_public()
    for slug in ("fhi", "nkh"):
        with schema_context(slug):
            for model in (CalendarBlock, ExternalContact, MailboxState, M365Tenant):
                model.objects.all().delete()


def _sync() -> None:
    import uuid

    from switchboard.tasks import m365_sync_all

    # The worker also defers the periodic job itself (holding the task's queueing lock): ours gets its own lock.
    m365_sync_all.configure(queueing_lock=f"test-{uuid.uuid4()}").defer(timestamp=int(timezone.now().timestamp()))
    jobs.run_pending_jobs(queues=["m365"])


def test_periodic_job_syncs_calendar_oof_and_contacts_per_agency(graph):
    from switchboard.models import M365Tenant
    from switchboard.selectors import calendar_status_for_person, m365_contact_search

    now = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    fhi = graph.directories[FHI_TENANT]
    fhi_person, _ = _email("fhi", 0)
    away_person, _ = _email("fhi", 1)
    for i in range(5):  # five events: three pages
        fhi.set_event("fhi-u0", f"ev{i}", now + dt.timedelta(hours=2 * i - 1), now + dt.timedelta(hours=2 * i),
                      show_as="tentative" if i == 2 else "busy", location="Møterom Ø1 – 3. etg")
    fhi.set_out_of_office("fhi-u1", now - dt.timedelta(days=1), now + dt.timedelta(days=3))
    fhi.set_contact("fhi-u0", "c1", "Åse Ødegård", company="Helse Sør-Øst", email="ase@hso.example",
                    mobile="+4791234567")
    graph.directories[NKH_TENANT].set_contact("nkh-u0", "c9", "Nils Nabo", company="Naboetaten")
    _sync()
    with schema_context("fhi"):
        assert M365Tenant.objects.get().last_error == ""
        status = calendar_status_for_person(person_id=fhi_person, at=now - dt.timedelta(minutes=30))
        assert status.state == "busy" and status.until == now and status.location == "Møterom Ø1 – 3. etg"
        assert calendar_status_for_person(person_id=fhi_person, at=now + dt.timedelta(minutes=30)).state == "free"
        assert calendar_status_for_person(person_id=fhi_person, at=now + dt.timedelta(hours=3, minutes=30)).state == "tentative"
        away = calendar_status_for_person(person_id=away_person, at=now)
        assert away.state == "oof" and away.until == now + dt.timedelta(days=3)
        # The synced calendar feeds presence (the attendant console's directory): out of office -> away.
        from switchboard.selectors import presence_for

        merged = presence_for(person_ids=[away_person, fhi_person], use_mobile=False)
        assert merged[away_person]["status"] == "away" and merged[away_person]["reason"] == "calendar"
        assert "calendar" in merged[fhi_person]["sources"] and merged[fhi_person]["reason"] != "calendar"
        (contact,) = m365_contact_search(query="ødegård")
        assert contact.company == "Helse Sør-Øst" and "+4791234567" in contact.phones
        assert list(m365_contact_search(query="Nabo")) == []  # NKH's contact is not FHI's
    with schema_context("nkh"):
        assert [c.display_name for c in m365_contact_search(query="Nabo")] == ["Nils Nabo"]
    pages = graph.requests_to("/users/fhi-u0/calendarView/delta")[:4]  # the periodic run may follow with a delta round
    assert "startDateTime" in pages[0]["query"] and [("$skiptoken" in p["query"]) for p in pages[:3]] == [False, True, True]
    assert all("$deltatoken" in p["query"] for p in pages[3:])
    assert len(graph.requests_to("/v1.0/users")) >= 2 * 2  # both agencies' user lists, two pages each


def test_second_run_fetches_only_changes_and_applies_removals(graph):
    from switchboard.models import CalendarBlock, ExternalContact

    now = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    fhi = graph.directories[FHI_TENANT]
    fhi.set_event("fhi-u0", "keep", now, now + dt.timedelta(hours=1))
    fhi.set_event("fhi-u0", "gone", now + dt.timedelta(hours=2), now + dt.timedelta(hours=3))
    fhi.set_contact("fhi-u0", "c1", "Kari Kontakt")
    _sync()
    fhi.remove_event("fhi-u0", "gone")
    fhi.set_event("fhi-u0", "keep", now, now + dt.timedelta(hours=2), location="Flyttet")
    fhi.remove_contact("fhi-u0", "c1")
    graph.log.clear()
    _sync()
    rounds = graph.requests_to("/users/fhi-u0/calendarView/delta")
    assert rounds and all("$deltatoken" in r["query"] for r in rounds)
    with schema_context("fhi"):
        assert list(CalendarBlock.objects.values_list("event_id", "location")) == [("keep", "Flyttet")]
        assert not ExternalContact.objects.exists()


def test_throttling_waits_retry_after_and_finishes(graph):
    from switchboard.models import CalendarBlock, M365Tenant

    now = timezone.now().astimezone(dt.UTC)
    graph.directories[FHI_TENANT].set_event("fhi-u2", "e1", now, now + dt.timedelta(hours=1))
    graph.throttle["/users/fhi-u2/calendarView/delta"] = 1
    _sync()
    tries = graph.requests_to("/users/fhi-u2/calendarView/delta")
    assert [t["status"] for t in tries[:2]] == [429, 200]
    assert tries[1]["at"] - tries[0]["at"] >= 1  # waited the Retry-After seconds before asking again
    with schema_context("fhi"):
        assert M365Tenant.objects.get().last_error == ""
        assert CalendarBlock.objects.filter(event_id="e1").exists()


def test_expired_token_is_renewed_mid_sync(graph):
    from switchboard.models import M365Tenant, MailboxState

    graph.expire_after = 3  # the token dies after three Graph requests
    _sync()
    assert 401 in [r.get("status") for r in graph.log]
    fhi_tokens = [r for r in graph.requests_to(f"/{FHI_TENANT}/oauth2/v2.0/token")]
    assert len(fhi_tokens) >= 2
    with schema_context("fhi"):
        assert M365Tenant.objects.get().last_error == ""
        assert MailboxState.objects.count() == 3


def test_wrong_secret_is_recorded_never_shown_and_other_agency_still_syncs(graph, monkeypatch, client):
    from django.contrib.auth import get_user_model

    from switchboard.models import M365Tenant, MailboxState

    monkeypatch.setenv("FHI_M365_SECRET", "feil-hemmelighet")
    _sync()
    with schema_context("fhi"):
        tenant = M365Tenant.objects.get()
        assert "invalid_client" in tenant.last_error and tenant.last_sync_at is None
        assert not MailboxState.objects.exists()
        client.force_login(get_user_model().objects.get(username="admin"))
    with schema_context("nkh"):
        assert MailboxState.objects.count() == 3
    page = client.get(f"/admin/switchboard/m365tenant/{tenant.pk}/change/", HTTP_HOST="fhi.localhost")
    assert page.status_code == 200
    html = page.content.decode()
    assert "env:FHI_M365_SECRET" in html and "feil-hemmelighet" not in html and "fhi-hemmelig" not in html
    from django.db import connection

    connection.set_schema_to_public()
