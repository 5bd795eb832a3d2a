"""Inquiries: registered with category and note, linked to the call and its recording; reports by category,
queue, agent and day with a chart, exported to CSV and Excel; a user without the role sees none of it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from contactcenter.history import inquiry_register
from contactcenter.models import Agent, Call, Inquiry, InquiryCategory, Queue, QueueVisit, Recording

pytestmark = pytest.mark.django_db
PASSWORD = "demo-passord-2026"
HOST = {"HTTP_HOST": "fhi.localhost"}
# The fixture's inquiries are dated on a day of their own: live tests commit inquiries of today in fhi as well.
DAY = dt.date(2021, 3, 1)
PERIOD = f"fra={DAY.isoformat()}&til={DAY.isoformat()}"


@pytest.fixture
def inquiries():  # type: ignore[no-untyped-def]
    """Three inquiries in fhi's queue 1 (two «Vaksiner» by kari, one other by sigrid), the first one from a
    recorded call."""
    with schema_context("fhi"):
        queue = Queue.objects.get(pk=1)
        cats = list(InquiryCategory.objects.filter(queue=queue).order_by("id")[:2])
        kari = Agent.objects.get(user__username="kari")
        sigrid = Agent.objects.get(user__username="sigrid")
        now = timezone.now()
        call = Call.objects.create(linkedid="1700000500.1", direction="inbound", caller_number="4799999999",
                                   started_at=now)
        visit = QueueVisit.objects.create(call=call, queue=queue, uniqueid="1700000500.1", entered_at=now,
                                          position_on_entry=1, outcome="answered", answered_by=kari)
        rec = Recording.objects.create(call=call, path="/x/1700000500.1-q1-1.wav", started_at=now)
        first = inquiry_register(agent=kari, queue=queue, visit=visit, category=cats[0], note="Spør om «vaksine», ÆØÅ")
        second = inquiry_register(agent=kari, queue=queue, visit=None, category=cats[0], note="")
        third = inquiry_register(agent=sigrid, queue=queue, visit=None, category=cats[1], note="Annet")
        noon = timezone.make_aware(dt.datetime.combine(DAY, dt.time(12)))
        Inquiry.objects.filter(pk__in=[first.pk, second.pk, third.pk]).update(created_at=noon)
        return first, call, rec, cats


def _login(client, username: str, slug: str = "fhi") -> None:  # type: ignore[no-untyped-def]
    assert client.post("/login/", {"username": username, "password": PASSWORD},
                       HTTP_HOST=f"{slug}.localhost").status_code == 302


def test_inquiry_is_linked_to_call_and_recording(inquiries):
    first, call, rec, _cats = inquiries
    assert first.call_id == call.pk and first.recording_id == rec.pk and first.channel == "voice"
    assert first.note == "Spør om «vaksine», ÆØÅ"


def test_category_is_required_where_the_queue_says_so(inquiries):
    from django.core.exceptions import ValidationError

    with schema_context("fhi"):
        queue = Queue.objects.get(pk=1)
        assert queue.require_category
        with pytest.raises(ValidationError, match="Velg en kategori"):
            inquiry_register(agent=Agent.objects.get(user__username="kari"), queue=queue, visit=None, category=None,
                             note="")


def test_supervisor_sees_report_by_category_with_chart(client, inquiries):
    _first, _call, _rec, cats = inquiries
    _login(client, "jonas")
    page = client.get(f"/henvendelser/?{PERIOD}&gruppe=category", **HOST).content.decode()
    assert "<svg" in page and "3 henvendelser i perioden." in page
    assert f"<td>{cats[0].name}</td><td>2</td>" in page and f"<td>{cats[1].name}</td><td>1</td>" in page
    by_agent = client.get(f"/henvendelser/?{PERIOD}&gruppe=agent", **HOST).content.decode()
    assert "<td>Kari" in by_agent and "<td>2</td>" in by_agent
    by_day = client.get(f"/henvendelser/?{PERIOD}&gruppe=day", **HOST).content.decode()
    assert f"<td>{DAY.isoformat()}</td><td>3</td>" in by_day
    bad = client.get("/henvendelser/?fra=igår&gruppe=tull", **HOST)
    assert bad.status_code == 200 and "Ugyldig dato" in bad.content.decode()


def test_exports_to_csv_and_excel(client, inquiries):
    _first, _call, _rec, cats = inquiries
    _login(client, "jonas")
    query = f"{PERIOD}&gruppe=queue"
    response = client.get(f"/henvendelser/?{query}&format=csv", **HOST)
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Kø", "Antall henvendelser"] and rows[-1] == ["Sum", "3"]
    xlsx = client.get(f"/henvendelser/?{query}&format=xlsx", **HOST)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1] == ["Kø", "Antall henvendelser"] and values[-1] == ["Sum", 3]
    assert values[2][1] == 3  # a number cell, not text


def test_a_user_without_the_role_sees_none_of_it(client, inquiries):
    _login(client, "kari")  # an agent, not a supervisor
    for url in ("/henvendelser/", "/henvendelser/?format=csv", "/henvendelser/?format=xlsx"):
        response = client.get(url, **HOST)
        assert response.status_code == 403
        assert b"Vaksin" not in response.content and b"Sum" not in response.content


def test_another_agencys_supervisor_sees_only_its_own(client, inquiries):
    _login(client, "magnus", "nkh")
    page = client.get("/henvendelser/", HTTP_HOST="nkh.localhost").content.decode()
    assert "0 henvendelser i perioden." in page


def test_inquiry_about_a_visit_that_asked_for_a_callback_is_linked_to_it():
    from contactcenter.models import CallbackRequest

    with schema_context("fhi"):
        queue = Queue.objects.get(pk=1)
        kari = Agent.objects.get(user__username="kari")
        now = timezone.now()
        call = Call.objects.create(linkedid="1700000600.1", direction="inbound", caller_number="4791234567",
                                   started_at=now)
        visit = QueueVisit.objects.create(call=call, queue=queue, uniqueid="1700000600.1", entered_at=now,
                                          position_on_entry=1, outcome="abandoned")
        callback = CallbackRequest.objects.create(queue=queue, number="+4791234567", uniqueid="1700000600.1",
                                                  joined_at=now, expires_at=now + dt.timedelta(hours=4))
        category = InquiryCategory.objects.filter(queue=queue).first()
        inquiry = inquiry_register(agent=kari, queue=queue, visit=visit, category=category, note="Ringt tilbake")
        assert inquiry.callback == callback and list(callback.inquiries.all()) == [inquiry]
