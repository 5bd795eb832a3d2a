"""A local stand-in for Microsoft's login server and Microsoft Graph, over HTTPS on 127.0.0.1 (msal only talks
https), answering with the shapes documented at learn.microsoft.com:

* ``GET /{tenant}/v2.0/.well-known/openid-configuration`` and ``POST /{tenant}/oauth2/v2.0/token``
  (client credentials: ``{"token_type": "Bearer", "expires_in": 3599, "access_token": ...}``; a wrong secret gets
  ``401 {"error": "invalid_client", ...}`` with AADSTS7000215),
* ``GET /v1.0/users`` (paged: ``@odata.nextLink``),
* ``GET /v1.0/users/{id}/mailboxSettings/automaticRepliesSetting``,
* ``GET /v1.0/users/{id}/calendarView/delta`` and ``/contacts/delta`` (pages with ``@odata.nextLink``, the last
  with ``@odata.deltaLink``; a delta round returns what changed since, removed items as
  ``{"id": ..., "@removed": {"reason": "deleted"}}``),
* throttling (``429`` with ``Retry-After`` and Graph's error body) and an expired token (``401``
  ``InvalidAuthenticationToken``).

Tests change the data between syncs (``fake.set_event``, ``fake.remove_event`` ...) and read ``fake.log``."""

from __future__ import annotations

import datetime as dt
import json
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from tests.harness.asterisk_harness import free_port

PAGE = 2  # items per page: small, so paging is exercised


def self_signed(folder: Path) -> tuple[Path, Path]:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "graph-fake.localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "graph-fake.crt", folder / "graph-fake.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Directory:
    """One fake tenant's data, with a change counter for delta rounds."""

    def __init__(self, tenant_id: str, client_id: str, secret: str) -> None:
        self.tenant_id, self.client_id, self.secret = tenant_id, client_id, secret
        self.users: dict[str, dict] = {}
        self.version = 0
        self.events: dict[str, dict[str, tuple[int, dict | None]]] = {}  # user -> id -> (version, event | None)
        self.contacts: dict[str, dict[str, tuple[int, dict | None]]] = {}
        self.replies: dict[str, dict] = {}

    def add_user(self, user_id: str, mail: str, name: str) -> None:
        self.users[user_id] = {"id": user_id, "displayName": name, "mail": mail, "userPrincipalName": mail}
        self.events.setdefault(user_id, {})
        self.contacts.setdefault(user_id, {})
        self.replies[user_id] = {"status": "disabled", "externalAudience": "all",
                                 "scheduledStartDateTime": {"dateTime": "2026-01-01T00:00:00.0000000", "timeZone": "UTC"},
                                 "scheduledEndDateTime": {"dateTime": "2026-01-02T00:00:00.0000000", "timeZone": "UTC"},
                                 "internalReplyMessage": "", "externalReplyMessage": ""}

    def _bump(self) -> int:
        self.version += 1
        return self.version

    def set_event(self, user_id: str, event_id: str, start: dt.datetime, end: dt.datetime, *, show_as: str = "busy",
                  location: str = "", subject: str = "Møte") -> None:
        self.events[user_id][event_id] = (self._bump(), {
            "@odata.type": "#microsoft.graph.event", "id": event_id, "subject": subject, "isAllDay": False,
            "isCancelled": False, "showAs": show_as, "type": "singleInstance",
            "start": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"},
            "end": {"dateTime": end.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"},
            "location": {"displayName": location, "locationType": "default"}})

    def remove_event(self, user_id: str, event_id: str) -> None:
        self.events[user_id][event_id] = (self._bump(), None)

    def set_contact(self, user_id: str, contact_id: str, name: str, *, company: str = "", email: str = "",
                    mobile: str = "") -> None:
        self.contacts[user_id][contact_id] = (self._bump(), {
            "@odata.etag": f'W/"{self.version}"', "id": contact_id, "displayName": name, "companyName": company,
            "jobTitle": "", "emailAddresses": [{"name": name, "address": email}] if email else [],
            "businessPhones": [], "mobilePhone": mobile or None, "homePhones": []})

    def remove_contact(self, user_id: str, contact_id: str) -> None:
        self.contacts[user_id][contact_id] = (self._bump(), None)

    def set_out_of_office(self, user_id: str, start: dt.datetime, end: dt.datetime) -> None:
        self.replies[user_id].update({
            "status": "scheduled", "internalReplyMessage": "<html><body>Jeg er på ferie.</body></html>",
            "scheduledStartDateTime": {"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"},
            "scheduledEndDateTime": {"dateTime": end.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}})


class GraphFake:
    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"https://127.0.0.1:{self.port}"
        self.directories: dict[str, Directory] = {}
        self.tokens: dict[str, str] = {}  # access token -> tenant id
        self.log: list[dict] = []  # every request: time, method, path, query, status
        self.throttle: dict[str, int] = {}  # path fragment -> Retry-After seconds (once)
        self.expire_after: int | None = None  # after this many Graph requests, every token issued so far expires
        self._folder = Path(tempfile.mkdtemp(prefix="graph-fake-"))
        self.ca_file, key = self_signed(self._folder)
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.ca_file, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True, name="graph-fake")

    def __enter__(self) -> GraphFake:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
        self.server.shutdown()
        self.server.server_close()

    def directory(self, tenant_id: str, client_id: str, secret: str) -> Directory:
        self.directories[tenant_id] = Directory(tenant_id, client_id, secret)
        return self.directories[tenant_id]

    def requests_to(self, fragment: str) -> list[dict]:
        return [r for r in self.log if fragment in r["path"]]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        return type("Handler", (_Handler,), {"fake": self})


