"""GDPR: retention per kind applied by the nightly job and logged; subject access for a number or a person;
erasure with a receipt of what was deleted and what was kept and why (legal hold, audit)."""

from __future__ import annotations

import datetime as dt
import io
import json
import time
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tenants.utils import schema_context

from agencydata.gdpr.retention import retention_apply
from agencydata.models import LegalHold, RetentionPolicy, RetentionRun
from contactcenter.models import Agent, Call, Inquiry, QueueVisit, Recording
from outbound.models import OptOut, SmsMessage, SmsSend
from switchboard.models import Person
from tests.agencydata.helpers import add_history

pytestmark = pytest.mark.django_db

CALLER = "+4791234567"
OTHER = "+4798765432"


@pytest.fixture
def history(settings, tmp_path, public_schema, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    settings.ASTERISK_SPOOL_DIR = tmp_path / "spool"
    wav = add_history("fhi", caller=CALLER, calls=2)
    with schema_context("fhi"):
        call = Call.objects.create(linkedid="1600000000.9", direction="inbound", caller_number="98765432",
                                   dialed="7000", started_at=timezone.now() - dt.timedelta(days=10))
        assert call.pk
        send = SmsSend.objects.create(audience="Én mottaker", body="Hei, æøå")
        SmsMessage.objects.create(send=send, number=CALLER, body="Hei, æøå")
        OptOut.objects.create(number=CALLER)
    return wav


def _age(days: int) -> None:
    """Everything in fhi's history is ``days`` old."""
    then = timezone.now() - dt.timedelta(days=days)
    Call.objects.update(started_at=then)
    QueueVisit.objects.update(entered_at=then)
    Recording.objects.update(started_at=then)
    Inquiry.objects.update(created_at=then)
    SmsSend.objects.update(created_at=then)


def test_retention_deletes_by_kind_and_logs_the_run(history: Path, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with schema_context("fhi"):
        _age(100)  # within a year for calls and visits, within two for inquiries; past the SMS log's 90 days
        with django_capture_on_commit_callbacks(execute=True):
            run = retention_apply()
        assert run.deleted == {"inquiries": 0, "sms": 1, "voicemail": 0, "queue_visits": 0, "agent_sessions": 0,
                               "agent_pauses": 0, "calls": 0}
        assert not SmsMessage.objects.exists() and OptOut.objects.filter(number=CALLER).exists()
        assert Call.objects.count() == 3 and Inquiry.objects.count() == 2
        assert history.exists()  # recordings follow the recording policy (contactcenter.recordings), not this job
        RetentionPolicy.objects.create(kind="calls", days=30)  # this agency keeps calls a month
        RetentionPolicy.objects.create(kind="inquiries", legal_hold=True)
        run = retention_apply()
        assert run.deleted["calls"] == 3 and "pålegg" in run.kept["inquiries"]
        assert Inquiry.objects.count() == 2 and not Call.objects.exists()
        assert RetentionRun.objects.count() == 2 and run.finished_at and run.errors == {}
    with schema_context("nkh"):
        assert not RetentionRun.objects.exists()  # fhi's run touched fhi only


def test_legal_hold_on_a_number_keeps_its_rows(history: Path) -> None:
    with schema_context("fhi"):
        _age(800)
        LegalHold.objects.create(phone_number="912 34 567", reason="Klagesak 2026/114")
        run = retention_apply()
        assert run.deleted["calls"] == 1  # the other caller's call
        assert set(Call.objects.values_list("caller_number", flat=True)) == {CALLER}
        assert Inquiry.objects.count() == 2


def test_subject_access_for_a_number_holds_every_kind_and_the_recording(history: Path, tmp_path: Path) -> None:
    out = tmp_path / "innsyn.zip"
    call_command("subject_access", slug="fhi", number="91234567", out=str(out), stdout=io.StringIO())
    with zipfile.ZipFile(out) as zf:
        summary = json.loads(zf.read("innsyn.json"))
        assert summary["antall"]["calls"] == 2 and summary["antall"]["inquiries"] == 2
        assert summary["antall"]["recordings"] == 1 and summary["antall"]["queue_visits"] == 2
        assert zf.read("filer/recordings/17000000.1-1.wav") == history.read_bytes()
        notes = [json.loads(line)["fields"]["note"] for line in zf.read("inquiries.jsonl").splitlines()]
        assert all("vaksine" in n for n in notes)
        assert OTHER not in zf.read("calls.jsonl").decode() and "98765432" not in zf.read("calls.jsonl").decode()


def test_erasure_of_a_number_with_receipt(history: Path, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_subject", slug="fhi", number="004791234567", stdout=out)
    receipt = json.loads(out.getvalue())
    assert receipt["slettet"] == {"inquiries": 2, "sms": 1, "voicemail": 0, "recordings": 1, "queue_visits": 2,
                                  "calls": 2}
    assert "Revisjonsloggen beholdes" in receipt["beholdt"]["audit"]["hvorfor"]
    assert "avmelding" in receipt["beholdt"]["sms_optout"]["hvorfor"]  # an opt-out outlives erasure, and says why
    assert not history.exists()
    with schema_context("fhi"):
        assert list(Call.objects.values_list("caller_number", flat=True)) == ["98765432"]


def test_erasure_under_legal_hold_keeps_and_says_why(history: Path) -> None:
    with schema_context("fhi"):
        LegalHold.objects.create(phone_number=CALLER, reason="Politiet har bedt om opptakene")
    out = io.StringIO()
    call_command("erase_subject", slug="fhi", number=CALLER, stdout=out)
    receipt = json.loads(out.getvalue())
    assert receipt["slettet"] == {}
    assert receipt["beholdt"]["calls"] == {"antall": 2, "hvorfor": "Nummeret har pålegg om oppbevaring: "
                                                                   "Politiet har bedt om opptakene"}
    assert history.exists()


def test_erasure_of_a_person_unlinks_history_and_deletes_the_person(history: Path) -> None:
    with schema_context("fhi"):
        agent = Agent.objects.filter(inquiry__isnull=False).distinct().first()
        person_id = agent.person_id
    out = io.StringIO()
    call_command("erase_subject", slug="fhi", person=person_id, stdout=out)
    receipt = json.loads(out.getvalue())
    assert receipt["slettet"]["directory"] == 1 and receipt["slettet"]["agents"] == 1
    assert receipt["beholdt"]["inquiries"]["antall"] == 2 and "koblingen" in receipt["beholdt"]["inquiries"]["hvorfor"]
    assert receipt["gjelder"] == f"person {person_id}"
    with schema_context("fhi"):
        assert not Person.objects.filter(pk=person_id).exists()
        assert Inquiry.objects.count() == 2 and not Inquiry.objects.filter(agent__isnull=False).exists()


def test_bad_subject_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="«hei» er ikke et telefonnummer"):
        call_command("erase_subject", slug="fhi", number="hei")
    with pytest.raises(CommandError, match="enten et telefonnummer eller en person"):
        call_command("subject_access", slug="fhi", out="/tmp/x.zip")


def test_admin_page_gives_access_and_erases_with_receipt(client, history: Path) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "demo-passord-2026"},
                       HTTP_HOST="fhi.localhost").status_code == 302
    assert "Innsyn og sletting" in client.get("/admin/", HTTP_HOST="fhi.localhost").content.decode()
    response = client.post("/admin/etatens-data/personvern/", {"number": "91234567", "action": "access"},
                           HTTP_HOST="fhi.localhost")
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as zf:
        assert json.loads(zf.read("innsyn.json"))["antall"]["calls"] == 2
    page = client.post("/admin/etatens-data/personvern/", {"number": "91234567", "action": "erase"},
                       HTTP_HOST="fhi.localhost").content.decode()
    assert "Kryss av for at du vil slette" in page
    page = client.post("/admin/etatens-data/personvern/", {"number": "91234567", "action": "erase", "confirm": "ja"},
                       HTTP_HOST="fhi.localhost").content.decode()
    assert 'id="receipt"' in page and "Revisjonsloggen beholdes" in page
    assert "Kvitteringer for sletting" in client.get("/admin/", HTTP_HOST="fhi.localhost").content.decode()
    with schema_context("fhi"):
        assert not Call.objects.filter(caller_number=CALLER).exists()
    page = client.post("/admin/etatens-data/personvern/", {"number": "hei", "action": "access"},
                       HTTP_HOST="fhi.localhost").content.decode()
    assert "er ikke et telefonnummer" in page


