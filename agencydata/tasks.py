"""Jobs of the agency's own data, on the platform's one job system (controlplane/jobs.py)."""

from __future__ import annotations

from controlplane.jobs import agency_schema, app


@app.task(queue="agencydata", name="agencydata.onboarding_run")
def onboarding_run(slug: str, onboarding_id: int, commit: bool) -> None:
    from agencydata.services import onboarding_execute

    with agency_schema(slug):
        onboarding_execute(onboarding_id=onboarding_id, commit=commit)
