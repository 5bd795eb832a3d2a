"""The calendar and mobile sources of the presence merge (``switchboard.presence``).

- ``StoredCalendar``: what a calendar sync stored in ``CalendarPresence`` (the Microsoft 365 sync fills it).
- ``HttpMobilePresence``: a mobile operator's presence API over HTTP, in the shape written down in
  docs/tilstedevaerelse.md (``POST <url>/presence/query`` with the numbers, bearer key). Another operator's API is
  another class with the same ``states(numbers)``; the merge only knows the ``MobilePresenceAdapter`` interface.
"""

from __future__ import annotations

import datetime as dt
import logging

import httpx

from switchboard.models import CalendarPresence, MobilePresenceSource
from switchboard.presence import CalendarState, MobileState

logger = logging.getLogger(__name__)
MOBILE_STATES = {"idle": "idle", "busy": "in_call", "in_call": "in_call", "unreachable": "unreachable",
                 "off": "unreachable"}


class StoredCalendar:
    def current(self, person_ids: list[int]) -> dict[int, CalendarState]:
        return {row.person_id: CalendarState(row.state, row.until, row.location)
                for row in CalendarPresence.objects.filter(person_id__in=person_ids)}


class HttpMobilePresence:
    def __init__(self, *, url: str, key: str, timeout: float) -> None:
        self.url, self.key, self.timeout = url.rstrip("/"), key, timeout

    def states(self, numbers: list[str]) -> dict[str, MobileState]:
        """The state of each number; numbers the API does not know are left out. Raises httpx.HTTPError/ValueError
        when the API is down, slow or answers something else (the merge then goes without the mobile source)."""
        if not numbers:
            return {}
        response = httpx.post(f"{self.url}/presence/query", json={"msisdns": [n.lstrip("+") for n in numbers]},
                              headers={"Authorization": f"Bearer {self.key}"}, timeout=self.timeout)
        response.raise_for_status()
        out = {}
        for row in response.json().get("results", []):
            state = MOBILE_STATES.get(str(row.get("state", "")))
            if state is None:
                continue
            since = None
            try:
                since = dt.datetime.fromisoformat(str(row.get("since", "")).replace("Z", "+00:00"))
            except ValueError:
                pass
            out["+" + str(row.get("msisdn", "")).lstrip("+")] = MobileState(state, since)
        return out


def mobile_adapter() -> HttpMobilePresence | None:
    """The agency's mobile presence API (run inside the agency's schema), or None."""
    from tenants.selectors import NodeSecretError, node_secret

    source = MobilePresenceSource.objects.filter(is_active=True).first()
    if source is None:
        return None
    try:
        key = node_secret(node=_Named(source))
    except NodeSecretError as exc:
        logger.warning("mobil tilstedeværelse: %s", exc)
        return None
    return HttpMobilePresence(url=source.url, key=key, timeout=source.timeout_ms / 1000)


class _Named:
    def __init__(self, source: MobilePresenceSource) -> None:
        self.name, self.secret_ref = "mobil tilstedeværelse", source.secret_ref


# Microsoft 365's words (calendar showAs, out of office) in the presence rule's words.
M365_STATES = {"oof": "oof", "busy": "busy", "tentative": "tentative", "workingElsewhere": "elsewhere", "free": "free"}


class Microsoft365Calendar:
    """The calendars synced from Microsoft 365 (switchboard.m365, docs/kalender.md): out of office first, then the
    strongest entry covering now. People whose calendar is not synced are left out."""

    def current(self, person_ids: list[int]) -> dict[int, CalendarState]:
        from django.utils import timezone

        from switchboard.selectors import calendar_status_for_person

        now, out = timezone.now(), {}
        for pid in person_ids:
            status = calendar_status_for_person(person_id=pid, at=now)
            if status is not None and status.state in M365_STATES:
                out[pid] = CalendarState(M365_STATES[status.state], status.until, status.location)
        return out
