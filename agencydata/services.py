"""Writes of the agency's own data: spreadsheet onboarding (upload, dry run, import as a job)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencydata.models import LegalHold, OnboardingImport, OnboardingStatus, RetentionPolicy
from agencydata.onboarding.run import onboarding_rows_run
from agencydata.onboarding.sheets import Sheets, read_files

logger = logging.getLogger(__name__)
MAX_UPLOAD = 20 * 1024 * 1024


@transaction.atomic
def onboarding_upload(*, files: Iterable[tuple[str, bytes]], username: str) -> OnboardingImport:
    """Read the uploaded spreadsheets into a new onboarding (problems with the files themselves are kept)."""
    files = list(files)
    if not files:
        raise ValidationError(_("Velg minst én fil."))
    if sum(len(content) for _n, content in files) > MAX_UPLOAD:
        raise ValidationError(_("Filene er for store (høyst 20 MB til sammen)."))
    sheets = read_files(files)
    return OnboardingImport.objects.create(
        created_by=username[:150], file_names=", ".join(name for name, _c in files)[:500],
        sheets={kind: [[n, values] for n, values in rows] for kind, rows in sheets.rows.items()},
        total_rows=sheets.total, problems=[p.as_dict() for p in sheets.problems])


@transaction.atomic
def onboarding_start(*, onboarding: OnboardingImport, commit: bool) -> OnboardingImport:
    """Queue the dry run (``commit=False``) or, after a clean dry run, the import. The job does the work."""
    from agencydata.tasks import onboarding_run

    onboarding = OnboardingImport.objects.select_for_update().get(pk=onboarding.pk)
    if onboarding.status in (OnboardingStatus.CHECKING, OnboardingStatus.IMPORTING, OnboardingStatus.DONE):
        raise ValidationError(_("Innlesingen er allerede i gang eller ferdig."))
    if commit and (onboarding.status != OnboardingStatus.CHECKED or onboarding.problems):
        raise ValidationError(_("Kjør prøven uten problemer før innlesingen."))
    onboarding.status = OnboardingStatus.IMPORTING if commit else OnboardingStatus.CHECKING
    onboarding.done_rows = 0
    onboarding.save(update_fields=["status", "done_rows"])
    slug = connection.schema_name
    transaction.on_commit(lambda: onboarding_run.defer(slug=slug, onboarding_id=onboarding.pk, commit=commit))
    return onboarding


def onboarding_execute(*, onboarding_id: int, commit: bool) -> OnboardingImport:
    """Run the dry run or the import of one onboarding (in the job), reporting progress as it goes."""
    onboarding = OnboardingImport.objects.get(pk=onboarding_id)
    sheets = Sheets(rows={kind: [(n, values) for n, values in rows] for kind, rows in onboarding.sheets.items()})
    with _ProgressWriter(onboarding) as progress:
        report = onboarding_rows_run(sheets=sheets, commit=commit, progress=progress)
    problems = onboarding.problems if onboarding.problems else []
    onboarding.problems = problems + [p.as_dict() for p in report.problems]
    onboarding.created = report.created
    onboarding.done_rows = onboarding.total_rows
    if commit:
        onboarding.status = OnboardingStatus.DONE if report.committed else OnboardingStatus.FAILED
    else:
        onboarding.status = OnboardingStatus.CHECKED
    onboarding.finished_at = timezone.now()
    onboarding.save()
    logger.info("onboarding %s: %s, %d problem(s)", onboarding.pk, onboarding.status, len(onboarding.problems))
    return onboarding


class _ProgressWriter:
    """Writes progress over its own database connection, so the admin page sees it while the import's own
    transaction is still open (the import commits all at once at the end)."""

    def __init__(self, onboarding: OnboardingImport) -> None:
        self.pk = onboarding.pk
        self.schema = connection.schema_name
        self.table = OnboardingImport._meta.db_table
        self.last = -1

    def __enter__(self) -> _ProgressWriter:
        self.conn = connections.create_connection("default")
        self.conn.set_schema(self.schema)
        return self

    def __call__(self, done: int, total: int) -> None:
        step = max(1, total // 100)
        if done != total and done - self.last < step:
            return
        self.last = done
        with self.conn.cursor() as cur:
            cur.execute(f'UPDATE "{self.table}" SET done_rows = %s WHERE id = %s', [done, self.pk])

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


# --- GDPR settings -----------------------------------------------------------------------------------------------

@transaction.atomic
def gdpr_setting_save(*, obj: RetentionPolicy | LegalHold) -> RetentionPolicy | LegalHold:
    """Validate and save a retention setting or a legal hold (the admin's one path for these writes)."""
    from agencydata.gdpr.registry import kinds

    if isinstance(obj, RetentionPolicy) and obj.kind not in {k.kind for k in kinds()}:
        raise ValidationError({"kind": _("Ukjent type data.")})
    obj.full_clean()
    obj.save()
    return obj
