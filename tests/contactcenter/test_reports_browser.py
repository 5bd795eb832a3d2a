"""The inquiry reports page in real headless Chromium: the chart and table for a supervisor, the Excel export
downloaded. Screenshot in the artifacts folder."""

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
