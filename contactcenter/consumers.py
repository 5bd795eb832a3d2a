"""The console's WebSocket: live queues, agents and calls of the connection's own agency, filtered
by role, and the operator's actions. Thin: reads go through selectors, actions through services,
every ORM call inside the connection's agency context."""

from __future__ import annotations

import json
import logging
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
from contactcenter import live_services, recordings
from contactcenter.callback_live import KIND as CALLBACKS
from contactcenter.callback_live import callbacks_change
from contactcenter.console_messages import message_parse
from contactcenter.hub import ENGINE_UNAVAILABLE, LiveHub
from contactcenter.selectors import agent_channel_prefixes, console_callbacks, console_role, queue_categories
from contactcenter.services import console_inquiry_register
from controlplane.ws_messages import MessageInvalid
from engine.client import EngineRefused, EngineUnavailable, UnsafeValue, engine_call
from outbound import services as outbound_services
from switchboard.directories import reverse_lookup
from switchboard.selectors import person_directory

logger = logging.getLogger(__name__)


class LiveConsumer(GrantWatch, AsyncJsonWebsocketConsumer):
    """Live updates reach the console through the process's LiveHub (one group subscription per agency
    and process); this consumer decides what its user may see and handles the user's actions."""

    agency: str
    view_key: tuple
    agent_id: int | None
    supervisor: bool
    queue_names: set[str]
    queue_ids: frozenset[int]
    own_prefixes: tuple[str, ...]
    language: str = settings.LANGUAGE_CODE
    status: dict | None = None  # the engine's contact with Asterisk, as this console was last told
    preview_shown: set[int]  # the preview attempts this console has shown (given back when it closes)

    async def in_agency(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a sync function (ORM, services) on Channels' shared thread inside this connection's agency."""
        agency = self.agency

        def call() -> Any:
            with schema_context(agency):
                return fn(*args, **kwargs)

        return await database_sync_to_async(call)()

    async def connect(self) -> None:
        agency = self.scope.get("agency")
        user = self.scope.get("user")
        if not agency or user is None or not user.is_authenticated or getattr(user, "agency", None) != agency:
            await self.close(code=4401)
            return
        self.agency = agency
        self.preview_shown = set()
        self.language = self.scope.get("language") or settings.LANGUAGE_CODE
        role = await self.in_agency(console_role, user=user)
        agent = role["agent"]
        self.agent_id = agent.pk if agent else None
        self.supervisor = role["supervisor"]
        self.view_only = getattr(user, "vendor_grant", None) is not None  # a vendor under a grant only watches
        self.queue_names = {naming.queue_name(agency, q) for q in role["queue_ids"]}
        self.queue_ids = frozenset(role["queue_ids"])
        self.own_prefixes = await self.in_agency(agent_channel_prefixes, agent=agent)
        # Everything that decides what this console may see; consoles with the same view share frames.
        self.view_key = ("all",) if self.supervisor else (
            self.agent_id, tuple(sorted(self.queue_names)), self.own_prefixes)
        await self.accept()
        await self.watch_grant(user, agency)
        await LiveHub.get(self.channel_layer).join(agency, self)
        await self.send_snapshot()
        if self.agent_id is not None and not self.view_only:
            panel = await self.campaign_panel()
            if panel is not None:  # the initial state of the campaign panel (actions answer with its new state)
                await self.send_json({"type": "campaign", "data": panel})

    async def disconnect(self, code: int) -> None:
        await self.unwatch_grant()
        if getattr(self, "agency", None):
            await LiveHub.get(self.channel_layer).leave(self.agency, self)
            if getattr(self, "agent_id", None) is not None and not getattr(self, "view_only", True):
                # A preview contact this console showed, still claimed and not dialled, goes back to the list.
                await self.in_agency(outbound_services.attempt_preview_release, agent_id=self.agent_id,
                                     attempt_ids=sorted(self.preview_shown))

    # -- filtering -------------------------------------------------------------------------------------------------
    def _allowed(self, change: dict) -> bool:
        kind = change.get("kind")
        if kind == "queue":
            return change.get("queue") in self.queue_names
        if kind == "agent":
            return (self.supervisor or change.get("agent_id") == self.agent_id
                    or bool(set(change.get("queues", [])) & self.queue_names))
        if kind == "call":
            return self.supervisor or str(change.get("channel", "")).startswith(self.own_prefixes or ("\0",))
        return False

    def _own_callbacks(self, rows: list[dict]) -> list[dict]:
        """The callbacks of the queues this console may see (places are per queue, so they stay right)."""
        return [r for r in rows if r.get("queue_id") in self.queue_ids]

    def filter_changes(self, changes: list[dict]) -> list[dict]:
        return [callbacks_change(rows=self._own_callbacks(c.get("rows", []))) if c.get("kind") == CALLBACKS else c
                for c in changes if c.get("kind") == CALLBACKS or self._allowed(c)]

    def filter_snapshot(self, snap: dict) -> dict:
        return {
            "queues": {k: v for k, v in snap.get("queues", {}).items() if k in self.queue_names},
            "agents": {k: v for k, v in snap.get("agents", {}).items() if self._allowed({"kind": "agent", **v})},
            "calls": {k: v for k, v in snap.get("calls", {}).items() if self._allowed({"kind": "call", **v})},
            "connected": snap.get("connected", False),
            "status": snap.get("status", ENGINE_UNAVAILABLE),
        }

    async def send_snapshot(self) -> None:
        """The live state from the engine, with the pending callbacks from the database (the initial state that the
        live ``callbacks`` changes replace)."""
        callbacks = self._own_callbacks(await self.in_agency(console_callbacks, queue_ids=sorted(self.queue_ids)))
        try:
            snap = await engine_call("snapshot", self.agency, timeout=5)
        except EngineUnavailable:
            self.status = ENGINE_UNAVAILABLE
            await self.send_json({"type": "status", "status": ENGINE_UNAVAILABLE})
            await self.send_json({"type": "update", "changes": [callbacks_change(rows=callbacks)]})
            return
        data = self.filter_snapshot(snap)  # type: ignore[arg-type]
        self.status = data["status"]
        await self.send_json({"type": "snapshot", "data": {**data, CALLBACKS: callbacks}})

    # -- actions ---------------------------------------------------------------------------------------------------
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        """Every frame gets an answer; a frame that is not a JSON object never closes the connection."""
        with translation.override(self.language):
            try:
                content = json.loads(text_data) if text_data is not None else None
            except ValueError:
                content = None
            if not isinstance(content, dict):
                await self.send_json({"type": "error", "id": None, "error": _("Meldingen må være et JSON-objekt.")})
                return
            await self.receive_json(content)

    async def receive_json(self, content: dict, **kwargs: Any) -> None:
        action = content.get("action")
        request_id = content.get("id")
        if getattr(self, "view_only", False) and action not in ("snapshot", "subscribe"):
            await self.send_json({"type": "error", "id": request_id, "action": action,
                                  "error": _("Leverandørtilgang gir bare innsyn, ingen handlinger.")})
            return
        try:
            data = message_parse(action=action if isinstance(action, str) else "", content=content)
            result = await getattr(self, f"do_{action}")(data)
        except (MessageInvalid, EngineRefused, UnsafeValue, PermissionError, EngineUnavailable) as exc:
            await self.send_json({"type": "error", "id": request_id, "action": action, "error": str(exc)})
            return
        except ValidationError as exc:
            await self.send_json({"type": "error", "id": request_id, "action": action, "error": " ".join(exc.messages)})
            return
        except Exception:
            logger.exception("konsollhandling %r feilet i %s", action, self.agency)
            await self.send_json({"type": "error", "id": request_id, "action": action,
                                  "error": _("Noe gikk galt på serveren. Prøv igjen.")})
            return
        await self.send_json({"type": "ok", "id": request_id, "action": action, "result": result})

    def _need_agent(self) -> int:
        if self.agent_id is None:
            raise PermissionError("Du er ikke registrert som agent.")
        return self.agent_id

    def _own_channel(self, channel: object) -> str:
        if not isinstance(channel, str) or not (self.supervisor or channel.startswith(self.own_prefixes or ("\0",))):
            raise PermissionError("Du kan bare styre dine egne samtaler.")
        return channel

    async def do_snapshot(self, data: dict) -> None:
        await self.send_snapshot()

    async def do_subscribe(self, data: dict) -> dict:
        queue_id = data["queue_id"]
        if naming.queue_name(self.agency, queue_id) not in self.queue_names:
            raise PermissionError("Du har ikke tilgang til denne køen.")
        return {"queue_id": queue_id}

    async def live(self, service: Callable[..., Any], **kwargs: Any) -> Any:
        """Run a live service (``contactcenter.live_services``) for this connection's agency."""
        return await database_sync_to_async(service)(agency=self.agency, **kwargs)

    async def do_login(self, data: dict) -> list[int]:
        return await self.live(live_services.agent_login, agent_id=self._need_agent())

    async def do_logout(self, data: dict) -> None:
        await self.live(live_services.agent_logout, agent_id=self._need_agent())

    async def do_pause(self, data: dict) -> None:
        await self.live(live_services.agent_pause, agent_id=self._need_agent(), reason_code=data["reason"])

    async def do_unpause(self, data: dict) -> None:
        await self.live(live_services.agent_unpause, agent_id=self._need_agent())

    async def do_hangup(self, data: dict) -> None:
        await self.live(live_services.call_hangup, channel=self._own_channel(data["channel"]))

    async def do_transfer(self, data: dict) -> None:
        await self.live(live_services.call_transfer, channel=self._own_channel(data["channel"]), number=data["number"],
                        attended=data["attended"])

    async def do_hold(self, data: dict) -> None:
        await self.live(live_services.call_hold, channel=self._own_channel(data["channel"]))

    async def do_resume(self, data: dict) -> None:
        await self.live(live_services.call_resume, channel=self._own_channel(data["channel"]))

    async def do_record(self, data: dict) -> str:
        rec = await self.live(recordings.recording_start_with_basis, agent_id=self.agent_id,
                              channel=self._own_channel(data["channel"]), legal_basis_code=data["legal_basis"])
        return rec.path

    async def do_supervise(self, data: dict) -> None:
        if not self.supervisor:
            raise PermissionError("Bare veiledere kan lytte, hviske eller bryte inn.")
        await self.live(live_services.supervise, supervisor_agent_id=self._need_agent(), channel=data["channel"],
                        mode=data["mode"])

    async def do_directory(self, data: dict) -> list[dict]:
        return await self.in_agency(person_directory, query=data["q"], limit=20)

    async def do_who(self, data: dict) -> dict | None:
        """Who is calling: the agency's own people, then its external directories (switchboard.directories)."""
        return (await self.in_agency(reverse_lookup, number=data["number"]))["match"]

    async def do_categories(self, data: dict) -> dict:
        ids = sorted(naming.parse_queue_name(q)[1] for q in self.queue_names)  # type: ignore[index]
        cats = await self.in_agency(queue_categories, queue_ids=ids)
        return {str(k): v for k, v in cats.items()}

    async def do_inquiry(self, data: dict) -> dict:
        allowed = {naming.parse_queue_name(q)[1] for q in self.queue_names}  # type: ignore[index]
        inquiry = await self.in_agency(console_inquiry_register, agent_id=self._need_agent(), queue_id=data["queue_id"],
                                       category_id=data["category_id"], note=data["note"], allowed_queue_ids=allowed)
        return {"inquiry_id": inquiry.pk}

    # -- dialer campaigns in preview mode (outbound) -----------------------------------------------------------------
    async def campaign_panel(self) -> dict | None:
        panel = await self.in_agency(outbound_services.preview_panel_next, agent_id=self._need_agent())
        if panel and panel["attempt"]:
            self.preview_shown.add(panel["attempt"]["id"])
        return panel

    async def do_campaign(self, data: dict) -> dict | None:
        return await self.campaign_panel()

    async def do_campaign_dial(self, data: dict) -> dict | None:
        """«Ring»: the engine rings the agent's phone, then the contact (it checks the attempt again)."""
        agent_id = self._need_agent()
        await self.in_agency(outbound_services.attempt_preview_dialable, attempt_id=data["attempt_id"], agent_id=agent_id)
        await engine_call("dialer_preview_dial", self.agency, {"attempt_id": data["attempt_id"], "agent_id": agent_id},
                          timeout=15)
        return await self.campaign_panel()

    async def do_campaign_skip(self, data: dict) -> dict | None:
        await self.in_agency(outbound_services.attempt_preview_skip, attempt_id=data["attempt_id"],
                             agent_id=self._need_agent())
        return await self.campaign_panel()

    async def do_campaign_dispose(self, data: dict) -> dict | None:
        agent_id = self._need_agent()
        await self.in_agency(outbound_services.attempt_agent_dispose, agent_id=agent_id, attempt_id=data["attempt_id"],
                             category_id=data["category_id"])
        return await self.campaign_panel()
