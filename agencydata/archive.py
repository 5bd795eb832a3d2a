"""The archive format shared by export and import: a zip file written and read one entry at a time.

Layout (described for people in the archive's own LESMEG.md):

    manifest.json                   format, agency, schema version, row counts, SHA-256 of every other file
    LESMEG.md                       Norwegian description of every file and column
    tabeller/<app>.<model>.jsonl    one row per line (Django's JSON Lines serialisation, natural keys for users,
                                    content types and permissions)
    tabeller/<app>.<model>.csv      the same rows for spreadsheets (UTF-8 with BOM, semicolon-separated)
    filer/<path>                    the agency's files from its spool folder (recordings, prompts, music)
    talepost/<mailbox>/...          voicemail messages from Asterisk's voicemail folder for the agency's context
"""

from __future__ import annotations

import hashlib
import zipfile
from typing import IO

FORMAT = "telefoni-etatseksport"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
README = "LESMEG.md"
TABLE_DIR = "tabeller/"
FILE_DIR = "filer/"
VOICEMAIL_DIR = "talepost/"
BLOCK = 1 << 20


class HashingWriter:
    """A text/binary sink over one zip entry that counts and hashes what passes through. Small writes (a JSON
    serialiser writes token by token) are gathered into blocks first; ``flush()`` before the entry closes."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0
        self.pending: list[bytes] = []
        self.pending_size = 0

    def write(self, data: str | bytes) -> int:
        b = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        self.pending.append(b)
        self.pending_size += len(b)
        if self.pending_size >= BLOCK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if not self.pending:
            return
        block = b"".join(self.pending)
        self.pending, self.pending_size = [], 0
        self.sha.update(block)
        self.size += len(block)
        self.raw.write(block)

    def __enter__(self) -> HashingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()


def open_entry(zf: zipfile.ZipFile, name: str) -> IO[bytes]:
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return zf.open(info, "w", force_zip64=True)


def entry_sha256(zf: zipfile.ZipFile, name: str) -> str:
    sha = hashlib.sha256()
    with zf.open(name) as fh:
        while block := fh.read(BLOCK):
            sha.update(block)
    return sha.hexdigest()
