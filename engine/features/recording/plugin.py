"""Recording: wiring (commands only; the recording's history row comes from the MixMonitor events)."""

from __future__ import annotations

from engine.features.recording import commands
from engine.registry import Registry


def load(registry: Registry) -> None:
    registry.on_command("record_start", commands.RecordStart, commands.record_start)
    registry.on_command("record_stop", commands.RecordStop, commands.record_stop)
