"""Retention: delete what is past its time, kind by kind, in one agency; each run logged (RetentionRun)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencydata.gdpr.holds import file_item_held, kind_hold_reason, retention_days, without_held_subjects
from agencydata.gdpr.registry import DataKind, kinds
from agencydata.models import RetentionRun

logger = logging.getLogger(__name__)


def retention_apply(*, now: dt.datetime | None = None) -> RetentionRun:
    """Apply every kind's retention in the current agency's schema. One kind's failure is logged on the run and
    does not stop the others; each kind is its own transaction."""
    now = now or timezone.now()
    run = RetentionRun.objects.create(started_at=timezone.now())
    files = 0
    for kind in kinds():
        if kind.expired is None and kind.file_items is None:
            continue
        try:
            files += _apply_kind(kind, now, run)
        except Exception as exc:  # noqa: BLE001 - recorded on the run; the next kind runs anyway
            logger.exception("sletting etter oppbevaringstid feilet for %s", kind.kind)
            run.errors[kind.kind] = f"{type(exc).__name__}: {exc}"
    run.files_deleted = files
    run.finished_at = timezone.now()
    run.save()
    return run


def _apply_kind(kind: DataKind, now: dt.datetime, run: RetentionRun) -> int:
    reason = kind_hold_reason(kind)
    if reason:
        run.kept[kind.kind] = reason
        return 0
    days = retention_days(kind)
    if days is None:
        run.kept[kind.kind] = _("Oppbevares til det slettes for hånd.")
        return 0
    if kind.file_items is not None:
        return _apply_file_kind(kind, now - dt.timedelta(days=days), run)
    with transaction.atomic():
        rows = without_held_subjects(kind, kind.expired(now - dt.timedelta(days=days)))
        paths = list(kind.files(rows)) if kind.files is not None else []
        model = rows.model
        _total, per_model = rows.delete()
        run.deleted[kind.kind] = per_model.get(model._meta.label, 0)
        transaction.on_commit(lambda: delete_files(paths))
    return len(paths)


def _apply_file_kind(kind: DataKind, cutoff: dt.datetime, run: RetentionRun) -> int:
    """Files (voicemail messages) older than the cut-off, less those about a number or person on hold."""
    due = [item for item in kind.file_items() if item.at < cutoff and not file_item_held(item)]
    paths = [path for item in due for path in item.paths]
    delete_files(paths)
    run.deleted[kind.kind] = len(due)
    return len(paths)


def delete_files(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
