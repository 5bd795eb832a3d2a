"""Wallboard figures computed from the call history."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from contactcenter.models import Call, QueueVisit
from contactcenter.wallboard import wallboard_figures

pytestmark = pytest.mark.django_db


def test_service_level_abandon_rate_asa_and_aht():
    now = timezone.now()
    with schema_context("nkh"):
        QueueVisit.objects.all().delete()
        call = Call.objects.create(linkedid="1.1", direction="inbound", started_at=now)
        # Queue 1 (threshold 20 s): answered after 10 s and 30 s, one abandoned after 50 s, one waiting.
        for uid, outcome, waited, talk in (("1.1", "answered", 10, 100), ("1.2", "answered", 30, 200),
                                           ("1.3", "abandoned", 50, None), ("1.4", "waiting", None, None)):
            QueueVisit.objects.create(call=call, queue_id=1, uniqueid=uid, entered_at=now - dt.timedelta(minutes=5),
                                      position_on_entry=1, outcome=outcome, waited_seconds=waited, talk_seconds=talk)
        # Yesterday's call counts for neither today nor the last hour.
        QueueVisit.objects.create(call=call, queue_id=1, uniqueid="0.1", entered_at=now - dt.timedelta(days=1),
                                  position_on_entry=1, outcome="answered", waited_seconds=1, talk_seconds=1)
        figs = wallboard_figures(queue_ids=[1, 2], now=now)
    today = figs["queues"]["1"]["today"]
    assert today["calls"] == 4 and today["answered"] == 2 and today["abandoned"] == 1
    assert today["service_level_pct"] == 50.0  # 1 of 2 answered within 20 s
    assert today["abandon_rate_pct"] == pytest.approx(33.3, abs=0.1)
    assert today["asa_s"] == 20.0 and today["aht_s"] == 150.0
    assert figs["queues"]["1"]["last_hour"]["calls"] == 4
    assert figs["queues"]["2"]["today"]["calls"] == 0
    assert figs["total"]["today"]["calls"] == 4
    local_hour = timezone.localtime(now - dt.timedelta(minutes=5)).hour
    assert any(s["hour"] == local_hour and s["calls"] >= 1 for s in figs["series"]) or local_hour > timezone.localtime(now).hour
