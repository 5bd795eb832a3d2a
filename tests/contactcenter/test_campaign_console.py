"""The console's campaign panel (preview mode) over the WebSocket: the initial state on connect and the new state
after each action, tested together; from the attacker's side (another agent's or another agency's attempt, bad
input: a Norwegian error and nothing written).

A real engine (no Asterisk node) answers everything but ``dialer_preview_dial``, which a test engine answers in its
place as the dialer would (it moves the attempt to dialling, or refuses)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from tests.contactcenter.test_console_ws import _comm, _drain, memory_layer, sessions  # noqa: F401

NKH_ATTEMPT = 900001  # an id no fhi attempt has (ids are per schema)
LIST = "nummer;navn;saksnr\n91234501;Åse Ødegård;2026/17\n91234502;Per Ås;2026/18\n91234503;Liv;2026/19\n".encode()


def _make() -> dict:
    from django_tenants.utils import schema_context

    from contactcenter.models import Agent, Queue
    from outbound import services
    from outbound.models import CallAttempt, Campaign, CampaignContact

    out: dict = {}
    for slug in ("fhi", "nkh"):
        with schema_context(slug):
            campaign = Campaign.objects.create(name="Konsollkampanje", mode="preview", queue=Queue.objects.get(pk=1),
                                               weekdays="1234567", window_start=dt.time(0, 0),
                                               window_end=dt.time(23, 59, 59), skip_holidays=False)
            services.campaign_contacts_import(campaign_id=campaign.pk, name="l.csv", data=LIST, dry_run=False)
            services.campaign_status_change(campaign_id=campaign.pk, action="start")
            out[slug] = campaign.pk
    with schema_context("nkh"):
        agent = Agent.objects.filter(queues__pk=1).order_by("id").first()
        contact = CampaignContact.objects.filter(campaign_id=out["nkh"]).order_by("id").first()
        CampaignContact.objects.filter(pk=contact.pk).update(state="dialling", attempts=1)
        CallAttempt.objects.create(pk=NKH_ATTEMPT, campaign_id=out["nkh"], contact=contact, preview_agent=agent)
    with schema_context("fhi"):
        out["ola"] = Agent.objects.get(user__username="ola").pk
        out["ola_attempt"] = services.attempt_preview_claim(agent_id=out["ola"]).pk
        out["ingrid"] = Agent.objects.get(user__username="ingrid").pk
    return out


def _clean() -> None:
    from django_tenants.utils import schema_context

    from outbound.models import Campaign

    for slug in ("fhi", "nkh"):
        with schema_context(slug):
            Campaign.objects.filter(name="Konsollkampanje").delete()


def _attempt(slug: str, pk: int) -> tuple[str, int | None, int | None] | None:
    from django_tenants.utils import schema_context

    from outbound.models import CallAttempt

    with schema_context(slug):
        a = CallAttempt.objects.filter(pk=pk).first()
        return (a.state, a.preview_agent_id, a.disposition_id) if a else None


def _contact_of(slug: str, number: str) -> tuple[str, int]:
    from django_tenants.utils import schema_context

    from outbound.models import CampaignContact

    with schema_context(slug):
        c = CampaignContact.objects.get(campaign__name="Konsollkampanje", number=number)
        return c.state, c.attempts


def _connected(pk: int, agent_id: int) -> None:
    """The engine's side of a preview call that reached the contact."""
    from django_tenants.utils import schema_context

    from outbound import services
    from outbound.models import CallAttempt

    with schema_context("fhi"):
        services.attempt_answered(attempt_id=pk)
        CallAttempt.objects.filter(pk=pk).update(agent="Ingrid Bakke")
        services.attempt_end(attempt_id=pk, outcome="connected", agent="Ingrid Bakke")


def _categories() -> tuple[int, int]:
    from django_tenants.utils import schema_context

    from contactcenter.models import InquiryCategory

    with schema_context("fhi"):
        return (InquiryCategory.objects.filter(queue_id=1).order_by("id").first().pk,
                InquiryCategory.objects.filter(queue_id=2).order_by("id").first().pk)


def _committed(fn):  # type: ignore[no-untyped-def]
    """Run ``fn`` on a thread and connection of its own, so what it writes is committed for the consumer's thread."""
    import threading

    from django.db import connection

    out: list = []

    def run() -> None:
        try:
            out.append(fn())
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    assert out, "oppsettet feilet"
    return out[0]


