"""The agent report: per agent over a period, logged-in time (two queues at once counted once, clipped to the
period), pause time by reason, answered queue calls and talk time; CSV and Excel; only for supervisors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from contactcenter.models import Agent, AgentPause, AgentSession, Call, PauseReason, Queue, QueueVisit

pytestmark = pytest.mark.django_db
PASSWORD = "demo-passord-2026"
HOST = {"HTTP_HOST": "fhi.localhost"}
DAY = dt.date(2021, 3, 2)  # a day of its own: live tests record sessions and pauses of today in fhi
PERIOD = f"fra={DAY.isoformat()}&til={DAY.isoformat()}"


def _at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _visit(agent: Agent, queue: Queue, n: int, talk: int) -> None:
    call = Call.objects.create(linkedid=f"1614670000.{n}", direction="inbound", caller_number="4799999999",
                               started_at=_at(9, n))
    QueueVisit.objects.create(call=call, queue=queue, uniqueid=f"1614670000.{n}", entered_at=_at(9, n),
                              position_on_entry=1, outcome="answered", answered_by=agent, answered_at=_at(9, n),
                              talk_seconds=talk)


@pytest.fixture
def activity():  # type: ignore[no-untyped-def]
    """Kari: logged in 08–12 and (another session) 10–13, lunch 11:00–11:30, a pause without reason 12:00–12:10,
    two answered calls (100 s and 200 s). Sigrid: logged in from 23:00 the day before to 01:00."""
    with schema_context("fhi"):
        queue = Queue.objects.get(pk=1)
        kari = Agent.objects.get(user__username="kari")
        sigrid = Agent.objects.get(user__username="sigrid")
        PauseReason.objects.get_or_create(code="lunsj", defaults={"name": "Lunsj"})
        AgentSession.objects.create(agent=kari, queue=queue, started_at=_at(8), ended_at=_at(12))
        AgentSession.objects.create(agent=kari, queue=queue, started_at=_at(10), ended_at=_at(13))
        AgentSession.objects.create(agent=sigrid, queue=queue, started_at=_at(23, day=DAY - dt.timedelta(days=1)),
                                    ended_at=_at(1))
        AgentPause.objects.create(agent=kari, reason="lunsj", started_at=_at(11), ended_at=_at(11, 30))
        AgentPause.objects.create(agent=kari, reason="", started_at=_at(12), ended_at=_at(12, 10))
        _visit(kari, queue, 1, 100)
        _visit(kari, queue, 2, 200)
        return str(kari), str(sigrid)


def _login(client, username: str, slug: str = "fhi") -> None:  # type: ignore[no-untyped-def]
    assert client.post("/login/", {"username": username, "password": PASSWORD},
                       HTTP_HOST=f"{slug}.localhost").status_code == 302


def _cells(page: str, name: str) -> list[str]:
    row = re.search(r"<tr><td>" + re.escape(name) + r"</td>(.*?)</tr>", page, re.S)
    assert row, f"ingen rad for {name}"
    return re.findall(r"<td>(.*?)</td>", row.group(1))


def test_supervisor_sees_time_logged_in_on_pause_and_talking_per_agent(client, activity):
    kari, sigrid = activity
    _login(client, "jonas")
    page = client.get(f"/henvendelser/agenter/?{PERIOD}", **HOST).content.decode()
    assert "<th>Pause: (uten årsak)</th><th>Pause: Lunsj</th>" in page  # the reason's name, not its code
    assert _cells(page, kari) == ["5:00:00", "0:40:00", "0:10:00", "0:30:00", "2", "0:05:00", "0:02:30"]
    assert _cells(page, sigrid)[:2] == ["1:00:00", "0:00:00"]  # only the hour inside the period


def test_exports_to_csv_and_excel(client, activity):
    kari, _sigrid = activity
    _login(client, "jonas")
    rows = list(csv.reader(io.StringIO(client.get(f"/henvendelser/agenter/?{PERIOD}&format=csv", **HOST)
                                       .content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Agent", "Innlogget (min)", "Pause (min)"]
    assert [kari, "300,0", "40,0", "10,0", "30,0", "2", "5,0", "150"] in rows
    xlsx = client.get(f"/henvendelser/agenter/?{PERIOD}&format=xlsx", **HOST)
    values = [[c.value for c in row] for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows()]
    assert [kari, 300, 40, 10, 30, 2, 5, 150] in values  # numbers, not text


def test_an_open_pause_counts_until_now_and_bad_dates_get_a_norwegian_message(client, activity):
    kari, _sigrid = activity
    today = timezone.localdate()
    with schema_context("fhi"):
        agent = Agent.objects.get(user__username="kari")
        AgentPause.objects.create(agent=agent, reason="lunsj", started_at=timezone.now() - dt.timedelta(minutes=20))
    _login(client, "jonas")
    page = client.get(f"/henvendelser/agenter/?fra={today}&til={today}", **HOST).content.decode()
    assert re.fullmatch(r"0:(19|20):\d\d", _cells(page, kari)[1])  # the pause so far
    bad = client.get("/henvendelser/agenter/?fra=igår", **HOST)
    assert bad.status_code == 200 and "Ugyldig dato" in bad.content.decode()


def test_agents_and_another_agencys_supervisor_see_none_of_it(client, activity):
    kari, _sigrid = activity
    _login(client, "kari")
    for fmt in ("", "csv", "xlsx"):
        response = client.get(f"/henvendelser/agenter/?{PERIOD}&format={fmt}", **HOST)
        assert response.status_code == 403 and b"5:00:00" not in response.content
    client.logout()
    _login(client, "magnus", "nkh")
    page = client.get(f"/henvendelser/agenter/?{PERIOD}", HTTP_HOST="nkh.localhost").content.decode()
    assert kari not in page and "Ingen agentaktivitet i perioden." in page


def test_the_agency_admin_lists_pauses_and_sessions_read_only(client, activity):
    kari, _sigrid = activity
    assert client.post("/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD},
                       **HOST).status_code == 302
    with schema_context("fhi"):
        pause = AgentPause.objects.get(reason="lunsj", started_at=_at(11))
    listing = client.get("/admin/contactcenter/agentpause/?reason=lunsj", **HOST).content.decode()
    assert kari in listing and "/admin/contactcenter/agentpause/add/" not in listing
    assert client.get("/admin/contactcenter/agentsession/", **HOST).status_code == 200
    assert client.post(f"/admin/contactcenter/agentpause/{pause.pk}/delete/", {"post": "yes"}, **HOST).status_code == 403
    with schema_context("fhi"):
        assert AgentPause.objects.filter(pk=pause.pk).exists()
