"""The attendant console's WebSocket (``ws/attendant/``): the agency's switchboard calls, pushed live from the
engine's group ``live.<slug>``, reverse look-ups and presence; the operator's actions. Thin: the agency comes from
the connection (Host + session, ``controlplane.ws``), never from a message; the operator's phone from the database;
reads go through selectors/directories, writes through services, calls through ``engine.client``."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from access.live import GrantWatch
from asterisk_conf import naming
from controlplane.ws_messages import MessageInvalid
from engine.client import EngineRefused, EngineUnavailable, UnsafeValue, engine_call, live_group
from switchboard.attendant_messages import attendant_message_parse
from switchboard.directories import directory_search, reverse_lookup
from switchboard.selectors import operator_for_user, person_ids_by_phone, presence_for
from switchboard.services import attendant_message_send

logger = logging.getLogger(__name__)
KINDS = {"sb_call", "phone", "presence"}


class ActionRefused(RuntimeError):
    pass


_SHARED: dict[tuple, tuple[float, asyncio.Task]] = {}
SHARED_SECONDS = 3.0


def shared(key: tuple, make: Callable[[], Any]) -> asyncio.Task:
    """One task per key for every console of this process: five operators' consoles that see the same new call
    look its number up once (the sync thread that runs the ORM is one per process, so 5 × the work would queue)."""
    now = time.monotonic()
    for old in [k for k, (at, _t) in _SHARED.items() if now - at > SHARED_SECONDS]:
        del _SHARED[old]
    if key not in _SHARED:
        _SHARED[key] = (now, asyncio.ensure_future(make()))
    return _SHARED[key][1]


def _presence_of_phones(phone_ids: set[int] | None, states: dict[int, str]) -> dict[int, dict]:
    by_phone = person_ids_by_phone()
    people = sorted({by_phone[p] for p in (phone_ids or by_phone) if p in by_phone})
    return presence_for(person_ids=people, phone_states=states) if people else {}


def _own_status_set(person_id: int, status: str, note: str) -> None:
    from switchboard.models import Person
    from switchboard.services import person_status_set

    person_status_set(person=Person.objects.get(pk=person_id), status=status, note=note.strip())


class AttendantConsumer(GrantWatch, AsyncJsonWebsocketConsumer):
    agency: str
    endpoint: str
    operator: dict
    language: str = settings.LANGUAGE_CODE

    async def in_agency(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        agency = self.agency

        def call() -> Any:
            with schema_context(agency):
                return fn(*args, **kwargs)

        return await database_sync_to_async(call)()

    async def connect(self) -> None:
        agency, user = self.scope.get("agency"), self.scope.get("user")
        if not agency or user is None or not user.is_authenticated or getattr(user, "agency", None) != agency:
            await self.close(code=4401)
            return
        self.agency = agency
        self.language = self.scope.get("language") or settings.LANGUAGE_CODE
        operator = await self.in_agency(operator_for_user, user=user)
        if operator is None or operator["phone_id"] is None:
            await self.close(code=4403)
            return
        self.operator = operator
        # A vendor under a grant (a stand-in someone made an operator) may watch with live view, never act.
        self.view_only = getattr(user, "vendor_grant", None) is not None
        self.endpoint = naming.phone_interface(agency, operator["phone_id"])
        self.phone_states: dict[int, str] = {}
        self.looked_up: set[str] = set()
        self.tasks: set[asyncio.Task] = set()
        await self.accept()
        await self.watch_grant(user, agency)
        await self.channel_layer.group_add(live_group(agency), self.channel_name)
        await self.send_snapshot()

    async def disconnect(self, code: int) -> None:
        await self.unwatch_grant()
        if getattr(self, "agency", None):
            await self.channel_layer.group_discard(live_group(self.agency), self.channel_name)
        for task in getattr(self, "tasks", ()):
            task.cancel()

    # -- from the engine ---------------------------------------------------------------------------------------------
    async def send_snapshot(self) -> None:
        try:
            snap = await engine_call("snapshot", self.agency, timeout=5)
        except EngineUnavailable:
            await self.send_json({"type": "status", "status": {"state": "engine_unavailable"}})
            return
        calls = list(snap.get("switchboard", {}).values())  # type: ignore[union-attr]
        self._phones(snap.get("phones", {}))  # type: ignore[union-attr]
        await self.send_json({"type": "snapshot", "calls": calls, "me": self.endpoint,
                              "connected": snap.get("connected", False)})  # type: ignore[union-attr]
        for call in calls:
            self._look_up(call)
        self._spawn(self._send_presence(None))

    async def live_update(self, message: dict) -> None:
        changes = [c for c in message.get("changes", []) if c.get("kind") in KINDS]
        if not changes:
            return
        calls = [c for c in changes if c["kind"] == "sb_call"]
        if calls or any(c["kind"] == "presence" for c in changes):
            await self.send_json({"type": "update", "changes": [c for c in changes if c["kind"] != "phone"],
                                  "ts": message.get("ts")})
        for call in calls:
            self._look_up(call)
        phones = self._phones({c["endpoint"]: c["state"] for c in changes if c["kind"] == "phone"})
        if phones:
            self._spawn(self._send_presence(phones))

    async def live_snapshot(self, message: dict) -> None:
        await self.send_snapshot()

    async def live_status(self, message: dict) -> None:
        await self.send_json({"type": "status", "status": message.get("status")})

    def _phones(self, states: dict[str, str]) -> set[int]:
        changed = set()
        for endpoint, state in states.items():
            parsed = naming.parse_endpoint(endpoint.removeprefix("PJSIP/"))
            if parsed and parsed[0] == self.agency:
                self.phone_states[parsed[1]] = state
                changed.add(parsed[1])
        return changed

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _look_up(self, call: dict) -> None:
        """Who is calling, looked up after the call is shown (a slow directory never delays it)."""
        if call.get("gone") or call.get("call_id") in self.looked_up:
            return
        self.looked_up.add(call["call_id"])
        self._spawn(self._send_lookup(call["call_id"], call.get("number", "")))

    async def _send_lookup(self, call_id: str, number: str) -> None:
        found = await shared(("lookup", self.agency, number), lambda: self.in_agency(reverse_lookup, number=number))
        await self.send_json({"type": "lookup", "call_id": call_id, **found})

    async def _send_presence(self, phone_ids: set[int] | None) -> None:
        """The presence of the people whose phones changed (all, at connect), computed once per process for the
        same phones in the same states."""
        states = dict(self.phone_states)
        key = ("presence", self.agency, tuple(sorted(phone_ids or ())), tuple(sorted(states.items())))
        merged = await shared(key, lambda: self.in_agency(_presence_of_phones, phone_ids, states))
        if merged:
            await self.send_json({"type": "presence", "people": {str(k): v for k, v in merged.items()}})

    # -- from the operator ---------------------------------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        with translation.override(self.language):
            try:
                content = json.loads(text_data) if text_data is not None else None
            except ValueError:
                content = None
            if not isinstance(content, dict) or not isinstance(content.get("action"), str):
                await self.send_json({"type": "error", "id": None, "error": _("Meldingen må være et JSON-objekt.")})
                return
            await self._act(content)

    async def _act(self, content: dict) -> None:
        action, request_id = content["action"], content.get("id")
        try:
            if self.view_only:
                raise ActionRefused(_("Leverandørtilgang gir bare innsyn, ingen handlinger."))
            data = attendant_message_parse(action=action, content=content)
            result = await getattr(self, f"do_{action}")(data)
        except (ActionRefused, MessageInvalid, EngineRefused, EngineUnavailable, UnsafeValue) as exc:
            await self.send_json({"type": "error", "id": request_id, "action": action, "error": str(exc)})
            return
        except ValidationError as exc:
            await self.send_json({"type": "error", "id": request_id, "action": action, "error": " ".join(exc.messages)})
            return
        except Exception:
            logger.exception("sentralbordhandling %r feilet i %s", action, self.agency)
            await self.send_json({"type": "error", "id": request_id, "action": action,
                                  "error": _("Noe gikk galt på serveren. Prøv igjen.")})
            return
        await self.send_json({"type": "ok", "id": request_id, "action": action, "result": result})

    async def _call(self, op: str, data: dict, **extra: Any) -> object:
        return await engine_call(op, self.agency, {"call_id": data["call_id"], "endpoint": self.endpoint, **extra})

    async def do_answer(self, data: dict) -> object:
        return await self._call("sb_answer", data)

    async def do_hold(self, data: dict) -> object:
        return await self._call("sb_hold", data)

    async def do_complete(self, data: dict) -> object:
        return await self._call("sb_complete", data)

    async def do_cancel(self, data: dict) -> object:
        return await self._call("sb_cancel", data)

    async def do_hangup(self, data: dict) -> object:
        return await self._call("sb_hangup", data)

    async def do_transfer(self, data: dict) -> object:
        return await self._call("sb_transfer", data, number=data["number"].strip(),
                                timeout=self.operator["return_seconds"], announced=data["announced"])

    async def do_search(self, data: dict) -> dict:
        found = await self.in_agency(directory_search, query=data["q"])
        people = [r["person_id"] for r in found["results"] if r["person_id"]]
        if people:
            presence = await self.in_agency(presence_for, person_ids=people, phone_states=dict(self.phone_states))
            for row in found["results"]:
                row["presence"] = presence.get(row["person_id"])
        return found

    async def do_status(self, data: dict) -> dict:
        """The operator's own status (the person on the operator's extension); pushed to every console."""
        if self.operator["person_id"] is None:
            raise ActionRefused(_("Internnummeret ditt er ikke knyttet til en person."))
        await self.in_agency(_own_status_set, self.operator["person_id"], data["status"], data["note"])
        return {"status": data["status"]}

    async def do_message(self, data: dict) -> dict:
        text = data["text"].strip()
        if not text:
            raise ActionRefused(_("Skriv en beskjed."))
        message = await self.in_agency(attendant_message_send, person_id=data["person_id"], text=text,
                                       caller_number=data["caller_number"], caller_name=data["caller_name"],
                                       taken_by=self.operator["name"], channel=data["channel"] or "email")
        return {"message_id": message.pk, "channel": message.channel}
