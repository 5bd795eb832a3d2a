"""Microsoft Graph for one agency's Microsoft 365 tenants: app-only tokens with msal, calendars (calendarView
delta), out of office (mailboxSettings/automaticRepliesSetting) and contacts (contacts delta) of the agency's
people, stored in the agency's schema.

Graph's rules are followed as documented: every page's ``@odata.nextLink`` is fetched until the last page gives an
``@odata.deltaLink`` (kept for the next run, so later runs fetch only changes); items with ``@removed`` are deleted;
``429 Too Many Requests`` waits the ``Retry-After`` seconds and tries again; ``401`` (token expired or revoked)
drops the cached token, fetches a new one and tries once more. Writes go through ``switchboard.services``."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import msal
import requests
from django.conf import settings

from switchboard.models import M365Tenant

log = logging.getLogger(__name__)
SCOPE = ["https://graph.microsoft.com/.default"]
MAX_RETRIES = 5
CALENDAR_DAYS = 14  # calendarView window: today and the next two weeks


class GraphError(RuntimeError):
    """Graph refused or failed; the message is for the admin (Norwegian)."""


def tenant_secret(tenant: M365Tenant) -> str:
    """The client secret, read from where ``client_secret_ref`` points (same rules as the Asterisk nodes' secrets)."""
    from tenants.selectors import NodeSecretError, node_secret

    try:
        return node_secret(node=SimpleNamespace(name=tenant.name, secret_ref=tenant.client_secret_ref))  # type: ignore[arg-type]
    except NodeSecretError as exc:
        raise GraphError(f"klienthemmeligheten kan ikke leses: {exc}") from exc


class GraphClient:
    def __init__(self, tenant: M365Tenant) -> None:
        try:
            self._setup(tenant)
        except (requests.RequestException, ValueError) as exc:  # msal: ValueError when discovery fails
            raise GraphError(f"kan ikke nå påloggingstjeneren: {str(exc)[:300]}") from exc

    def _setup(self, tenant: M365Tenant) -> None:
        self.base = tenant.graph_url.rstrip("/")
        self.http = requests.Session()
        self.http.verify = settings.GRAPH_CA_BUNDLE
        if isinstance(settings.GRAPH_CA_BUNDLE, str):
            # requests lets REQUESTS_CA_BUNDLE from the environment override a session's own bundle; a chosen bundle wins.
            self.http.trust_env = False
        self.app = msal.ConfidentialClientApplication(
            tenant.client_id, client_credential=tenant_secret(tenant),
            authority=f"{tenant.authority_host.rstrip('/')}/{tenant.tenant_id}",
            instance_discovery=tenant.authority_host.rstrip("/") == "https://login.microsoftonline.com",
            http_client=self.http)
        self.requests_sent = 0

    def _token(self) -> str:
        try:
            result = self.app.acquire_token_for_client(scopes=SCOPE)
        except (requests.RequestException, ValueError) as exc:
            raise GraphError(f"kan ikke hente token: {str(exc)[:300]}") from exc
        if "access_token" not in result:
            raise GraphError(f"fikk ikke token: {result.get('error')}: {result.get('error_description', '')[:200]}")
        return result["access_token"]

    def get(self, url: str, *, params: dict | None = None) -> dict:
        """One GET with Graph's retry rules (429 + Retry-After; 401 -> new token once)."""
        url = url if url.startswith("http") else f"{self.base}{url}"
        renewed = False
        for _attempt in range(MAX_RETRIES):
            self.requests_sent += 1
            try:
                resp = self.http.get(url, params=params, timeout=30, headers={
                    "Authorization": f"Bearer {self._token()}", "Prefer": 'outlook.timezone="UTC"'})
            except requests.RequestException as exc:
                raise GraphError(f"Graph svarte ikke: {str(exc)[:300]}") from exc
            if resp.status_code == 429 or resp.status_code == 503:
                wait = min(float(resp.headers.get("Retry-After", "5") or 5), 120.0)
                log.info("Graph struper (%s); venter %.0f s", resp.status_code, wait)
                time.sleep(wait)
                continue
            if resp.status_code == 401 and not renewed:
                renewed = True
                self.app.remove_tokens_for_client()
                continue
            if resp.status_code >= 400:
                raise GraphError(f"Graph svarte {resp.status_code} på {url.split('?')[0]}: {resp.text[:200]}")
            return resp.json()
        raise GraphError(f"Graph svarte ikke etter {MAX_RETRIES} forsøk: {url.split('?')[0]}")

    def pages(self, url: str, *, params: dict | None = None) -> Iterator[tuple[list[dict], str]]:
        """Each page's items, with the delta link on the last page ('' otherwise)."""
        while url:
            page = self.get(url, params=params)
            params = None  # nextLink and deltaLink carry their own query
            yield page.get("value", []), page.get("@odata.deltaLink", "")
            url = page.get("@odata.nextLink", "")


def graph_time(value: dict | None) -> datetime | None:
    """Graph's dateTimeTimeZone (UTC, as asked for with Prefer: outlook.timezone) -> aware datetime."""
    if not value or not value.get("dateTime"):
        return None
    text = value["dateTime"].rstrip("Z")
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6]}"
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def calendar_window(now: datetime) -> dict[str, str]:
    start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=CALENDAR_DAYS)
    return {"startDateTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "endDateTime": end.strftime("%Y-%m-%dT%H:%M:%SZ")}
