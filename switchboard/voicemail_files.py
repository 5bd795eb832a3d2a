"""Where Asterisk keeps a mailbox: ``<ASTERISK_SPOOL_DIR>/voicemail/<agency's voicemail context>/<extension>/``
(app_voicemail's own layout: INBOX/ and Old/ with ``msgNNNN.txt`` + ``msgNNNN.wav``; greetings ``unavail.wav``,
``busy.wav``, ``greet.wav``). Paths are built only from the agency's checked slug, a validated extension number,
a known folder and an integer, never from request text."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from django.conf import settings
from django.db import connection

from asterisk_conf import naming

FOLDERS = ("INBOX", "Old")
GREETINGS = {"unavail": "unavail", "busy": "busy", "name": "greet"}  # kind -> Asterisk's file stem


def mailbox_dir(extension_number: str) -> Path:
    if not re.fullmatch(r"[1-9][0-9]{1,5}", extension_number):
        raise ValueError(f"ugyldig internnummer: {extension_number!r}")
    return (Path(settings.ASTERISK_SPOOL_DIR) / "voicemail" / naming.voicemail_context(connection.schema_name)
            / extension_number)


def message_path(extension_number: str, folder: str, index: int, suffix: str) -> Path:
    if folder not in FOLDERS or not (0 <= index <= 9999) or suffix not in ("txt", "wav"):
        raise ValueError("ugyldig melding")
    return mailbox_dir(extension_number) / folder / f"msg{index:04d}.{suffix}"


def read_message_info(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(path.read_text(errors="replace"))
    except (OSError, configparser.Error):
        return {}
    return dict(parser["message"]) if parser.has_section("message") else {}
