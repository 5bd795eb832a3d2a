"""SMS jobs on the platform's one job system (controlplane.jobs, procrastinate)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from procrastinate.exceptions import AlreadyEnqueued

from controlplane.jobs import agency_schema, app, for_each_agency


@app.task(queue="sms", name="outbound.sms_send")
def sms_send_job(slug: str, send_id: int) -> None:
    """Send what is left of one send in the agency's schema (safe to run again: rows are claimed one by one)."""
    from outbound.services import sms_send_run

    with agency_schema(slug):
        sms_send_run(send_id=send_id)


def sends_resume(slug: str) -> list[int]:
    """Queue again every running send whose sender stopped beating (killed worker); returns their ids."""
    from outbound.models import SendStatus, SmsSend

    stale = timezone.now() - dt.timedelta(seconds=2 * settings.SMS_RECONCILE_SECONDS)
    ids = list(SmsSend.objects.filter(status=SendStatus.RUNNING, heartbeat_at__lt=stale).values_list("pk", flat=True))
    for send_id in ids:
        try:
            sms_send_job.configure(queueing_lock=f"sms-{slug}-{send_id}").defer(slug=slug, send_id=send_id)
        except AlreadyEnqueued:
            pass
    return ids


@app.periodic(cron="* * * * *")
@app.task(queue="sms", queueing_lock="sms-resume", name="outbound.sms_sends_resume")
def sms_sends_resume(timestamp: int) -> None:
    for_each_agency(sends_resume, job="sms-resume")
