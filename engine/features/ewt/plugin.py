"""Estimated wait: announced to each waiting caller at join and periodically (see docs/ventetid.md)."""

from __future__ import annotations

from engine.features.ewt import announce
from engine.registry import Registry


def load(registry: Registry) -> None:
    registry.state_part("waits", announce.waits_snapshot)
    registry.on_action(announce.tick)