@pytest.fixture
def campaigns(sessions):  # type: ignore[no-untyped-def]  # noqa: F811  (sessions keeps the database open)
    _committed(_clean)
    yield _committed(_make)
    _committed(_clean)


@pytest.fixture
async def dialer(memory_layer, django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]  # noqa: F811
    """The real engine for everything, and in the dialer's place an answer to ``dialer_preview_dial``: it refuses what
    the dialer refuses (not claimed for this agent) and otherwise moves the attempt to dialling."""
    from engine import command_loop
    from engine.commands import CommandRefused
    from engine.core import Engine, command_channel
    from outbound import services

    def dial(agency: str, args: dict) -> bool:
        from django_tenants.utils import schema_context

        from outbound.models import CallAttempt

        with schema_context(agency):
            ok = CallAttempt.objects.filter(pk=args["attempt_id"], preview_agent_id=args["agent_id"],
                                            state="claimed", campaign__mode="preview").exists()
            return ok and services.attempt_dialling(attempt_id=args["attempt_id"])

    calls: list[tuple[str, dict]] = []

    async def execute(op: str, agency: str, args: dict) -> object:
        if op != "dialer_preview_dial":
            return await eng.execute(op, agency, args)
        calls.append((agency, args))
        if args.get("agent_id") == refuse.get("agent_id"):
            raise CommandRefused("Telefonen til agenten svarte ikke.")
        if not await database_sync_to_async(dial)(agency, args):
            raise CommandRefused("Kampanjenummeret kan ikke ringes.")
        return {"attempt_id": args["attempt_id"]}

    refuse: dict = {}
    with django_db_blocker.unblock():
        eng = Engine(nodes=[], record_history=False)
        await eng.start(listen_commands=False)
        layer = get_channel_layer()
        task = asyncio.create_task(command_loop.listen(layer, command_channel(layer), execute))
        yield calls, refuse
        task.cancel()
        await eng.stop()


async def _open(username: str, sessions) -> tuple:  # type: ignore[no-untyped-def]  # noqa: F811
    key = await asyncio.to_thread(sessions, "fhi", username)
    comm = _comm("fhi.localhost", key)
    connected, _code = await comm.connect(timeout=5)
    assert connected
    return comm, await _drain(comm, 2)  # the snapshot, then (for an agent of a preview campaign) the panel


async def _ask(comm, action: str, **data: object) -> dict:  # type: ignore[no-untyped-def]
    await comm.send_json_to({"action": action, "id": 7, **data})
    frames = await _drain(comm, 2)
    answers = [f for f in frames if f.get("id") == 7]
    assert len(answers) == 1, frames
    return answers[0]


async def test_initial_state_then_skip_and_dial_each_answer_with_the_new_state(dialer, campaigns, sessions):  # noqa: F811
    calls, _refuse = dialer
    comm, frames = await _open("ingrid", sessions)
    assert [f["type"] for f in frames] == ["snapshot", "campaign"]
    initial = frames[1]["data"]
    shown = initial["attempt"]
    assert (shown["number"], shown["data"], shown["attempts"], shown["state"]) == (
        "+4791234502", [["navn", "Per Ås"], ["saksnr", "2026/18"]], 1, "claimed")
    assert [c["name"] for c in initial["campaigns"]] == ["Konsollkampanje"]
    assert (await _ask(comm, "campaign"))["result"] == initial  # the fetch gives the same state

    # Ola has +4791234501 (claimed for him before): Ingrid's next after skipping is +4791234503.
    skipped = await _ask(comm, "campaign_skip", attempt_id=shown["id"])
    assert skipped["type"] == "ok" and skipped["result"]["attempt"]["number"] == "+4791234503"
    assert await database_sync_to_async(_contact_of)("fhi", "+4791234502") == ("pending", 0)
    assert (await _ask(comm, "campaign"))["result"] == skipped["result"]

    nxt = skipped["result"]["attempt"]
    dialled = await _ask(comm, "campaign_dial", attempt_id=nxt["id"])
    assert dialled["type"] == "ok", dialled
    assert calls == [("fhi", {"attempt_id": nxt["id"], "agent_id": campaigns["ingrid"]})]
    assert (dialled["result"]["attempt"]["id"], dialled["result"]["attempt"]["state_label"]) == (nxt["id"], "ringer")
    again = await _ask(comm, "campaign_dial", attempt_id=nxt["id"])
    assert again["type"] == "error" and again["error"] == "Nummeret er alt ringt."
    assert len(calls) == 1  # never sent to the engine twice

    # The call reaches the contact; the agent sets its category in the panel, and changes it.
    await database_sync_to_async(_connected)(nxt["id"], campaigns["ingrid"])
    own, foreign = await database_sync_to_async(_categories)()
    state = (await _ask(comm, "campaign"))["result"]
    assert state["last"]["id"] == nxt["id"] and state["last"]["disposition_id"] is None
    assert state["attempt"]["number"] == "+4791234502"  # the skipped one comes back, unspent
    wrong = await _ask(comm, "campaign_dispose", attempt_id=nxt["id"], category_id=foreign)
    assert wrong["error"] == "Velg en kategori fra kampanjens kø."
    assert (await database_sync_to_async(_attempt)("fhi", nxt["id"]))[2] is None
    done = await _ask(comm, "campaign_dispose", attempt_id=nxt["id"], category_id=own)
    assert done["result"]["last"]["disposition_id"] == own
    await comm.disconnect()
    # Closing the console gives back the contact claimed but not dialled.
    assert await database_sync_to_async(_contact_of)("fhi", "+4791234502") == ("pending", 0)


