"""The switchboard app's scheduled work (procrastinate, controlplane/jobs.py)."""

from __future__ import annotations

from controlplane.jobs import app, for_each_agency


@app.periodic(cron="*/5 * * * *")
@app.task(queue="m365", queueing_lock="m365-sync", name="switchboard.m365_sync_all")
def m365_sync_all(timestamp: int) -> None:
    """Every five minutes: each agency's Microsoft 365 calendars, out of office and contacts (deltas only)."""
    from switchboard.services import m365_agency_sync

    for_each_agency(lambda slug: m365_agency_sync(), job="m365")
