"""The nightly retention is a periodic job on the one job system: it runs in every agency and logs each run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from agencydata.models import RetentionRun
from agencydata.tasks import retention_nightly
from contactcenter.models import Call
from controlplane import jobs

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_nightly_job_applies_retention_in_every_agency() -> None:
    old = timezone.now() - dt.timedelta(days=400)
    with schema_context("nkh"):
        Call.objects.create(linkedid="1500000000.1", direction="inbound", caller_number="+4791234567",
                            dialed="7000", started_at=old)
        Call.objects.create(linkedid="1500000000.2", direction="inbound", caller_number="+4791234568",
                            dialed="7000", started_at=timezone.now())
    try:
        retention_nightly.defer(timestamp=int(timezone.now().timestamp()))
        jobs.run_pending_jobs(queues=["retention"])
        for slug in ("fhi", "nkh"):
            with schema_context(slug):
                run = RetentionRun.objects.get()
                assert run.finished_at is not None and run.errors == {}
        with schema_context("nkh"):
            # Its own two calls: the old one deleted, the new one kept (live tests commit recent calls in nkh too).
            ours = Call.objects.filter(linkedid__startswith="1500000000.")
            assert list(ours.values_list("linkedid", flat=True)) == ["1500000000.2"]
            assert RetentionRun.objects.get().deleted["calls"] == 1
    finally:  # transactional tests flush only the public schema: leave the agencies as they were
        for slug in ("fhi", "nkh"):
            with schema_context(slug):
                RetentionRun.objects.all().delete()
                Call.objects.filter(linkedid__startswith="1500000000.").delete()


def test_the_job_is_scheduled_nightly() -> None:
    periodic = {t.task.name: t.cron for t in jobs.app.periodic_registry.periodic_tasks.values()}
    assert periodic["agencydata.retention_nightly"] == "17 3 * * *"