def test_retention_settings_in_the_admin(client) -> None:  # type: ignore[no-untyped-def]
    client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "demo-passord-2026"},
                HTTP_HOST="fhi.localhost")
    form = client.get("/admin/agencydata/retentionpolicy/add/", HTTP_HOST="fhi.localhost").content.decode()
    assert "samtaler (standard: 365 dager)" in form and "opptak (standard" not in form
    response = client.post("/admin/agencydata/retentionpolicy/add/", {"kind": "calls", "days": "0"},
                           HTTP_HOST="fhi.localhost")
    assert response.status_code == 200 and "Minst én dag." in response.content.decode()  # refused
    client.post("/admin/agencydata/retentionpolicy/add/", {"kind": "calls", "days": "30"},
                HTTP_HOST="fhi.localhost")
    with schema_context("fhi"):
        assert RetentionPolicy.objects.get(kind="calls").days == 30
    with schema_context("nkh"):
        assert not RetentionPolicy.objects.exists()


def test_person_list_has_subject_access_and_erasure_actions(client) -> None:  # type: ignore[no-untyped-def]
    client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "demo-passord-2026"},
                HTTP_HOST="fhi.localhost")
    with schema_context("fhi"):
        person = Person.objects.get(last_name="Bakke")
    url = "/admin/switchboard/person/"
    response = client.post(url, {"action": "person_subject_access", "_selected_action": [person.pk]},
                           HTTP_HOST="fhi.localhost")
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as zf:
        directory = zf.read("directory.jsonl").decode()
    assert "Bakke" in directory and "Nordmann" not in directory
    response = client.post(url, {"action": "person_erase", "_selected_action": [person.pk]}, HTTP_HOST="fhi.localhost")
    assert response.status_code == 302 and response.url.endswith(f"personvern/?person={person.pk}")
    page = client.get(response.url, HTTP_HOST="fhi.localhost").content.decode()
    assert f'value="{person.pk}"' in page


