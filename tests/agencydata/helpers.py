"""Shared helpers of the agency-data tests: history rows with Norwegian text and a recording on disk."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

from django.conf import settings
from django_tenants.utils import schema_context

from contactcenter import history
from contactcenter.models import Agent, InquiryCategory, Queue

# Microseconds under a millisecond: an export must keep them (Django's JSON encoder alone writes milliseconds).
T0 = dt.datetime(2026, 3, 2, 9, 0, 0, 431, tzinfo=dt.UTC)


def add_history(slug: str, *, caller: str = "+4791234567", calls: int = 3) -> Path:
    """A few answered calls in the agency's first queue, each with an inquiry, and one recording file."""
    with schema_context(slug):
        queue = Queue.objects.order_by("pk").first()
        agent = Agent.objects.filter(queues=queue).first()
        category = InquiryCategory.objects.filter(queue=queue).first()
        for i in range(calls):
            linkedid, at = f"1700000{i}.1", T0 + dt.timedelta(minutes=i)
            history.call_started(linkedid=linkedid, direction="inbound", caller_number=caller, dialed="7001", at=at)
            history.queue_visit_joined(linkedid=linkedid, uniqueid=linkedid, queue_id=queue.pk,
                                       caller_number=caller, position=1, at=at)
            history.queue_visit_answered(uniqueid=linkedid, queue_id=queue.pk, agent_id=agent.pk, waited=4, at=at)
            visit = queue.visits.get(uniqueid=linkedid)
            history.inquiry_register(agent=agent, queue=queue, visit=visit, category=category,
                                     note=f"Spørsmål om vaksine, «dose {i}»; æøå ÆØÅ")
        folder = Path(settings.ASTERISK_SPOOL_DIR) / slug / "recordings"
        folder.mkdir(parents=True, exist_ok=True)
        wav = folder / "17000000.1-1.wav"
        wav.write_bytes(b"RIFF" + bytes(range(256)) * 40)
        history.recording_added(linkedid="17000000.1", path=str(wav), at=T0, agent_id=agent.pk)
        inbox = Path(settings.ASTERISK_SPOOL_DIR) / "voicemail" / f"t-{slug}" / "1001" / "INBOX"
        inbox.mkdir(parents=True, exist_ok=True)
        (inbox / "msg0000.wav").write_bytes(b"RIFF talepost")
    return wav


def archive_rows(path: Path) -> dict[str, list[dict]]:
    """Every table of an export as JSON rows."""
    out: dict[str, list[dict]] = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("tabeller/") and name.endswith(".jsonl"):
                out[name[len("tabeller/"):-len(".jsonl")]] = [json.loads(line) for line in zf.read(name).splitlines()]
    return out
