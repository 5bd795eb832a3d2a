"""What crosses the process line besides commands: names and keys both sides must agree on.

Kept free of Django and of the rest of the engine, so ``engine.client`` can re-export it to the web side.
"""

from __future__ import annotations


def change_key(change: dict) -> tuple:
    """What a live change is about: a later change with the same key replaces an earlier one when
    changes are coalesced (the engine's publisher and the console hub's window both fold by it)."""
    return (change["kind"], change.get("queue") or change.get("agent_id") or change.get("uniqueid"))
