"""The outbound dialer: campaigns dialled by the engine (see docs/kampanjer.md)."""

from __future__ import annotations

from engine.features.dialer import dispatch, preview
from engine.registry import Registry


def load(registry: Registry) -> None:
    registry.state_part("dialer", dispatch.dialer_snapshot)
    registry.on_action(dispatch.tick)
    for event in ("OriginateResponse", "UserEvent", "AgentConnect", "DialEnd", "Newstate", "Hangup"):
        registry.on_signal(event, dispatch.on_event)
    registry.on_command("dialer_preview_dial", preview.PreviewDial, preview.preview_dial)
