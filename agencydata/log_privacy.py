"""No phone numbers or searched names in application logs at INFO (and DEBUG).

The platform's own log calls at INFO name no numbers or people (they log IDs, slugs, queue and node names). Other
libraries do: uvicorn's access log writes every request's path with its query string (an admin search for a name
or a number), and procrastinate's worker writes each job's arguments. As a safety net, every log record at INFO
or below is masked when it is created (``logging.setLogRecordFactory``, so it holds for every logger and handler,
including those uvicorn configures itself): phone-number-looking strings become ``[nummer]`` and the query
string of an access-log line becomes ``?[…]``. WARNING and above are left intact for troubleshooting.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

# 8-15 digits, optionally +/00 first and single spaces between groups ("+47 912 34 567"); not part of a longer
# token (IDs like 1700000000.1, dates, ports, paths with dots stay as they are).
PHONE = re.compile(r"(?<![\w.:-])(?:\+|00)?\d(?: ?\d){7,14}(?![\w.:-])")
MASK = "[nummer]"
_installed: list[Callable[..., logging.LogRecord]] = []


def mask_text(text: str) -> str:
    return PHONE.sub(MASK, text)


def _mask_arg(value: object) -> object:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) >= 8:
        return MASK
    return value


def _mask_record(record: logging.LogRecord) -> None:
    if isinstance(record.msg, str):
        record.msg = mask_text(record.msg)
    args = record.args
    if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
        path, _sep, query = args[2].partition("?")
        args = (*args[:2], path + ("?[…]" if query else ""), *args[3:])
    if isinstance(args, tuple):
        record.args = tuple(_mask_arg(a) for a in args)
    elif isinstance(args, dict):
        record.args = {k: _mask_arg(v) for k, v in args.items()}


def install() -> None:
    """Mask every record at INFO or below from now on, in this process (idempotent)."""
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.levelno <= logging.INFO:
            _mask_record(record)
        return record

    _installed.append(previous)
    logging.setLogRecordFactory(factory)
