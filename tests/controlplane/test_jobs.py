"""The one job system: a job deferred in one process runs in the worker, in the right agency's schema, and a
job over all agencies finishes the healthy agencies when one agency's work fails."""

from __future__ import annotations

import pytest
from django.db import connection

from controlplane import jobs

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

seen: list[tuple[str, str]] = []


@jobs.app.task(queue="test-jobs", name="tests.record_schema")
def record_schema(slug: str) -> None:
    with jobs.agency_schema(slug):
        seen.append((slug, connection.schema_name))


def test_deferred_job_runs_once_in_the_agencys_schema() -> None:
    seen.clear()
    record_schema.defer(slug="fhi")
    record_schema.defer(slug="nkh")
    jobs.run_pending_jobs(queues=["test-jobs"])
    assert sorted(seen) == [("fhi", "fhi"), ("nkh", "nkh")]
    jobs.run_pending_jobs(queues=["test-jobs"])  # nothing left: each job ran once
    assert len(seen) == 2


def test_one_agencys_failure_does_not_stop_the_others() -> None:
    def work(slug: str) -> None:
        if slug == "fhi":
            raise RuntimeError("ødelagt tilstand")
        seen.append((slug, connection.schema_name))

    seen.clear()
    run = jobs.for_each_agency(work, job="test")
    assert "fhi" in run.failed and "ødelagt tilstand" in run.failed["fhi"]
    assert "nkh" in run.done and ("nkh", "nkh") in seen


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_agencies_are_back_for_the_next_transactional_test() -> None:
    from tenants.selectors import agency_list

    assert {"fhi", "nkh"} <= set(agency_list().values_list("schema_name", flat=True))
