"""Live-call services for the console and API. Each checks in the agency's own schema that the agent,
queue or reason belongs to the agency, then asks the engine (through ``engine.client``, the one way
across the process line), which checks channel ownership again."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ObjectDoesNotExist
from django_tenants.utils import schema_context

from asterisk_conf import naming
from contactcenter.history import recording_added
from contactcenter.models import Agent, PauseReason, Queue
from contactcenter.selectors import agent_queue_penalties
from engine.client import EngineRefused, ami_value, dial_number, engine_call_sync

_engine = engine_call_sync


def _agent(agency: str, agent_id: int) -> tuple[Agent, str]:
    with schema_context(agency):
        try:
            agent = Agent.objects.select_related("extension").get(pk=agent_id)
        except ObjectDoesNotExist as exc:
            raise EngineRefused("Agenten finnes ikke i denne etaten.") from exc
        phone = agent.extension.phones.filter(is_active=True).order_by("id").first()
        if phone is None:
            raise EngineRefused("Agenten har ingen aktiv telefon.")
        return agent, naming.phone_interface(agency, phone.pk)


def agent_interface(*, agency: str, agent_id: int) -> str:
    return _agent(agency, agent_id)[1]


def agent_login(*, agency: str, agent_id: int, queue_ids: list[int] | None = None) -> list[int]:
    """Log the agent into the queues they serve (or the given subset), with penalties from skills."""
    agent, interface = _agent(agency, agent_id)
    with schema_context(agency):
        penalties = agent_queue_penalties(agent=agent)
    wanted = penalties if queue_ids is None else {q: penalties[q] for q in queue_ids if q in penalties}
    if queue_ids is not None and len(wanted) != len(set(queue_ids)):
        raise EngineRefused("Agenten kan ikke logge inn i en kø hen ikke betjener.")
    for queue_id, penalty in sorted(wanted.items()):
        _engine("queue_add", agency, {"queue": naming.queue_name(agency, queue_id), "interface": interface,
                                   "member": naming.agent_member_name(agency, agent.pk), "penalty": penalty})
    return sorted(wanted)


def agent_logout(*, agency: str, agent_id: int, queue_ids: list[int] | None = None) -> None:
    agent, interface = _agent(agency, agent_id)
    with schema_context(agency):
        queues = list(Queue.objects.values_list("pk", flat=True)) if queue_ids is None else [
            q for q in queue_ids if Queue.objects.filter(pk=q).exists()]
    for queue_id in queues:
        _engine("queue_remove", agency, {"queue": naming.queue_name(agency, queue_id), "interface": interface})


def agent_pause(*, agency: str, agent_id: int, reason_code: str) -> None:
    _agent_obj, interface = _agent(agency, agent_id)
    ami_value(reason_code, what="pauseårsak")
    with schema_context(agency):
        if not PauseReason.objects.filter(code=reason_code).exists():
            raise EngineRefused("Ukjent pauseårsak.")
    _engine("queue_pause", agency, {"interface": interface, "paused": True, "reason": reason_code})


def agent_unpause(*, agency: str, agent_id: int) -> None:
    _agent_obj, interface = _agent(agency, agent_id)
    _engine("queue_pause", agency, {"interface": interface, "paused": False})


def click_to_call(*, agency: str, agent_id: int, number: str) -> None:
    agent, interface = _agent(agency, agent_id)
    digits = dial_number(number.replace(" ", ""))
    _engine("originate", agency, {"interface": interface, "number": digits.lstrip("+"),
                               "caller_id": agent.extension.number})


def call_hangup(*, agency: str, channel: str) -> None:
    _engine("hangup", agency, {"channel": channel})


def call_transfer(*, agency: str, channel: str, number: str, attended: bool = False) -> None:
    digits = dial_number(number.replace(" ", "")).lstrip("+")
    _engine("attended_transfer" if attended else "blind_transfer", agency, {"channel": channel, "number": digits})


def call_hold(*, agency: str, channel: str) -> None:
    _engine("hold", agency, {"channel": channel})


def call_resume(*, agency: str, channel: str) -> None:
    _engine("resume", agency, {"channel": channel})


def recording_start(*, agency: str, agent_id: int | None, channel: str, override_opt_out: bool = False) -> str:
    """Start recording the call on ``channel``. Refused by the engine when the caller opted out by key, unless
    ``override_opt_out`` (only from a legal basis that overrides the opt-out, see ``recordings``)."""
    result = _engine("record_start", agency, {"channel": channel, "override_opt_out": override_opt_out})
    with schema_context(agency):
        recording_added(linkedid=result["linkedid"], path=result["path"], at=dt.datetime.now(dt.UTC),
                        agent_id=agent_id)
    return result["path"]


def recording_stop(*, agency: str, channel: str) -> None:
    _engine("record_stop", agency, {"channel": channel})


def supervise(*, agency: str, supervisor_agent_id: int, channel: str, mode: str) -> None:
    agent, interface = _agent(agency, supervisor_agent_id)
    if not agent.is_supervisor:
        raise EngineRefused("Bare veiledere kan lytte, hviske eller bryte inn.")
    _engine("supervise", agency, {"channel": channel, "interface": interface, "mode": mode})


def live_snapshot(*, agency: str, timeout: float = 8) -> dict:
    return _engine("snapshot", agency, timeout=timeout)  # type: ignore[return-value]
