"""Callback that keeps the caller's place: the dispatcher (see docs/tilbakeringing.md)."""

from __future__ import annotations

from engine.features.callback import dispatch, request
from engine.registry import Registry


def load(registry: Registry) -> None:
    registry.state_part("callbacks", dispatch.callbacks_snapshot)
    registry.on_action(dispatch.tick)
    registry.on_signal("UserEvent", request.on_user_event)
    registry.on_signal("Hangup", dispatch.on_hangup)
