"""Checking and importing the rows, through the switchboard and contactcenter services (never their models).

Both the dry run and the import run every row through the real services inside one transaction, each row in its
own savepoint so that one bad row does not hide the problems of the next: the dry run always rolls back, the
import commits only when no row had a problem. So the dry run reports exactly what the import would refuse
(validators, database constraints, numbers taken, references to rows earlier in the file), and nothing is
written by a dry run or by an import that has a problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from agencydata.onboarding import rows as handlers
from agencydata.onboarding.sheets import KINDS, Problem, Sheets

Progress = Callable[[int, int], None]


@dataclass
class Report:
    committed: bool = False
    created: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"committed": self.committed, "created": self.created,
                "problems": [p.as_dict() for p in self.problems]}


def onboarding_rows_run(*, sheets: Sheets, commit: bool, progress: Progress | None = None) -> Report:
    """Check (``commit=False``) or import (``commit=True``, all or nothing) every row of ``sheets``."""
    report = Report(problems=list(sheets.problems))
    done, total = 0, sheets.total
    with transaction.atomic():
        refs = handlers.Refs()
        for kind in KINDS:
            for number, values in sheets.rows.get(kind, []):
                _one_row(kind, number, values, refs, report)
                done += 1
                if progress is not None:
                    progress(done, total)
        report.committed = commit and not report.problems
        if not report.committed:
            transaction.set_rollback(True)
    if not report.committed:
        report.created = {}
    return report


def _one_row(kind: str, number: int, values: dict[str, str], refs: handlers.Refs, report: Report) -> None:
    try:
        with transaction.atomic():
            handlers.HANDLERS[kind](values, refs)
    except handlers.RowError as exc:
        report.problems.append(Problem(kind, number, exc.column, exc.message))
        return
    except ValidationError as exc:
        for column, message in handlers.column_messages(kind, exc):
            report.problems.append(Problem(kind, number, column, message))
        return
    except DatabaseError:
        report.problems.append(Problem(kind, number, "", _("Raden kan ikke lagres (den bryter en regel i databasen).")))
        return
    report.created[kind] = report.created.get(kind, 0) + 1
