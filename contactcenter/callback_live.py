"""Pending callbacks pushed to the agency's consoles and wallboards (docs/tilbakeringing.md).

Every write of a callback's state (``contactcenter.callbacks``) calls ``callbacks_changed()``; after the commit
the agency's whole list of callbacks not yet made (``selectors.console_callbacks``) goes to its live group as one
change ``{"kind": "callbacks", "rows": [...]}``. Each console keeps only the rows of the queues it may see
(``LiveConsumer.filter_changes``); the initial list comes with the console's snapshot. Like presence
(``switchboard.presence.announce_presence``), the change travels on the engine's group ``live.<slug>``.
"""

from __future__ import annotations

import logging
import time

from django.db import connection, transaction

logger = logging.getLogger(__name__)
KIND = "callbacks"


def callbacks_change(*, rows: list[dict]) -> dict:
    """The live change that replaces a console's list of callbacks."""
    return {"kind": KIND, "uniqueid": KIND, "rows": rows}


def announce_callbacks(*, schema_name: str) -> None:
    """Send the agency's pending callbacks to its live group. Never raises: a console that misses a change gets
    the list again with its next snapshot."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer
    from django_tenants.utils import schema_context

    from contactcenter.selectors import console_callbacks
    from engine.client import live_group

    try:
        with schema_context(schema_name):
            rows = console_callbacks(queue_ids=None)
        async_to_sync(get_channel_layer().group_send)(live_group(schema_name), {
            "type": "live.update", "agency": schema_name, "changes": [callbacks_change(rows=rows)], "ts": time.time()})
    except Exception:
        logger.exception("tilbakeringinger for %s kunne ikke sendes til konsollene", schema_name)


def callbacks_changed() -> None:
    """A callback changed in this agency: announce the list once the transaction commits."""
    schema_name = connection.schema_name
    transaction.on_commit(lambda: announce_callbacks(schema_name=schema_name))
