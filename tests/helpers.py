"""Small helpers shared by tests (the real-component harnesses live in their own *_harness.py modules)."""

from __future__ import annotations

import ast
import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from django.db import connection

from tenants.signals import agency_config_changed

# Operators' access to /metrics and /health/engine (the token tests/conftest.py puts in OPS_TOKEN).
OPS_HEADERS = {"Authorization": f"Bearer {os.environ.get('OPS_TOKEN', '')}"}


@contextmanager
def capture_announcements() -> Iterator[list[str]]:
    """The config announcements (``tenants.events``) made by the writes inside the block, in order, one
    schema name per announcement, as they go out when the test's transaction would commit (like Zulip's
    ``capture_send_event_calls``). They are captured instead of delivered, so nothing renders Asterisk
    config. A write that is refused (rolled back) announces nothing."""
    sent: list[str] = []

    def capture(sender: object = None, **kwargs: object) -> list:
        sent.append(str(kwargs["schema_name"]))
        return []

    start = len(connection.run_on_commit)
    with mock.patch.object(agency_config_changed, "send", side_effect=capture):
        yield sent
        # "Commit": run the block's callbacks and forget them, as a real commit would (Django's
        # captureOnCommitCallbacks leaves them queued, so a later block's announcement would look done).
        while len(connection.run_on_commit) > start:
            callbacks = connection.run_on_commit[start:]
            del connection.run_on_commit[start:]
            for _sids, callback, _robust in callbacks:
                callback()


def parse_python(path: Path) -> ast.Module:
    """``ast.parse`` of a source file with the garbage collector held off: on Python 3.11 a finaliser that runs in the
    middle of the parse and logs a traceback (an old event loop's task, say) parses too, and the parse fails with
    "SystemError: AST constructor recursion depth mismatch" (CPython gh-106905, fixed in 3.11.8/3.12.1)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(path.read_text(), filename=str(path))
    finally:
        if enabled:
            gc.enable()
