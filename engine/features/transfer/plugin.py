"""Hold and transfer: wiring (commands only; the calls feature keeps the channels these act on)."""

from __future__ import annotations

from engine.features.transfer import commands
from engine.registry import Registry


def load(registry: Registry) -> None:
    registry.on_command("blind_transfer", commands.BlindTransfer, commands.blind_transfer)
    registry.on_command("attended_transfer", commands.AttendedTransfer, commands.attended_transfer)
    registry.on_command("hold", commands.Hold, commands.hold)
    registry.on_command("resume", commands.Resume, commands.resume)
