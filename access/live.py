"""A vendor's open console WebSocket ends when the grant ends: at once when the agency admin revokes it (a message
to the grant's group, sent after the revocation is committed), and at the grant's expiry time (a timer in the
consumer). Without this, a console opened before the revocation would keep streaming live data."""

from __future__ import annotations

import asyncio
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction

CLOSE_GRANT_ENDED = 4401


def grant_group(*, schema: str, grant_id: int) -> str:
    return f"vendorgrant.{schema}.{int(grant_id)}"


def grant_ended_notify(*, grant_id: int) -> None:
    """After commit: every open WebSocket under this grant closes (any process, through the channel layer)."""
    group = grant_group(schema=connection.schema_name, grant_id=grant_id)

    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, {"type": "grant.ended"})

    transaction.on_commit(send)


class GrantWatch:
    """Mixin for a WebSocket consumer: call ``watch_grant(user, schema)`` once accepted and ``unwatch_grant()`` on
    disconnect; a revocation or the expiry closes the socket."""

    channel_layer: Any
    channel_name: str
    close: Any  # the consumer's own close()

    async def watch_grant(self, user: Any, schema: str) -> None:
        grant = getattr(user, "vendor_grant", None)
        if grant is None:
            return
        self._grant_group = grant_group(schema=schema, grant_id=grant.pk)
        await self.channel_layer.group_add(self._grant_group, self.channel_name)
        seconds = (grant.expires_at - _now()).total_seconds()
        self._grant_timer = asyncio.get_running_loop().call_later(
            max(seconds, 0), lambda: asyncio.ensure_future(self.close(code=CLOSE_GRANT_ENDED)))

    async def unwatch_grant(self) -> None:
        timer = getattr(self, "_grant_timer", None)
        if timer is not None:
            timer.cancel()
        group = getattr(self, "_grant_group", None)
        if group is not None:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def grant_ended(self, event: dict) -> None:
        await self.close(code=CLOSE_GRANT_ENDED)


def _now():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    return timezone.now()