def test_another_agencys_admin_neither_sees_nor_erases_our_caller(client, history: Path) -> None:  # type: ignore[no-untyped-def]
    client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "demo-passord-2026"},
                HTTP_HOST="nkh.localhost")
    response = client.post("/admin/etatens-data/personvern/", {"number": CALLER, "action": "access"},
                           HTTP_HOST="nkh.localhost")
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as zf:
        assert set(json.loads(zf.read("innsyn.json"))["antall"].values()) == {0}
        assert not [n for n in zf.namelist() if n.startswith("filer/")]
    page = client.post("/admin/etatens-data/personvern/", {"number": CALLER, "action": "erase", "confirm": "ja"},
                       HTTP_HOST="nkh.localhost").content.decode()
    assert 'id="receipt"' in page
    with schema_context("fhi"):
        assert Call.objects.filter(caller_number=CALLER).count() == 2 and history.exists()
    # fhi's session does not exist at nkh, and nkh's does not at fhi
    assert client.post("/admin/etatens-data/personvern/", {"number": CALLER, "action": "erase", "confirm": "ja"},
                       HTTP_HOST="fhi.localhost").status_code == 302
    with schema_context("fhi"):
        assert Call.objects.filter(caller_number=CALLER).count() == 2


FIXTURE_MESSAGE = Path(__file__).resolve().parents[1] / "fixtures" / "voicemail" / "msg0000.txt"  # by Asterisk 22


@pytest.fixture
def voicemail(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Two messages in one of fhi's mailboxes, in app_voicemail's own files (the .txt as a real Asterisk wrote it,
    with the caller and time changed): one from CALLER 100 days ago, one from extension 1001 today."""
    from switchboard.models import Voicemail
    from switchboard.voicemail_files import mailbox_dir

    settings.ASTERISK_SPOOL_DIR = tmp_path / "spool"
    written = FIXTURE_MESSAGE.read_text()
    with schema_context("fhi"):
        box = Voicemail.objects.select_related("extension__person").order_by("id").first()
        inbox = mailbox_dir(box.extension.number) / "INBOX"
    inbox.mkdir(parents=True)
    old = int((timezone.now() - dt.timedelta(days=100)).timestamp())
    for index, (callerid, origtime) in enumerate(((f'"Kari Ås" <{CALLER}>', old), ("1001", int(time.time())))):
        text = written.replace("callerid=1001", f"callerid={callerid}").replace("origtime=1796539113",
                                                                                f"origtime={origtime}")
        (inbox / f"msg{index:04d}.txt").write_text(text)
        (inbox / f"msg{index:04d}.wav").write_bytes(b"RIFF" + bytes([index]) * 800)
    return box, inbox


def test_voicemail_past_its_time_is_deleted_unless_held(voicemail) -> None:  # type: ignore[no-untyped-def]
    _box, inbox = voicemail
    with schema_context("fhi"):
        LegalHold.objects.create(phone_number=CALLER, reason="Klagesak 2026/200")
        assert retention_apply().deleted["voicemail"] == 0  # the old message is from a number on hold
        LegalHold.objects.all().delete()
        run = retention_apply()
    assert run.deleted["voicemail"] == 1 and run.files_deleted == 2
    assert sorted(p.name for p in inbox.iterdir()) == ["msg0001.txt", "msg0001.wav"]  # today's message stays


def test_voicemail_in_subject_access_and_erasure_by_number(voicemail, tmp_path,  # type: ignore[no-untyped-def]
                                                           django_capture_on_commit_callbacks) -> None:
    _box, inbox = voicemail
    out = tmp_path / "innsyn.zip"
    call_command("subject_access", slug="fhi", number="91234567", out=str(out), stdout=io.StringIO())
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("innsyn.json"))["antall"]["voicemail"] == 1
        (line,) = zf.read("voicemail.jsonl").decode().splitlines()
        assert json.loads(line)["fra"] == f'"Kari Ås" <{CALLER}>'  # Norwegian letters intact
        wavs = [n for n in zf.namelist() if n.startswith("filer/voicemail/") and n.endswith(".wav")]
        assert len(wavs) == 1 and zf.read(wavs[0]) == (inbox / "msg0000.wav").read_bytes()
    receipt = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_subject", slug="fhi", number=CALLER, stdout=receipt)
    assert json.loads(receipt.getvalue())["slettet"]["voicemail"] == 1
    assert sorted(p.name for p in inbox.iterdir()) == ["msg0001.txt", "msg0001.wav"]


def test_voicemail_of_a_person_is_in_their_subject_access(voicemail, tmp_path) -> None:  # type: ignore[no-untyped-def]
    box, _inbox = voicemail
    out = tmp_path / "innsyn.zip"
    call_command("subject_access", slug="fhi", person=box.extension.person_id, out=str(out), stdout=io.StringIO())
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("innsyn.json"))["antall"]["voicemail"] == 2  # the mailbox is the person's