async def test_another_agents_or_agencys_attempt_and_bad_input_are_refused_and_nothing_is_written(  # noqa: F811
        dialer, campaigns, sessions):  # noqa: F811
    calls, _refuse = dialer
    comm, _frames = await _open("ingrid", sessions)
    ola = campaigns["ola_attempt"]
    for action in ("campaign_dial", "campaign_skip"):
        for attempt_id in (ola, NKH_ATTEMPT):
            answer = await _ask(comm, action, attempt_id=attempt_id)
            assert (answer["type"], answer["error"]) == ("error", "Dette kampanjenummeret er ikke vist til deg.")
    own, _foreign = await database_sync_to_async(_categories)()
    for attempt_id in (ola, NKH_ATTEMPT):
        answer = await _ask(comm, "campaign_dispose", attempt_id=attempt_id, category_id=own)
        assert answer["error"] == "Du kan bare sette kategori på din siste kampanjesamtale."
    bad = [("campaign_dial", {"attempt_id": str(ola)}, "Kampanjenummer"),
           ("campaign_dial", {"attempt_id": True}, "Kampanjenummer"),
           ("campaign_skip", {}, "Kampanjenummer"),
           ("campaign_skip", {"attempt_id": -1}, "Kampanjenummer"),
           ("campaign_dispose", {"attempt_id": ola, "category_id": [1]}, "Kategori")]
    for action, data, field in bad:
        answer = await _ask(comm, action, **data)
        assert answer["type"] == "error" and answer["error"].startswith(f"Ugyldig melding: {field}:"), answer
    assert calls == []
    assert await database_sync_to_async(_attempt)("fhi", ola) == ("claimed", campaigns["ola"], None)
    assert (await database_sync_to_async(_attempt)("nkh", NKH_ATTEMPT))[0] == "claimed"
    await comm.disconnect()


async def test_the_engines_refusal_reaches_the_agent_and_the_contact_stays_theirs(dialer, campaigns, sessions):  # noqa: F811
    calls, refuse = dialer
    refuse["agent_id"] = campaigns["ingrid"]
    comm, frames = await _open("ingrid", sessions)
    shown = frames[-1]["data"]["attempt"]
    answer = await _ask(comm, "campaign_dial", attempt_id=shown["id"])
    assert (answer["type"], answer["error"]) == ("error", "Telefonen til agenten svarte ikke.")
    assert len(calls) == 1
    assert (await database_sync_to_async(_attempt)("fhi", shown["id"]))[0] == "claimed"
    assert (await _ask(comm, "campaign"))["result"]["attempt"]["id"] == shown["id"]
    await comm.disconnect()


async def test_an_agent_outside_the_campaign_queue_gets_no_panel(dialer, campaigns, sessions):  # noqa: F811
    comm, frames = await _open("kari", sessions)  # Smittevernvakt, not Sentralbord
    assert [f["type"] for f in frames] == ["snapshot"]
    assert (await _ask(comm, "campaign"))["result"] is None
    await comm.disconnect()
