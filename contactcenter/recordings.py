"""Recording under GDPR: policies per queue, recordings started mid-call with a legal basis, registration of
the files Asterisk wrote, retention (delete when due, log each deletion) and logged, reasoned access.

Files live only in the agency's recording folder (``<ASTERISK_SPOOL_DIR>/<slug>/recordings``); every path a
request leads to is resolved (symlinks followed) and must stay inside that folder (``recording_file``)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from asterisk_conf.recording_dialplan import recording_folder
from contactcenter import live_services
from contactcenter.models import Call, Queue, Recording, RetentionClass
from contactcenter.models_voice import LegalBasis, RecordingAccess, RecordingDeletion, RecordingPolicy
from engine.client import EngineRefused
from switchboard.services import config_object_save

logger = logging.getLogger("contactcenter.recordings")
POLICY_FILE = re.compile(r"^(?P<linkedid>[0-9]+\.[0-9]+)-q(?P<queue>[0-9]+)-(?P<epoch>[0-9]+)\.wav$")
LISTEN_PERMISSION = "contactcenter.listen_recording"
WAV_HEADER = 44


def folder(agency: str) -> Path:
    return recording_folder(settings.ASTERISK_SPOOL_DIR, agency)


def recording_file(*, agency: str, name: str) -> Path:
    """The file ``name`` in the agency's recording folder, or PermissionDenied when the name (``..``, an absolute
    path, a symlink pointing elsewhere) leads anywhere else."""
    base = folder(agency).resolve()
    candidate = (base / name).resolve()
    if candidate.parent != base or not candidate.is_file():
        raise PermissionDenied(_("Opptaket finnes ikke i etatens opptaksmappe."))
    return candidate


@transaction.atomic
def recording_policy_set(*, queue: Queue, mode: str, notice=None, opt_out_digit: str = "9",  # type: ignore[no-untyped-def]
                         retention_days: int = 30) -> RecordingPolicy:
    policy = RecordingPolicy.objects.filter(queue=queue).first() or RecordingPolicy(queue=queue)
    policy.mode, policy.notice, policy.opt_out_digit, policy.retention_days = mode, notice, opt_out_digit, retention_days
    config_object_save(obj=policy)
    return policy


@transaction.atomic
def legal_basis_create(*, code: str, name: str, retention_days: int, overrides_opt_out: bool = False) -> LegalBasis:
    basis = LegalBasis(code=code, name=name, retention_days=retention_days, overrides_opt_out=overrides_opt_out)
    config_object_save(obj=basis)
    return basis


def recording_start_with_basis(*, agency: str, agent_id: int, channel: str, legal_basis_code: str) -> Recording:
    """An agent starts recording an abusive call: only with one of the agency's active legal bases; the recording
    gets the basis's own retention class and period. When the caller opted out by key before an agent answered, only
    a basis marked ``overrides_opt_out`` (abusive calls) is accepted; the engine checks the call's ``REC_OPTOUT``."""
    with schema_context(agency):
        basis = LegalBasis.objects.filter(code=legal_basis_code, is_active=True).first()
    if basis is None:
        raise EngineRefused(_("Velg et rettslig grunnlag for opptaket fra etatens liste."))
    path = live_services.recording_start(agency=agency, agent_id=agent_id, channel=channel,
                                         override_opt_out=basis.overrides_opt_out)
    with schema_context(agency), transaction.atomic():
        rec = Recording.objects.select_for_update().filter(path=path).order_by("-id").first()
        if rec is None:
            raise EngineRefused(_("Opptaket ble ikke registrert."))
        rec.retention_class, rec.legal_basis = RetentionClass.ABUSE, basis
        rec.delete_after = rec.started_at + dt.timedelta(days=basis.retention_days)
        rec.save(update_fields=["retention_class", "legal_basis", "delete_after"])
    logger.info("Opptak startet av agent %s med grunnlag %s%s: %s", agent_id, basis.code,
                " (gjelder også når innringeren har reservert seg)" if basis.overrides_opt_out else "", path)
    return rec


