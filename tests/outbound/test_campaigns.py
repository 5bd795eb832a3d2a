"""Dialer campaigns in the agency's schema: list import (dry run, per-row errors, do-not-call, duplicates), the
calling window in Norwegian time with public holidays, claiming before dialling (nothing dialled twice), retries
by outcome, pause/resume, dispositions and the live figures."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import schema_context

from contactcenter.models import InquiryCategory, Queue
from outbound import selectors, services
from outbound.models import AttemptState, CallAttempt, Campaign, CampaignContact, ContactState

pytestmark = pytest.mark.django_db
OSLO = ZoneInfo("Europe/Oslo")
MONDAY_10 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=OSLO)

CSV = "nummer;navn\n91234567;Åse Ødegård\n+47 912 34 568;Per\n91234567;Åse igjen\nikke-et-nummer;Feil\n".encode()


def _campaign(**kw: object) -> Campaign:
    return Campaign.objects.create(name=kw.pop("name", "Influensa, høst"), queue=Queue.objects.get(pk=1), **kw)


def test_import_dry_run_writes_nothing_and_names_bad_rows_and_real_import_is_all_or_nothing() -> None:
    with schema_context("fhi"):
        campaign = _campaign()
        services.do_not_call_add(number="912 34 568", reason="Ba om å ikke bli ringt")
        dry = services.campaign_contacts_import(campaign_id=campaign.pk, name="liste.csv", data=CSV, dry_run=True)
        assert (dry.added, dry.duplicates, dry.do_not_call) == (1, 1, 1)
        assert dry.errors == ["Rad 5: «ikke-et-nummer» er ikke et telefonnummer."]
        assert not CampaignContact.objects.exists()
        with pytest.raises(ValidationError, match="Rad 5"):
            services.campaign_contacts_import(campaign_id=campaign.pk, name="liste.csv", data=CSV, dry_run=False)
        assert not CampaignContact.objects.exists()
        good = CSV.replace(b"ikke-et-nummer;Feil\n", b"")
        services.campaign_contacts_import(campaign_id=campaign.pk, name="liste.csv", data=good, dry_run=False)
        contact = CampaignContact.objects.get()
        assert (contact.number, contact.data) == ("+4791234567", {"navn": "Åse Ødegård"})
        with pytest.raises(ValidationError, match="CSV"):
            services.campaign_contacts_import(campaign_id=campaign.pk, name="liste.pdf", data=b"%PDF", dry_run=True)


def test_calling_window_is_norwegian_time_weekdays_and_not_public_holidays() -> None:
    with schema_context("fhi"):
        campaign = _campaign()
        assert selectors.campaign_window_open(campaign=campaign, at=MONDAY_10)
        assert not selectors.campaign_window_open(campaign=campaign, at=MONDAY_10.replace(hour=20, minute=5))
        # 08:30 UTC in winter is 09:30 in Oslo: open, though 08:30 on the clock would not be.
        assert selectors.campaign_window_open(campaign=campaign, at=dt.datetime(2026, 12, 7, 8, 30, tzinfo=dt.UTC))
        assert not selectors.campaign_window_open(campaign=campaign, at=MONDAY_10.replace(day=12))  # Saturday
        assert not selectors.campaign_window_open(campaign=campaign, at=dt.datetime(2027, 3, 29, 10, tzinfo=OSLO))
        assert not selectors.campaign_window_open(campaign=campaign, at=dt.datetime(2026, 12, 25, 10, tzinfo=OSLO))


def test_a_contact_is_claimed_once_and_retried_by_outcome_until_out_of_attempts() -> None:
    with schema_context("fhi"):
        campaign = _campaign(max_attempts=2, retry_busy_minutes=5)
        services.campaign_contacts_import(campaign_id=campaign.pk, name="l.csv", data=b"nummer\n91234567\n", dry_run=False)
        assert services.attempt_claim(campaign_id=campaign.pk, at=MONDAY_10) is None  # a draft dials nothing
        services.campaign_status_change(campaign_id=campaign.pk, action="start")
        attempt = services.attempt_claim(campaign_id=campaign.pk, at=MONDAY_10)
        assert attempt is not None and attempt.state == AttemptState.CLAIMED
        assert services.attempt_claim(campaign_id=campaign.pk, at=MONDAY_10) is None  # already being dialled
        assert services.attempt_dialling(attempt_id=attempt.pk)
        assert not services.attempt_dialling(attempt_id=attempt.pk)  # a second originate is refused
        assert services.attempt_end(attempt_id=attempt.pk, outcome="busy", at=MONDAY_10)
        assert not services.attempt_end(attempt_id=attempt.pk, outcome="noanswer")  # reported once
        contact = CampaignContact.objects.get()
        assert (contact.state, contact.last_outcome) == (ContactState.PENDING, "busy")
        assert services.attempt_claim(campaign_id=campaign.pk, at=MONDAY_10) is None  # not before the retry time
        later = MONDAY_10 + dt.timedelta(minutes=6)
        second = services.attempt_claim(campaign_id=campaign.pk, at=later)
        assert second is not None
        services.attempt_end(attempt_id=second.pk, outcome="noanswer", at=later)
        assert CampaignContact.objects.get().state == ContactState.FAILED
        assert CallAttempt.objects.count() == 2


def test_pause_resume_do_not_call_and_restart_recovery() -> None:
    with schema_context("fhi"):
        campaign = _campaign()
        services.campaign_contacts_import(campaign_id=campaign.pk, name="l.csv", data=b"nummer\n91234567\n91234568\n",
                                          dry_run=False)
        services.campaign_status_change(campaign_id=campaign.pk, action="start")
        services.campaign_status_change(campaign_id=campaign.pk, action="pause")
        assert services.attempt_claim(campaign_id=campaign.pk, at=MONDAY_10) is None
        with pytest.raises(ValidationError, match="kan ikke endres"):
            services.campaign_status_change(campaign_id=campaign.pk, action="pause")
        services.campaign_status_change(campaign_id=campaign.pk, action="resume")
        services.do_not_call_add(number="91234567")
        attempt = services.attempt_claim(campaign_id=campaign.pk, at=MONDAY_10)
        assert attempt.contact.number == "+4791234568"
        assert services.attempt_claim(campaign_id=campaign.pk, at=MONDAY_10) is None  # the other is reserved
        services.attempt_dialling(attempt_id=attempt.pk)
        # The engine dies here; the next one finds no channel and nobody took the call (engine.features.dialer):
        # the attempt ends as failed and is never originated again now.
        assert services.attempt_end(attempt_id=attempt.pk, outcome="failed", at=MONDAY_10 + dt.timedelta(days=1))
        assert not services.attempt_dialling(attempt_id=attempt.pk)
        assert services.attempt_claim(campaign_id=campaign.pk, at=MONDAY_10 + dt.timedelta(days=1)) is None  # retry later
        assert CampaignContact.objects.get(number="+4791234568").last_outcome == "failed"


def test_disposition_only_from_the_campaign_queue_and_live_figures() -> None:
    with schema_context("fhi"):
        campaign = _campaign()
        services.campaign_contacts_import(campaign_id=campaign.pk, name="l.csv", data=b"nummer\n91234567\n91234568\n",
                                          dry_run=False)
        services.campaign_status_change(campaign_id=campaign.pk, action="start")
        first = services.attempt_claim(campaign_id=campaign.pk, at=MONDAY_10)
        services.attempt_dialling(attempt_id=first.pk)
        services.attempt_answered(attempt_id=first.pk)
        services.attempt_end(attempt_id=first.pk, outcome="connected", agent="Kari")
        second = services.attempt_claim(campaign_id=campaign.pk, at=MONDAY_10)
        services.attempt_end(attempt_id=second.pk, outcome="abandoned")
        own = InquiryCategory.objects.filter(queue_id=1).first()
        other = InquiryCategory.objects.exclude(queue_id=1).first()
        services.attempt_dispose(attempt_id=first.pk, category_id=own.pk)
        if other is not None:
            with pytest.raises(ValidationError, match="kampanjens kø"):
                services.attempt_dispose(attempt_id=first.pk, category_id=other.pk)
        stats = selectors.campaign_stats(campaign_id=campaign.pk)
        assert (stats["total"], stats["done"], stats["pending"], stats["attempts"]) == (2, 1, 1, 2)
        assert stats["answer_rate"] == 1.0 and stats["abandon_rate"] == 0.5
