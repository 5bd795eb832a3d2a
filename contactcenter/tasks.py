"""Scheduled work of the contact center (the one job system, controlplane/jobs.py)."""

from __future__ import annotations

from controlplane.jobs import app, for_each_agency


@app.periodic(cron="* * * * *")
@app.task(queue="callbacks", queueing_lock="callback_retries")
def callback_retries(timestamp: int) -> None:
    """Every minute: callbacks whose next attempt is due wait for their place again; expired ones expire."""
    from contactcenter.callbacks import callback_retries_due

    for_each_agency(lambda slug: callback_retries_due(), job="callback_retries")
