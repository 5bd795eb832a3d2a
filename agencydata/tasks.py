"""Jobs of the agency's own data, on the platform's one job system (controlplane/jobs.py)."""

from __future__ import annotations

from controlplane.jobs import agency_schema, app


@app.task(queue="agencydata", name="agencydata.onboarding_run")
def onboarding_run(slug: str, onboarding_id: int, commit: bool) -> None:
    from agencydata.services import onboarding_execute

    with agency_schema(slug):
        onboarding_execute(onboarding_id=onboarding_id, commit=commit)


@app.periodic(cron="17 3 * * *")
@app.task(queue="retention", queueing_lock="retention", name="agencydata.retention_nightly")
def retention_nightly(timestamp: int) -> None:
    """Every night at 03:17: each agency's retention (agencydata.gdpr.retention), logged per agency."""
    from agencydata.gdpr.retention import retention_apply
    from controlplane.jobs import for_each_agency

    for_each_agency(lambda slug: retention_apply(), job="retention")
