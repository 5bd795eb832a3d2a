"""The inquiry reports page and the agent report in real headless Chromium: the chart and table for a supervisor,
the Excel export downloaded, the agent report reached from the reports page. Screenshots in the artifacts folder."""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from tests.contactcenter.test_recordings_browser import _login, browser, pytestmark, server  # noqa: F401

DAY = dt.date(2021, 3, 2)
NOON = timezone.make_aware(dt.datetime.combine(DAY, dt.time(12)))


def test_reports_page_with_chart_and_excel_export(server, browser, artifacts_dir, django_db_blocker):  # noqa: F811
    from contactcenter.history import inquiry_register
    from contactcenter.models import Agent, Inquiry, InquiryCategory, Queue

    srv, _rec = server
    with django_db_blocker.unblock(), schema_context("fhi"):
        queue = Queue.objects.get(pk=1)
        cats = list(InquiryCategory.objects.filter(queue=queue).order_by("id"))
        agents = list(Agent.objects.filter(user__isnull=False).order_by("id")[:3])
        made = [inquiry_register(agent=agents[i % 3], queue=queue, visit=None, category=cats[i % len(cats)],
                                 note=f"Henvendelse {i}") for i in range(9)]
        # On a day of their own: live tests commit inquiries of today in fhi too.
        Inquiry.objects.filter(pk__in=[i.pk for i in made]).update(created_at=NOON)
    try:
        page = browser.new_page(viewport={"width": 1100, "height": 800}, accept_downloads=True)
        _login(page, srv.port, "jonas")
        page.goto(f"http://fhi.localhost:{srv.port}/henvendelser/?fra={DAY}&til={DAY}&gruppe=category")
        assert page.locator("svg.chart rect").count() == min(9, len(cats))
        assert "9 henvendelser i perioden." in page.inner_text("main")
        page.screenshot(path=str(artifacts_dir / "side-henvendelser.png"), full_page=True)
        with page.expect_download() as info:
            page.click("button[value=xlsx]")
        data = open(info.value.path(), "rb").read()  # noqa: SIM115
        sheet = load_workbook(io.BytesIO(data)).active
        assert [c.value for c in list(sheet.iter_rows())[-1]] == ["Sum", 9]
        assert DAY.isoformat() in sheet["A1"].value
    finally:
        with django_db_blocker.unblock(), schema_context("fhi"):
            Inquiry.objects.filter(pk__in=[i.pk for i in made]).delete()


def test_agent_report_from_the_reports_page(server, browser, artifacts_dir, django_db_blocker):  # noqa: F811
    """The supervisor follows «Agentaktivitet» from the reports page, sets the period in the date fields and sees
    the agent's logged-in and pause time by reason."""
    from contactcenter.models import Agent, AgentPause, AgentSession, Queue

    srv, _rec = server
    day = DAY - dt.timedelta(days=1)  # a day of its own (the test above uses DAY)

    def at(hour: int, minute: int = 0) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    with django_db_blocker.unblock(), schema_context("fhi"):
        kari = Agent.objects.get(user__username="kari")
        name = str(kari)
        made = [AgentSession.objects.create(agent=kari, queue=Queue.objects.get(pk=1), started_at=at(8), ended_at=at(15, 30)),
                AgentPause.objects.create(agent=kari, reason="Møte, «team» & co", started_at=at(9), ended_at=at(9, 45))]
    try:
        page = browser.new_page(viewport={"width": 1100, "height": 700})
        _login(page, srv.port, "jonas")
        page.goto(f"http://fhi.localhost:{srv.port}/henvendelser/")
        page.click("text=Agentaktivitet")
        page.fill("input[name=fra]", day.isoformat())
        page.fill("input[name=til]", day.isoformat())
        page.click("form.filters button:not([name])")
        page.wait_for_url("**til=*")
        row = page.locator("#agent-report tbody tr", has_text=name)
        assert row.locator("td").all_inner_texts()[1:4] == ["7:30:00", "0:45:00", "0:45:00"]
        assert "Pause: Møte, «team» & co" in page.inner_text("#agent-report thead")  # free text shown intact
        page.screenshot(path=str(artifacts_dir / "side-agentaktivitet.png"), full_page=True)
    finally:
        with django_db_blocker.unblock(), schema_context("fhi"):
            for item in made:
                item.delete()
