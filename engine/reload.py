"""Flow 1, last step: after a render, ask the engine to reload only what changed.

Fire and forget: the web request that saved the change does not wait for Asterisk. The engine logs a
failed reload as an error and shows it in its health (``last_reload``)."""

from __future__ import annotations

import logging
import uuid

from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import get_channel_layer

from engine.core import command_channel

logger = logging.getLogger(__name__)


def reload_after_render(result) -> None:  # type: ignore[no-untyped-def]
    kinds = sorted(result.changed_kinds)
    if not kinds:
        return
    layer = get_channel_layer()
    try:
        async_to_sync(layer.send)(command_channel(layer), {
            "type": "engine.command", "id": uuid.uuid4().hex, "op": "reload", "agency": "platform",
            "args": {"kinds": kinds}, "reply": None})
    except ChannelFull:
        logger.warning("Motoren tar ikke imot meldinger; konfigurasjonen er skrevet, men ikke lastet inn.")
