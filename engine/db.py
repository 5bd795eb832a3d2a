"""Database reads the engine core needs (run on the history thread): active agencies, wrap-up per queue."""

from __future__ import annotations

from asterisk_conf import naming


def close_db() -> None:
    from django.db import connections

    connections.close_all()


def active_slugs() -> list[str]:
    from tenants.selectors import agency_list

    return list(agency_list().values_list("schema_name", flat=True))


def load_wrapups() -> dict[str, int]:
    from django_tenants.utils import schema_context

    from contactcenter.selectors import queue_config_rows
    from tenants.selectors import agency_list

    out = {}
    for slug in agency_list().values_list("schema_name", flat=True):
        with schema_context(slug):
            for row in queue_config_rows():
                out[naming.queue_name(slug, row["id"])] = row["wrapup_seconds"]
    return out
