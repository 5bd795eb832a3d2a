"""Parse raw AMI bytes (as recorded from a real Asterisk) into event dicts."""

from __future__ import annotations

from collections.abc import Iterator


def parse_ami_stream(data: bytes) -> Iterator[dict[str, str]]:
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    for block in text.split("\n\n"):
        msg: dict[str, str] = {}
        for line in block.split("\n"):
            key, sep, value = line.partition(": ")
            if sep and key and key not in msg:
                msg[key] = value
        if "Event" in msg:
            yield msg
