"""Kannel's configuration (bearerbox + smsbox in one file), rendered from plain values. Pure: text in, text out.

The platform talks to Kannel through smsbox's HTTP ``sendsms`` (outbound, with a ``dlr-url`` back to the platform)
and receives inbound SMS through one ``sms-service`` whose ``get-url`` points at the platform. Every value is
checked here: Kannel's format has no quoting rules for free text, so only ports, hosts, plain tokens and URLs
without quotes or line breaks are accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_HOST = re.compile(r"^[A-Za-z0-9.:-]{1,255}$")
_URL = re.compile(r"^https?://[^\s\"';]{1,900}$")


@dataclass(frozen=True)
class KannelSmsc:
    """One SMSC link. ``kind`` is Kannel's ``smsc`` type: ``fake`` (tests, the fake SMSC connects to ``port``),
    ``smpp`` (operator; host, port, system_id, password)."""

    smsc_id: str
    kind: str = "fake"
    port: int = 10000
    host: str = ""
    system_id: str = ""
    password: str = ""
    throughput: int = 0
    only_routed: bool = False  # receives only messages sent with smsc=<smsc_id> (an inbound-only link)


@dataclass(frozen=True)
class KannelConfig:
    admin_port: int
    admin_password: str
    smsbox_port: int
    sendsms_port: int
    sendsms_user: str
    sendsms_password: str
    inbound_url: str
    smscs: tuple[KannelSmsc, ...]
    log_dir: str = ""
    log_level: int = 1
    max_messages: int = 10
    store_file: str = ""
    # How many HTTP requests smsbox has open towards the platform at once (inbound SMS and delivery reports):
    # each is a web request with a database connection, so keep it small.
    max_pending_requests: int = 8


def _token(value: str, what: str) -> str:
    if not _TOKEN.match(value):
        raise ValueError(f"ugyldig {what} for Kannel: {value!r}")
    return value


def _port(value: int) -> int:
    if not 0 < int(value) < 65536:
        raise ValueError(f"ugyldig port for Kannel: {value!r}")
    return int(value)


def _url(value: str) -> str:
    if not _URL.match(value):
        raise ValueError(f"ugyldig adresse for Kannel: {value!r}")
    return value


def _group(name: str, items: list[tuple[str, object]]) -> str:
    lines = [f"group = {name}"]
    for key, value in items:
        if isinstance(value, str) and not isinstance(value, bool):
            lines.append(f'{key} = "{value}"' if key.endswith("-url") else f"{key} = {value}")
        else:
            lines.append(f"{key} = {str(value).lower() if isinstance(value, bool) else value}")
    return "\n".join(lines) + "\n"


def _core(cfg: KannelConfig) -> str:
    items: list[tuple[str, object]] = [
        ("admin-port", _port(cfg.admin_port)), ("admin-password", _token(cfg.admin_password, "passord")),
        ("admin-interface", "127.0.0.1"), ("admin-allow-ip", "127.0.0.1"),
        ("smsbox-port", _port(cfg.smsbox_port)), ("smsbox-interface", "127.0.0.1"),
        ("box-allow-ip", "127.0.0.1"), ("dlr-storage", "internal"), ("log-level", int(cfg.log_level)),
    ]
    if cfg.log_dir:
        items.append(("log-file", _path(f"{cfg.log_dir}/bearerbox.log")))
    if cfg.store_file:
        items += [("store-type", "file"), ("store-location", _path(cfg.store_file))]
    return _group("core", items)


def _path(value: str) -> str:
    if not re.match(r"^/[A-Za-z0-9_./+-]{1,400}$", value):
        raise ValueError(f"ugyldig filsti for Kannel: {value!r}")
    return value


def _smsc(smsc: KannelSmsc) -> str:
    items: list[tuple[str, object]] = [("smsc", _token(smsc.kind, "SMSC-type")), ("smsc-id", _token(smsc.smsc_id, "SMSC-id"))]
    if smsc.kind == "fake":
        items += [("port", _port(smsc.port)), ("connect-allow-ip", "127.0.0.1")]
    else:
        if not _HOST.match(smsc.host):
            raise ValueError(f"ugyldig vert for Kannel: {smsc.host!r}")
        items += [("host", smsc.host), ("port", _port(smsc.port)),
                  ("smsc-username", _token(smsc.system_id, "brukernavn")),
                  ("smsc-password", _token(smsc.password, "passord")), ("transceiver-mode", True)]
    if smsc.only_routed:
        items.append(("allowed-smsc-id", smsc.smsc_id))
    if smsc.throughput:
        items.append(("throughput", int(smsc.throughput)))
    return _group("smsc", items)


def _smsbox(cfg: KannelConfig) -> list[str]:
    box: list[tuple[str, object]] = [
        ("bearerbox-host", "127.0.0.1"), ("bearerbox-port", _port(cfg.smsbox_port)),
        ("sendsms-port", _port(cfg.sendsms_port)), ("sendsms-interface", "127.0.0.1"),
        ("log-level", int(cfg.log_level)), ("mo-recode", True),
        ("max-pending-requests", int(cfg.max_pending_requests)),
    ]
    if cfg.log_dir:
        box.append(("log-file", _path(f"{cfg.log_dir}/smsbox.log")))
    user: list[tuple[str, object]] = [
        ("username", _token(cfg.sendsms_user, "brukernavn")), ("password", _token(cfg.sendsms_password, "passord")),
        ("max-messages", int(cfg.max_messages)), ("concatenation", True), ("user-allow-ip", "127.0.0.1"),
    ]
    service: list[tuple[str, object]] = [
        ("keyword", "default"), ("catch-all", True), ("max-messages", 0), ("accept-x-kannel-headers", True),
        ("get-url", _url(cfg.inbound_url)),
    ]
    return [_group("smsbox", box), _group("sendsms-user", user), _group("sms-service", service)]


def render_kannel_conf(cfg: KannelConfig) -> str:
    """The whole kannel.conf for bearerbox and smsbox (both read the same file)."""
    parts = ["# Laget av telefoniplattformen (outbound.kannel_conf). Endringer her blir overskrevet.\n", _core(cfg)]
    parts += [_smsc(s) for s in cfg.smscs]
    parts += _smsbox(cfg)
    return "\n".join(parts)
