"""What ``/health/engine`` reports, from the engine's own health answer (no Django, no I/O)."""

from __future__ import annotations


def engine_health_report(health: dict) -> tuple[dict, bool]:
    """(body, ok): each node's AMI/ARI contact, the config state and the managed Asterisk if any.
    Healthy when there is a node, every node has AMI and ARI, and the config is fine (an agency whose
    config failed, missing prompts or music on hold degrade too)."""
    nodes = {name: {"ami": n["ami"]["connected"] if n["ami"] else False,
                    "ari": n["ari"]["connected"] if n["ari"] else False,
                    "ami_since": n["ami"]["since"] if n["ami"] else None,
                    "last_event_at": n["ami"]["last_event_at"] if n["ami"] else None}
             for name, n in health["nodes"].items()}
    config = health.get("config") or {}
    ok = bool(nodes) and all(n["ami"] and n["ari"] for n in nodes.values()) and config.get("ok", True)
    body = {"engine": "ok" if ok else "degraded", "nodes": nodes, "config": config}
    if health.get("managed_asterisk"):
        body["managed_asterisk"] = health["managed_asterisk"]
    return body, ok
