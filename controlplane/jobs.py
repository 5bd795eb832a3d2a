"""The platform's one durable job system: procrastinate on the same PostgreSQL (tables in the public schema).

Scheduled and background work (retention, callbacks, mass SMS, campaigns, syncs) are procrastinate tasks in
the owning app's ``tasks.py`` (found at start-up), defined on the one ``app`` re-exported here::

    from controlplane.jobs import app, for_each_agency

    @app.periodic(cron="17 3 * * *")
    @app.task(queue="retention", queueing_lock="retention")
    def retention_nightly(timestamp: int) -> None:
        for_each_agency(lambda slug: retention_apply(agency=slug), job="retention")

A task that works on one agency takes the agency's slug as an argument and runs inside ``agency_schema``.
A task over all agencies uses ``for_each_agency``: one agency's broken state never stops the others.

``manage.py run_platform`` starts one worker process (``manage.py procrastinate worker``) beside the web
server. Tests run due jobs in-process with ``run_pending_jobs()`` (the test must use
``@pytest.mark.django_db(transaction=True)``: the worker sees only committed jobs).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django_tenants.utils import schema_context
from procrastinate.contrib.django import app

__all__ = ["app", "AgencyRun", "agency_schema", "for_each_agency", "run_pending_jobs"]

logger = logging.getLogger("controlplane.jobs")


@dataclass
class AgencyRun:
    """What a job over all agencies did: the agencies it finished and those that failed (slug -> error)."""

    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


@contextmanager
def agency_schema(slug: str) -> Iterator[None]:
    """Run the block in the agency's schema (the slug is checked against the agency list first)."""
    from tenants.selectors import agency_get

    agency = agency_get(slug=slug)
    with schema_context(agency.schema_name):
        yield


def for_each_agency(work: Callable[[str], object], *, job: str) -> AgencyRun:
    """Run ``work(slug)`` in each active agency's schema. An agency whose work raises is logged and named in
    the result; the next agency runs anyway."""
    from tenants.selectors import agency_list

    run = AgencyRun()
    for slug in list(agency_list().values_list("schema_name", flat=True)):
        try:
            with schema_context(slug):
                work(slug)
        except Exception as exc:  # noqa: BLE001 - one agency's failure must not stop the others
            logger.exception("Jobben %s feilet for %s", job, slug)
            run.failed[slug] = f"{type(exc).__name__}: {exc}"
        else:
            run.done.append(slug)
    return run


def run_pending_jobs(*, queues: list[str] | None = None) -> None:
    """Run every job that is due now in this process, then return (tests; ``manage.py run_jobs``)."""
    # As ``manage.py procrastinate worker`` does: the worker gets its own psycopg connector (Django's
    # connection hands jsonb back as text).
    with app.replace_connector(app.connector.get_worker_connector()):
        app.run_worker(queues=queues, wait=False, install_signal_handlers=False, listen_notify=False)
