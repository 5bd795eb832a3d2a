"""One interface for sending an SMS, two implementations: Kannel's HTTP ``sendsms`` and a generic HTTP provider.

Both take the platform's own message reference and a report URL; the gateway calls the report URL back with the
delivery status (Kannel: ``dlr-url`` with ``%d``; the provider: a JSON POST). ``gateway_from_settings`` builds the
one configured in ``settings.SMS_GATEWAY``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx
from django.conf import settings

# Kannel dlr-mask bits: 1 delivered to phone, 2 not delivered, 8 accepted by the SMSC, 16 rejected by the SMSC.
KANNEL_DLR_MASK = 1 | 2 | 8 | 16


class GatewayError(Exception):
    """The gateway refused the message (the text is shown in the log)."""


@dataclass(frozen=True)
class Outgoing:
    to: str
    sender: str
    text: str
    encoding: str  # "gsm" | "ucs2"
    report_url: str


class SmsGateway(Protocol):
    def send(self, message: Outgoing) -> str:
        """Hand the message over; returns the gateway's id ('' if none). GatewayError when refused."""
        ...

    def close(self) -> None: ...


class KannelGateway:
    """Kannel smsbox ``/cgi-bin/sendsms`` (GET). ``coding`` 0 = GSM 7-bit, 2 = UCS-2; text in UTF-8; Kannel splits
    long texts itself (``concatenation = true`` in the rendered config)."""

    def __init__(self, *, url: str, user: str, password: str, timeout: float = 10.0) -> None:
        self.url, self.user, self.password = url, user, password
        self.http = httpx.Client(timeout=timeout, limits=httpx.Limits(max_connections=32, max_keepalive_connections=32))

    def send(self, message: Outgoing) -> str:
        params = {
            "user": self.user, "pass": self.password, "to": message.to.lstrip("+"), "from": message.sender,
            "text": message.text, "charset": "UTF-8", "coding": "2" if message.encoding == "ucs2" else "0",
            "dlr-mask": str(KANNEL_DLR_MASK), "dlr-url": message.report_url + "&type=%d&fid=%F",
        }
        try:
            reply = self.http.get(self.url, params=params)
        except httpx.HTTPError as exc:
            raise GatewayError(f"Kannel svarte ikke: {exc}") from exc
        if reply.status_code not in (200, 202):
            raise GatewayError(f"Kannel avviste meldingen: {reply.status_code} {reply.text.strip()[:200]}")
        return ""

    def close(self) -> None:
        self.http.close()


class HttpProviderGateway:
    """A generic HTTP SMS provider: ``POST <url>`` with JSON ``{"to", "from", "text", "callback_url"}`` and a bearer
    token; answers ``{"id": "..."}``; reports arrive as JSON POSTs ``{"id", "status"}`` on the callback URL."""

    def __init__(self, *, url: str, token: str, timeout: float = 10.0) -> None:
        self.url = url
        self.http = httpx.Client(timeout=timeout, headers={"Authorization": f"Bearer {token}"})

    def send(self, message: Outgoing) -> str:
        body = {"to": message.to, "from": message.sender, "text": message.text, "callback_url": message.report_url}
        try:
            reply = self.http.post(self.url, json=body)
        except httpx.HTTPError as exc:
            raise GatewayError(f"SMS-leverandøren svarte ikke: {exc}") from exc
        if reply.status_code >= 300:
            raise GatewayError(f"SMS-leverandøren avviste meldingen: {reply.status_code} {reply.text.strip()[:200]}")
        try:
            return str(reply.json().get("id", ""))[:100]
        except ValueError:
            return ""

    def close(self) -> None:
        self.http.close()


def gateway_from_settings() -> SmsGateway:
    cfg = dict(getattr(settings, "SMS_GATEWAY", {}) or {})
    kind = cfg.get("kind", "kannel")
    if kind == "kannel":
        return KannelGateway(url=cfg.get("url", "http://127.0.0.1:13013/cgi-bin/sendsms"),
                             user=cfg.get("user", ""), password=cfg.get("password", ""))
    if kind == "http":
        return HttpProviderGateway(url=cfg["url"], token=cfg.get("token", ""))
    raise GatewayError(f"ukjent SMS-gateway: {kind}")
