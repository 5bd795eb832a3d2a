"""Scheduled work of the contact center on the one job system (controlplane.jobs)."""

from __future__ import annotations

from controlplane.jobs import app, for_each_agency


def _recordings_sync_and_retention(slug: str) -> None:
    from contactcenter.recordings import recordings_sync, retention_apply

    recordings_sync(agency=slug)
    retention_apply(agency=slug)


@app.periodic(cron="*/5 * * * *", periodic_id="recordings")
@app.task(queue="recordings", queueing_lock="recordings", name="contactcenter.recordings_retention")
def recordings_retention(timestamp: int) -> None:
    """Every five minutes: register new recordings with their retention, delete those whose time is up."""
    run = for_each_agency(_recordings_sync_and_retention, job="recordings")
    if run.failed:
        raise RuntimeError("Opptaksjobben feilet for " + ", ".join(sorted(run.failed)))