class _Handler(BaseHTTPRequestHandler):
    fake: GraphFake

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass

    def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; odata.metadata=minimal")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.fake.log[-1]["status"] = status

    def do_POST(self) -> None:  # noqa: N802
        url = urlparse(self.path)
        self.fake.log.append({"at": time.monotonic(), "method": "POST", "path": url.path, "query": {}})
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode())
        tenant_id = url.path.split("/")[1]
        d = self.fake.directories.get(tenant_id)
        if not url.path.endswith("/oauth2/v2.0/token") or d is None:
            return self._send(400, {"error": "invalid_request", "error_description": "AADSTS90002: Tenant not found."})
        if (form.get("client_id", [""])[0] != d.client_id or form.get("client_secret", [""])[0] != d.secret
                or form.get("grant_type", [""])[0] != "client_credentials"):
            return self._send(401, {"error": "invalid_client", "error_codes": [7000215],
                                    "error_description": "AADSTS7000215: Invalid client secret provided."})
        token = f"tok-{tenant_id[:8]}-{len(self.fake.tokens) + 1}"
        self.fake.tokens[token] = tenant_id
        self._send(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                         "access_token": token})

    def do_GET(self) -> None:  # noqa: N802
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.fake.log.append({"at": time.monotonic(), "method": "GET", "path": url.path, "query": query})
        parts = url.path.strip("/").split("/")
        if parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            t = parts[0]
            return self._send(200, {"token_endpoint": f"{self.fake.base}/{t}/oauth2/v2.0/token",
                                    "authorization_endpoint": f"{self.fake.base}/{t}/oauth2/v2.0/authorize",
                                    "issuer": f"{self.fake.base}/{t}/v2.0", "token_endpoint_auth_methods_supported":
                                    ["client_secret_post", "private_key_jwt", "client_secret_basic"]})
        d = self._authorized()
        if d is None:
            return None
        for fragment, wait in list(self.fake.throttle.items()):
            if fragment in url.path:
                del self.fake.throttle[fragment]
                return self._send(429, {"error": {"code": "TooManyRequests", "message": "Please retry again later."}},
                                  {"Retry-After": str(wait)})
        return self._graph(d, parts[1:], query)

    def _authorized(self) -> Directory | None:
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        graph_requests = sum(1 for r in self.fake.log if r["path"].startswith("/v1.0"))
        if self.fake.expire_after is not None and graph_requests > self.fake.expire_after:
            self.fake.expire_after = None
            self.fake.tokens = {t: tid for t, tid in self.fake.tokens.items() if t != token}
        if token not in self.fake.tokens:
            self._send(401, {"error": {"code": "InvalidAuthenticationToken",
                                       "message": "Access token has expired or is not yet valid."}})
            return None
        return self.fake.directories[self.fake.tokens[token]]

    def _graph(self, d: Directory, parts: list[str], query: dict) -> None:
        if parts == ["users"]:
            return self._paged(list(d.users.values()), query, "users", delta=False)
        if len(parts) == 4 and parts[0] == "users" and parts[2:] == ["mailboxSettings", "automaticRepliesSetting"]:
            return self._send(200, {"@odata.context": "...automaticRepliesSetting", **d.replies[parts[1]]})
        if len(parts) == 4 and parts[0] == "users" and parts[3] == "delta" and parts[2] in ("calendarView", "contacts"):
            store = d.events if parts[2] == "calendarView" else d.contacts
            if parts[2] == "calendarView" and "$deltatoken" not in query and "$skiptoken" not in query and not (
                    "startDateTime" in query and "endDateTime" in query):
                return self._send(400, {"error": {"code": "ErrorInvalidParameter",
                                                  "message": "startDateTime and endDateTime are required."}})
            since = int(query.get("$deltatoken", "0"))
            items = [(e if e is not None else {"id": i, "@removed": {"reason": "deleted"}})
                     for i, (ver, e) in sorted(store[parts[1]].items()) if ver > since
                     and (e is not None or since > 0)]
            return self._paged(items, query, "/".join(["users", *parts[1:]]), delta=True)
        return self._send(404, {"error": {"code": "ResourceNotFound", "message": "Resource not found."}})

    def _paged(self, items: list[dict], query: dict, path: str, *, delta: bool) -> None:
        skip = int(query.get("$skiptoken", "0"))
        body: dict = {"value": items[skip:skip + PAGE]}
        keep = {k: v for k, v in query.items() if k in ("$deltatoken",)}
        extra = "".join(f"&{k}={v}" for k, v in keep.items())
        if skip + PAGE < len(items):
            body["@odata.nextLink"] = f"{self.fake.base}/v1.0/{path}?$skiptoken={skip + PAGE}{extra}"
        elif delta:
            d = self.fake.directories[self.fake.tokens[self.headers["Authorization"].removeprefix("Bearer ")]]
            body["@odata.deltaLink"] = f"{self.fake.base}/v1.0/{path}?$deltatoken={d.version}"
        self._send(200, body)
