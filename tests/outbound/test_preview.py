"""Preview mode from the agent's side: a contact is claimed for one agent only (never the same contact for two),
«Hopp over» gives it back without using up an attempt, the disposition is set by the agent only on their own last
connected call and comes by itself from the inquiry registered for the call; the live view's agents and calls."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from contactcenter.history import inquiry_register
from contactcenter.models import Agent, Call, InquiryCategory, Queue, QueueVisit
from contactcenter.services import console_inquiry_register
from outbound import selectors, services
from outbound.models import AttemptState, CallAttempt, Campaign, CampaignContact, ContactState

OSLO = ZoneInfo("Europe/Oslo")
MONDAY_10 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=OSLO)
LIST = "nummer;navn;saksnr\n91234501;Åse Ødegård;2026/17\n91234502;Per Ås;2026/18\n91234503;Liv;2026/19\n".encode()


def _preview(*, queue_id: int = 1, name: str = "Oppfølging, forhåndsvisning", data: bytes = LIST, **kw: object) -> Campaign:
    campaign = Campaign.objects.create(name=name, mode="preview", queue=Queue.objects.get(pk=queue_id), **kw)
    services.campaign_contacts_import(campaign_id=campaign.pk, name="l.csv", data=data, dry_run=False)
    services.campaign_status_change(campaign_id=campaign.pk, action="start")
    return campaign


def _agent(username: str) -> Agent:
    return Agent.objects.select_related("person").get(user__username=username)


def _connect(attempt: CallAttempt, agent: Agent, channel_id: str = "") -> None:
    """What the engine does for a preview call that reached the contact (contract of dialer_preview_dial)."""
    services.attempt_dialling(attempt_id=attempt.pk)
    services.attempt_answered(attempt_id=attempt.pk)
    CallAttempt.objects.filter(pk=attempt.pk).update(channel_id=channel_id, agent=str(agent.person))


@pytest.mark.django_db
def test_a_contact_is_claimed_for_one_agent_only_and_shown_with_its_columns() -> None:
    with schema_context("fhi"):
        campaign = _preview()
        ingrid, ola, kari = _agent("ingrid"), _agent("ola"), _agent("kari")  # kari does not serve the queue
        first = services.attempt_preview_claim(agent_id=ingrid.pk, at=MONDAY_10)
        assert first is not None and first.preview_agent_id == ingrid.pk and first.state == AttemptState.CLAIMED
        # Asked again (a refresh, a second tab), the agent keeps the same contact: one open preview attempt each.
        assert services.attempt_preview_claim(agent_id=ingrid.pk, at=MONDAY_10).pk == first.pk
        second = services.attempt_preview_claim(agent_id=ola.pk, at=MONDAY_10)
        assert second.contact_id != first.contact_id
        assert services.attempt_preview_claim(agent_id=kari.pk, at=MONDAY_10) is None
        assert selectors.preview_panel(agent_id=kari.pk, attempt=None) is None  # no panel for her
        panel = selectors.preview_panel(agent_id=ingrid.pk, attempt=first)
        assert panel["campaigns"] == [{"id": campaign.pk, "name": "Oppfølging, forhåndsvisning"}]
        assert panel["attempt"]["number"] == "+4791234501"
        assert panel["attempt"]["data"] == [["navn", "Åse Ødegård"], ["saksnr", "2026/17"]]
        assert (panel["attempt"]["attempts"], panel["attempt"]["max_attempts"]) == (1, 3)
        # A progressive campaign of the same queue is dialled by the engine, never shown in preview.
        Campaign.objects.filter(pk=campaign.pk).update(mode="progressive")
        assert services.attempt_preview_claim(agent_id=kari.pk, at=MONDAY_10) is None


@pytest.mark.django_db
def test_outside_the_window_or_paused_nothing_is_claimed() -> None:
    with schema_context("fhi"):
        campaign = _preview()
        ingrid = _agent("ingrid")
        assert services.attempt_preview_claim(agent_id=ingrid.pk, at=MONDAY_10.replace(hour=21)) is None
        services.campaign_status_change(campaign_id=campaign.pk, action="pause")
        assert services.attempt_preview_claim(agent_id=ingrid.pk, at=MONDAY_10) is None
        assert not CallAttempt.objects.exists()


@pytest.mark.django_db
def test_skip_gives_the_contact_back_without_using_an_attempt_and_only_before_dialling() -> None:
    with schema_context("fhi"):
        _preview()
        ingrid, ola = _agent("ingrid"), _agent("ola")
        first = services.attempt_preview_claim(agent_id=ingrid.pk, at=MONDAY_10)
        with pytest.raises(PermissionError, match="ikke vist til deg"):
            services.attempt_preview_skip(attempt_id=first.pk, agent_id=ola.pk)
        services.attempt_preview_skip(attempt_id=first.pk, agent_id=ingrid.pk, at=MONDAY_10)
        contact = CampaignContact.objects.get(pk=first.contact_id)
        assert (contact.state, contact.attempts) == (ContactState.PENDING, 0)
        assert not CallAttempt.objects.filter(pk=first.pk).exists()
        # Behind the contacts not tried yet: the next one is another number.
        nxt = services.attempt_preview_claim(agent_id=ingrid.pk, at=MONDAY_10)
        assert nxt.contact_id != first.contact_id
        services.attempt_dialling(attempt_id=nxt.pk)
        with pytest.raises(ValidationError, match="alt ringt"):
            services.attempt_preview_skip(attempt_id=nxt.pk, agent_id=ingrid.pk)
        with pytest.raises(ValidationError, match="alt ringt"):
            services.attempt_preview_dialable(attempt_id=nxt.pk, agent_id=ingrid.pk)
        assert CampaignContact.objects.get(pk=nxt.contact_id).state == ContactState.DIALLING


@pytest.mark.django_db
def test_release_on_console_close_gives_back_only_what_was_not_dialled() -> None:
    with schema_context("fhi"):
        _preview()
        ingrid, ola = _agent("ingrid"), _agent("ola")
        claimed = services.attempt_preview_claim(agent_id=ingrid.pk, at=MONDAY_10)
        dialled = services.attempt_preview_claim(agent_id=ola.pk, at=MONDAY_10)
        services.attempt_dialling(attempt_id=dialled.pk)
        assert services.attempt_preview_release(agent_id=ola.pk, attempt_ids=[claimed.pk]) == 0  # not his
        assert services.attempt_preview_release(agent_id=ingrid.pk, attempt_ids=[claimed.pk]) == 1
        assert services.attempt_preview_release(agent_id=ola.pk, attempt_ids=[dialled.pk]) == 0
        back = CampaignContact.objects.get(pk=claimed.contact_id)
        assert back.state == ContactState.PENDING and back.attempts == 0
        assert back.next_attempt_at is None  # its place in the list, not behind the rest as after «Hopp over»
        assert services.attempt_preview_claim(agent_id=ingrid.pk, at=MONDAY_10).contact_id == claimed.contact_id
        assert CallAttempt.objects.get(pk=dialled.pk).state == AttemptState.DIALLING


@pytest.mark.django_db
def test_agent_disposes_only_their_own_last_connected_call_with_a_category_of_the_campaign_queue() -> None:
    with schema_context("fhi"):
        _preview()
        ingrid, ola = _agent("ingrid"), _agent("ola")
        first = services.attempt_preview_claim(agent_id=ingrid.pk, at=MONDAY_10)
        own = InquiryCategory.objects.filter(queue_id=1).order_by("id")
        other = InquiryCategory.objects.exclude(queue_id=1).first()
        with pytest.raises(PermissionError, match="siste kampanjesamtale"):  # not connected yet
            services.attempt_agent_dispose(agent_id=ingrid.pk, attempt_id=first.pk, category_id=own[0].pk)
        _connect(first, ingrid)
        services.attempt_end(attempt_id=first.pk, outcome="connected", agent=str(ingrid.person))
        with pytest.raises(PermissionError):
            services.attempt_agent_dispose(agent_id=ola.pk, attempt_id=first.pk, category_id=own[0].pk)
        with pytest.raises(ValidationError, match="kampanjens kø"):
            services.attempt_agent_dispose(agent_id=ingrid.pk, attempt_id=first.pk, category_id=other.pk)
        assert CallAttempt.objects.get(pk=first.pk).disposition_id is None
        services.attempt_agent_dispose(agent_id=ingrid.pk, attempt_id=first.pk, category_id=own[0].pk)
        services.attempt_agent_dispose(agent_id=ingrid.pk, attempt_id=first.pk, category_id=own[1].pk)  # changed
        assert CallAttempt.objects.get(pk=first.pk).disposition_id == own[1].pk
        panel = selectors.preview_panel(agent_id=ingrid.pk, attempt=None)
        assert panel["last"]["disposition"] == own[1].name
        assert {c["id"] for c in panel["last"]["categories"]} == set(own.values_list("id", flat=True))
        second = services.attempt_preview_claim(agent_id=ingrid.pk, at=MONDAY_10)
        _connect(second, ingrid)
        with pytest.raises(PermissionError):  # only the last one
            services.attempt_agent_dispose(agent_id=ingrid.pk, attempt_id=first.pk, category_id=own[0].pk)
        live = selectors.campaign_live(campaign_id=first.campaign_id)
        assert [r["disposition"] for r in live["recent"]] == ["", own[1].name]


@pytest.mark.django_db
def test_the_inquiry_for_the_call_gives_the_attempt_its_disposition() -> None:
    with schema_context("fhi"):
        _preview()
        ingrid = _agent("ingrid")
        queue = Queue.objects.get(pk=1)
        cat = InquiryCategory.objects.filter(queue=queue).order_by("id")
        # By the call's id in the history (the contact channel's uniqueid).
        first = services.attempt_preview_claim(agent_id=ingrid.pk, at=MONDAY_10)
        _connect(first, ingrid, channel_id="1765000000.41")
        call = Call.objects.create(linkedid="1765000000.41", direction="outbound", started_at=MONDAY_10)
        visit = QueueVisit.objects.create(call=call, queue=queue, uniqueid="1765000000.41", entered_at=MONDAY_10,
                                          position_on_entry=1, outcome="answered", answered_by=ingrid,
                                          answered_at=MONDAY_10)
        inquiry_register(agent=ingrid, queue=queue, visit=visit, category=cat[0], note="")
        assert CallAttempt.objects.get(pk=first.pk).disposition_id == cat[0].pk
        services.attempt_end(attempt_id=first.pk, outcome="connected", agent=str(ingrid.person))
        # Without a call (the preview call passed no queue): the agent's last connected call of that queue, also
        # when the console links the inquiry to an earlier queue call of hers that has no inquiry yet.
        before = timezone.now() - dt.timedelta(minutes=10)
        earlier = Call.objects.create(linkedid="1765000000.42", direction="inbound", started_at=before)
        QueueVisit.objects.create(call=earlier, queue=queue, uniqueid="1765000000.42", entered_at=before,
                                  position_on_entry=1, outcome="answered", answered_by=ingrid, answered_at=before)
        second = services.attempt_preview_claim(agent_id=ingrid.pk, at=MONDAY_10)
        _connect(second, ingrid)
        console_inquiry_register(agent_id=ingrid.pk, queue_id=queue.pk, category_id=cat[2].pk, note="",
                                 allowed_queue_ids={queue.pk})
        assert CallAttempt.objects.get(pk=second.pk).disposition_id == cat[2].pk
        # A later inquiry does not overwrite it (the agent changes it in the campaign panel).
        console_inquiry_register(agent_id=ingrid.pk, queue_id=queue.pk, category_id=cat[3].pk, note="",
                                 allowed_queue_ids={queue.pk})
        assert CallAttempt.objects.get(pk=second.pk).disposition_id == cat[2].pk


@pytest.mark.django_db
def test_live_view_lists_the_queue_agents_with_state_and_connected_calls_today_and_calls_now() -> None:
    with schema_context("fhi"):
        campaign = _preview()
        ingrid, ola = _agent("ingrid"), _agent("ola")
        first = services.attempt_preview_claim(agent_id=ingrid.pk, at=MONDAY_10)
        _connect(first, ingrid)
        services.attempt_end(attempt_id=first.pk, outcome="connected", agent=str(ingrid.person))
        services.attempt_preview_claim(agent_id=ingrid.pk, at=MONDAY_10)
        snapshot = {"agents": {str(ingrid.pk): {"state": "wrapup"}, str(ola.pk): {"state": "paused"}}}
        live = selectors.campaign_live(campaign_id=campaign.pk, live=snapshot, with_live=True)
        rows = {r["name"]: (r["state_label"], r["connected_today"]) for r in live["agents"]}
        assert rows == {"Ingrid Bakke": ("etterarbeid", 1), "Ola Nordmann": ("pause", 0)}
        assert [(c["number"], c["state"], c["agent"]) for c in live["calls_now"]] == [
            ("+4791234502", "reservert", "Ingrid Bakke")]
        assert live["engine"] is True
        # The engine's part (engine/features/dialer/dispatch.dialer_snapshot): calls in flight per campaign.
        dialer = {"dialer": {"campaigns": {
            str(campaign.pk): [{"id": 90, "number": "+4791****", "state": "dialling", "agent": "", "preview": False,
                                "since": 1.0}],
            str(campaign.pk + 1): [{"id": 91, "number": "+4799****", "state": "connected", "agent": "Ola Nordmann"}]},
            "log": []}}
        live = selectors.campaign_live(campaign_id=campaign.pk, live={**snapshot, **dialer}, with_live=True)
        # The engine's call first (as the engine sees it), then the contact reserved for Ingrid, from the database.
        assert [(c["number"], c["state"]) for c in live["calls_now"]] == [("+4791****", "ringer"),
                                                                         ("+4791234502", "reservert")]
        down = selectors.campaign_live(campaign_id=campaign.pk, live=None, with_live=True)
        assert {r["state_label"] for r in down["agents"]} == {"ukjent"} and down["engine"] is False


def _threaded_claims(agent_ids: list[int], rounds: int) -> dict[int, list[int]]:
    """Each agent claims, in their own thread and connection, then finishes the call, ``rounds`` times, all at once."""
    got: dict[int, list[int]] = {a: [] for a in agent_ids}
    start = threading.Barrier(len(agent_ids))

    def work(agent_id: int) -> None:
        try:
            with schema_context("fhi"):
                start.wait()
                for _ in range(rounds):
                    attempt = services.attempt_preview_claim(agent_id=agent_id, at=MONDAY_10)
                    if attempt is None:
                        return
                    got[agent_id].append(attempt.contact_id)
                    services.attempt_dialling(attempt_id=attempt.pk)
                    services.attempt_end(attempt_id=attempt.pk, outcome="connected", agent="x")
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(a,)) for a in agent_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return got


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_agents_claiming_at_once_never_get_the_same_contact() -> None:
    rows = "nummer\n" + "".join(f"9123{i:04d}\n" for i in range(40))
    with schema_context("fhi"):
        _preview(name="Samtidige agenter", data=rows.encode())
        agents = [_agent("ingrid").pk, _agent("ola").pk]
    got = _threaded_claims(agents, rounds=20)
    every = got[agents[0]] + got[agents[1]]
    assert len(every) == 40 and len(set(every)) == 40
    with schema_context("fhi"):
        assert CampaignContact.objects.filter(campaign__name="Samtidige agenter", state="done").count() == 40


@pytest.mark.django_db
def test_a_failing_inquiry_hook_never_loses_the_inquiry(caplog) -> None:
    from contactcenter import history

    def broken(inquiry) -> None:  # type: ignore[no-untyped-def]
        CallAttempt.objects.update(agent="skal rulles tilbake")
        raise RuntimeError("krok feilet")

    history.register_inquiry_hook(broken)
    try:
        with schema_context("fhi"):
            _preview()
            ingrid = _agent("ingrid")
            attempt = services.attempt_preview_claim(agent_id=ingrid.pk, at=MONDAY_10)
            cat = InquiryCategory.objects.filter(queue_id=1).order_by("id").first()
            inquiry = console_inquiry_register(agent_id=ingrid.pk, queue_id=1, category_id=cat.pk, note="Notat",
                                               allowed_queue_ids={1})
            assert inquiry.pk is not None and inquiry.note == "Notat"
            assert CallAttempt.objects.get(pk=attempt.pk).agent == ""  # the broken hook's write is undone
            assert "krok feilet" in caplog.text
    finally:
        history._INQUIRY_HOOKS.remove(broken)
