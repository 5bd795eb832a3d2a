"""Scheduled work of the contact center on the one job system (controlplane/jobs.py): recording retention and
callback retries."""

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


@app.periodic(cron="* * * * *", periodic_id="callback_retries")
@app.task(queue="callbacks", queueing_lock="callback_retries", name="contactcenter.callback_retries")
def callback_retries(timestamp: int) -> None:
    """Every minute: callbacks whose next attempt is due wait for their place again; expired ones expire."""
    from contactcenter.callbacks import callback_retries_due

    for_each_agency(lambda slug: callback_retries_due(), job="callback_retries")
