"""Retention: the periodic job registers new policy recordings and deletes files and rows when due, logging
each deletion; a path from a request never reaches a file outside the agency's recording folder."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_tenants.utils import schema_context

from contactcenter import recordings
from contactcenter.models import Queue, Recording
from contactcenter.models_voice import RecordingDeletion
from controlplane import jobs


@pytest.fixture(autouse=True)
def own_spool(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Each test its own recording folders (no files left by other tests)."""
    settings.ASTERISK_SPOOL_DIR = tmp_path / "spool"


def _file(agency: str, name: str) -> Path:
    path = recordings.folder(agency) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + b"\0" * 100)
    return path


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_periodic_job_registers_then_deletes_when_due_and_logs_it(caplog):
    old_epoch = int((timezone.now() - dt.timedelta(days=40)).timestamp())
    new_epoch = int(timezone.now().timestamp())
    with schema_context("fhi"):
        queue = Queue.objects.order_by("id").first()
        old = _file("fhi", f"1700000000.1-q{queue.pk}-{old_epoch}.wav")
        fresh = _file("fhi", f"1700000000.2-q{queue.pk}-{new_epoch}.wav")
    nkh_file = _file("nkh", f"1700000000.3-q1-{old_epoch}.wav")
    from contactcenter.tasks import recordings_retention

    recordings_retention.defer(timestamp=new_epoch)
    with caplog.at_level("INFO", logger="contactcenter.recordings"):
        jobs.run_pending_jobs(queues=["recordings"])
    assert not old.exists() and fresh.exists()
    assert not nkh_file.exists()  # each agency's own folder, in its own schema
    with schema_context("fhi"):
        assert list(Recording.objects.values_list("path", flat=True)) == [str(fresh)]
        rec = Recording.objects.get()
        assert rec.retention_class == "policy" and rec.queue_id == queue.pk
        assert rec.delete_after.date() == (rec.started_at + dt.timedelta(days=30)).date()
        log = RecordingDeletion.objects.get()
        assert log.file_name == old.name and log.linkedid == "" and log.retention_class == "policy"
    assert any(old.name in r.getMessage() and "slettet" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["../../etc/passwd", "../nkh/recordings/x.wav", "/etc/passwd", "", "."])
def test_no_request_path_leaves_the_agency_folder(name):
    _file("fhi", "ok.wav")
    with pytest.raises(PermissionDenied):
        recordings.recording_file(agency="fhi", name=name)
    assert recordings.recording_file(agency="fhi", name="ok.wav").name == "ok.wav"


@pytest.mark.django_db
def test_a_symlink_out_of_the_folder_is_refused(tmp_path):
    secret = tmp_path / "hemmelig.wav"
    secret.write_bytes(b"RIFF")
    link = recordings.folder("fhi") / "lenke.wav"
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink():
        link.unlink()
    os.symlink(secret, link)
    other = _file("nkh", "nkh-opptak.wav")
    link2 = recordings.folder("fhi") / "til-nkh.wav"
    if link2.is_symlink():
        link2.unlink()
    os.symlink(other, link2)
    for name in ("lenke.wav", "til-nkh.wav"):
        with pytest.raises(PermissionDenied):
            recordings.recording_file(agency="fhi", name=name)


@pytest.mark.django_db
def test_a_legal_hold_keeps_recordings_past_their_time():
    """A legal hold (agencydata, GDPR) stops the recording policy's own deletions: on the caller's number, or on the
    whole agency; the rest is deleted as due."""
    from agencydata.models import LegalHold
    from contactcenter.models import Call

    past = timezone.now() - dt.timedelta(days=1)
    with schema_context("fhi"):
        held_call = Call.objects.create(linkedid="1700000700.1", direction="inbound", caller_number="+4791234567",
                                        started_at=past)
        other_call = Call.objects.create(linkedid="1700000700.2", direction="inbound", caller_number="+4798765432",
                                         started_at=past)
        held = Recording.objects.create(call=held_call, path=str(_file("fhi", "held.wav")), started_at=past,
                                        delete_after=past)
        other = Recording.objects.create(call=other_call, path=str(_file("fhi", "other.wav")), started_at=past,
                                         delete_after=past)
        LegalHold.objects.create(phone_number="+4791234567", reason="Klagesak 2026-7, «Ærlig» sak")
        recordings.retention_apply(agency="fhi")
        assert Recording.objects.filter(pk=held.pk).exists() and Path(held.path).exists()
        assert not Recording.objects.filter(pk=other.pk).exists()
        LegalHold.objects.create(reason="Hele etaten: tilsyn")
        late = Recording.objects.create(call=other_call, path=str(_file("fhi", "late.wav")), started_at=past,
                                        delete_after=past)
        recordings.retention_apply(agency="fhi")
        assert Recording.objects.filter(pk__in=[held.pk, late.pk]).count() == 2