def recordings_sync(*, agency: str) -> int:
    """Register the files Asterisk wrote under a queue's policy (``<linkedid>-q<queue>-<epoch>.wav``) with the
    queue's retention. Returns how many were new."""
    new = 0
    base = folder(agency)
    if not base.is_dir():
        return 0
    known = set(Recording.objects.values_list("path", flat=True))
    for path in sorted(base.iterdir()):
        match = POLICY_FILE.match(path.name)
        if not match or str(path) in known or path.is_symlink() or path.stat().st_size <= WAV_HEADER:
            continue  # not ours, known, or nothing recorded (yet): the caller was never answered
        started = dt.datetime.fromtimestamp(int(match["epoch"]), tz=dt.UTC)
        policy = RecordingPolicy.objects.filter(queue_id=int(match["queue"])).first()
        days = policy.retention_days if policy else 30
        Recording.objects.create(call=Call.objects.filter(linkedid=match["linkedid"]).first(), path=str(path),
                                 started_at=started, queue=Queue.objects.filter(pk=int(match["queue"])).first(),
                                 retention_class=RetentionClass.POLICY, delete_after=started + dt.timedelta(days=days))
        new += 1
    return new


# Filters that take recordings out of the due set: legal holds (agencydata registers one; contactcenter does not
# know about it, it sits above). Each gets the due queryset and returns what may still be deleted.
_HOLD_FILTERS: list[Callable[[QuerySet], QuerySet]] = []


def register_hold_filter(fn: Callable[[QuerySet], QuerySet]) -> None:
    if fn not in _HOLD_FILTERS:
        _HOLD_FILTERS.append(fn)


def retention_apply(*, agency: str, now: dt.datetime | None = None) -> int:
    """Delete every recording whose time is up: file and row, each deletion logged (log and RecordingDeletion).
    A recording without a date of its own (started from the console) keeps the platform default. Recordings under a
    legal hold (registered hold filters) are kept."""
    now = now or timezone.now()
    default_days = getattr(settings, "RECORDING_DEFAULT_RETENTION_DAYS", 30)
    due = Recording.objects.filter(delete_after__lte=now) | Recording.objects.filter(
        delete_after__isnull=True, started_at__lte=now - dt.timedelta(days=default_days))
    for keep_held in _HOLD_FILTERS:
        due = keep_held(due)
    deleted = 0
    for rec in due.select_related("call").order_by("id"):
        with transaction.atomic():
            RecordingDeletion.objects.create(
                file_name=Path(rec.path).name, linkedid=rec.call.linkedid if rec.call else "",
                retention_class=rec.retention_class, started_at=rec.started_at,
                delete_after=rec.delete_after or rec.started_at + dt.timedelta(days=default_days))
            path = Path(rec.path)
            rec.delete()
            if path.parent.resolve() == folder(agency).resolve():
                path.unlink(missing_ok=True)
        logger.info("Opptak slettet etter oppbevaringstiden (%s, %s): %s", agency, rec.retention_class, path.name)
        deleted += 1
    return deleted + _remove_empty(agency, now)


def _remove_empty(agency: str, now: dt.datetime) -> int:
    """Files MixMonitor opened for callers who were never answered (a bare WAV header), after a day."""
    base, removed = folder(agency), 0
    if not base.is_dir():
        return 0
    for path in base.iterdir():
        if (POLICY_FILE.match(path.name) and not path.is_symlink() and path.stat().st_size <= WAV_HEADER
                and path.stat().st_mtime < (now - dt.timedelta(days=1)).timestamp()):
            path.unlink(missing_ok=True)
            logger.info("Tom opptaksfil slettet (%s): %s", agency, path.name)
            removed += 1
    return removed


def may_listen(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(user.is_authenticated and (user.is_superuser or user.has_perm(LISTEN_PERMISSION)))


def recording_access_open(*, agency: str, user, recording_id: int, action: str, reason: str) -> RecordingAccess:  # type: ignore[no-untyped-def]
    """Log a play or download (who, why) before any byte is served; the access row is the ticket the file is
    streamed under."""
    if not may_listen(user):
        raise PermissionDenied(_("Du har ikke tilgang til opptak."))
    if action not in ("play", "download"):
        raise ValidationError(_("Ukjent handling."))
    if not reason.strip():
        raise ValidationError({"reason": _("Oppgi hvorfor du spiller av eller laster ned opptaket.")})
    try:
        rec = Recording.objects.get(pk=recording_id)
    except ObjectDoesNotExist as exc:
        raise PermissionDenied(_("Opptaket finnes ikke.")) from exc
    recording_file(agency=agency, name=Path(rec.path).name)
    access = RecordingAccess(recording=rec, file_name=Path(rec.path).name, user=user, username=user.get_username(),
                             action=action, reason=reason.strip()[:300])
    access.full_clean()
    access.save()
    logger.info("Opptak %s (%s) av %s: %s", action, access.file_name, access.username, access.reason)
    return access
