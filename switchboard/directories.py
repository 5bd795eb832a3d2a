"""Phone directories: the agency's own people plus external directories (LDAP with ``ldap3``, an HTTP/JSON service
with ``httpx``), configured per agency (``DirectorySource``). Searches and reverse look-ups of incoming numbers ask
every active source in parallel, each one time-boxed (``timeout_ms``): a slow or down directory is left out and
named as unavailable, it never delays a call. Reverse look-ups are cached per source for ``cache_seconds`` (Django's
cache framework). See docs/kataloger.md."""

from __future__ import annotations

import concurrent.futures
import logging
import math
import re
from dataclasses import asdict, dataclass, field

import httpx
from django.core.cache import cache
from django.db import connection

from switchboard.models import DirectorySource

logger = logging.getLogger(__name__)
_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="directory")
_DIGITS = re.compile(r"\+?[0-9]{3,20}")


@dataclass
class Entry:
    name: str
    title: str = ""
    department: str = ""
    company: str = ""
    numbers: list[str] = field(default_factory=list)
    email: str = ""
    source: str = ""
    person_id: int | None = None  # the agency's own person (messages, presence)

    def as_dict(self) -> dict:
        return asdict(self)


class DirectoryUnavailable(RuntimeError):
    pass


def _variants(number: str) -> list[str]:
    """A number as directories may store it: +4791234567, 4791234567, 91234567."""
    digits = number.lstrip("+")
    out = [number, digits]
    if digits.startswith("47") and len(digits) == 10:
        out += [digits[2:], f"+{digits}"]
    elif len(digits) == 8:
        out += [f"+47{digits}", f"47{digits}"]
    return list(dict.fromkeys(out))


# --- LDAP --------------------------------------------------------------------------------------------------------------

def _ldap_entries(source: DirectorySource, ldap_filter: str, limit: int) -> list[Entry]:
    import ldap3
    from ldap3.core.exceptions import LDAPException

    from tenants.selectors import NodeSecretError, node_secret

    timeout = source.timeout_ms / 1000
    try:
        password = node_secret(node=source) if source.secret_ref else None
        server = ldap3.Server(source.url, connect_timeout=timeout, get_info=ldap3.NONE)
        with ldap3.Connection(server, user=source.bind_dn or None, password=password, auto_bind=True,
                              receive_timeout=max(1, math.ceil(timeout)), read_only=True) as conn:
            conn.search(source.base_dn, ldap_filter, size_limit=limit, time_limit=max(1, int(timeout + 0.999)),
                        attributes=["cn", "title", "departmentNumber", "ou", "o", "telephoneNumber", "mobile", "mail"])
            rows = list(conn.entries)
    except (LDAPException, NodeSecretError, OSError) as exc:
        raise DirectoryUnavailable(str(exc)) from exc

    def first(row, attr: str) -> str:  # type: ignore[no-untyped-def]
        values = row.entry_attributes_as_dict.get(attr) or []
        return str(values[0]) if values else ""

    return [Entry(name=first(r, "cn"), title=first(r, "title"), department=first(r, "departmentNumber") or first(r, "ou"),
                  company=first(r, "o"), email=first(r, "mail"), source=source.name,
                  numbers=[str(n) for attr in ("telephoneNumber", "mobile")
                           for n in r.entry_attributes_as_dict.get(attr) or []]) for r in rows]


def _ldap_search(source: DirectorySource, query: str, limit: int) -> list[Entry]:
    from ldap3.utils.conv import escape_filter_chars

    words = [escape_filter_chars(w) for w in query.split()][:5]
    if not words:
        return []
    parts = "".join(f"(|(cn=*{w}*)(title=*{w}*)(ou=*{w}*)(departmentNumber=*{w}*)(mail=*{w}*)"
                    f"(telephoneNumber=*{w}*)(mobile=*{w}*))" for w in words)
    return _ldap_entries(source, f"(&(objectClass=person){parts})", limit)


def _ldap_lookup(source: DirectorySource, number: str) -> list[Entry]:
    from ldap3.utils.conv import escape_filter_chars

    alts = "".join(f"(telephoneNumber={escape_filter_chars(n)})(mobile={escape_filter_chars(n)})"
                   for n in _variants(number))
    return _ldap_entries(source, f"(&(objectClass=person)(|{alts}))", 1)


# --- HTTP (JSON) -------------------------------------------------------------------------------------------------------

def _http(source: DirectorySource, params: dict[str, str]) -> list[Entry]:
    """``GET <url>?q=...`` or ``?number=...`` answering ``{"results": [{"name", "title", "department", "company",
    "numbers": [...], "email"}]}`` (docs/kataloger.md); a bearer token from the source's secret if it has one."""
    from tenants.selectors import NodeSecretError, node_secret

    try:
        headers = {"Authorization": f"Bearer {node_secret(node=source)}"} if source.secret_ref else {}
        response = httpx.get(source.url, params=params, headers=headers, timeout=source.timeout_ms / 1000)
        response.raise_for_status()
        rows = response.json().get("results", [])
    except (httpx.HTTPError, ValueError, AttributeError, NodeSecretError) as exc:
        raise DirectoryUnavailable(str(exc)) from exc
    out = []
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and isinstance(row.get("name"), str):
            out.append(Entry(name=row["name"][:150], title=str(row.get("title", ""))[:150],
                             department=str(row.get("department", ""))[:150], company=str(row.get("company", ""))[:150],
                             numbers=[str(n)[:20] for n in row.get("numbers", []) if isinstance(n, str | int)][:5],
                             email=str(row.get("email", ""))[:254], source=source.name))
    return out


def _search(source: DirectorySource, query: str, limit: int) -> list[Entry]:
    if source.kind == "ldap":
        return _ldap_search(source, query, limit)
    return _http(source, {"q": query})[:limit]


def _lookup(source: DirectorySource, number: str) -> list[Entry]:
    if source.kind == "ldap":
        return _ldap_lookup(source, number)
    return _http(source, {"number": number})[:1]


# --- the agency's own people -------------------------------------------------------------------------------------------

def _own_search(query: str, limit: int) -> list[Entry]:
    from switchboard.selectors import person_search

    return [Entry(name=str(p), title=p.title, department=p.department, email=p.email, source="",
                  numbers=[e.number for e in p.extensions.all()] + ([p.mobile] if p.mobile else []), person_id=p.pk)
            for p in person_search(query=query, limit=limit)]


def _own_lookup(number: str) -> Entry | None:
    from switchboard.selectors import person_by_number

    person = person_by_number(number=number)
    if person is None:
        return None
    return Entry(name=str(person), title=person.title, department=person.department, email=person.email,
                 person_id=person.pk)


# --- entry points ------------------------------------------------------------------------------------------------------

def _run_boxed(sources: list[DirectorySource], work) -> tuple[list[list[Entry]], list[str]]:  # type: ignore[no-untyped-def]
    """Run ``work(source)`` for every source in parallel, each within its own time limit."""
    futures = [(s, _POOL.submit(work, s)) for s in sources]
    results, unavailable = [], []
    for source, future in futures:
        try:
            results.append(future.result(timeout=source.timeout_ms / 1000 + 0.05))
        except Exception as exc:  # down, too slow, or answering nonsense: the same to the operator
            logger.info("katalogen %s svarte ikke: %s", source.name, exc or "tidsavbrudd")
            unavailable.append(source.name)
            results.append([])
    return results, unavailable


def directory_search(*, query: str, limit: int = 20) -> dict:
    """People of the agency and of every active external directory matching ``query`` (run inside the agency's
    schema). ``unavailable`` names the directories that did not answer in time."""
    query = " ".join(query.split())[:100]
    if not query:
        return {"results": [], "unavailable": []}
    own = _own_search(query, limit)
    sources = list(DirectorySource.objects.filter(is_active=True).order_by("name"))
    found, unavailable = _run_boxed(sources, lambda s: _search(s, query, limit))
    rows = own + [e for entries in found for e in entries]
    return {"results": [e.as_dict() for e in rows[:limit * 2]], "unavailable": unavailable}


def reverse_lookup(*, number: str) -> dict:
    """Who is calling from ``number``: the agency's own people first, then the external directories (cached per
    source for its ``cache_seconds``). ``unavailable`` names the directories that did not answer in time."""
    number = (number or "").strip()
    if not _DIGITS.fullmatch(number):
        return {"match": None, "unavailable": []}
    own = _own_lookup(number)
    if own is not None:
        return {"match": own.as_dict(), "unavailable": []}
    sources = list(DirectorySource.objects.filter(is_active=True).order_by("name"))
    keys = {s.pk: f"sb-dir:{connection.schema_name}:{s.pk}:{number}" for s in sources}
    cached = {s.pk: cache.get(keys[s.pk]) for s in sources}
    ask = [s for s in sources if cached[s.pk] is None]
    found, unavailable = _run_boxed(ask, lambda s: _lookup(s, number))
    for source, entries in zip(ask, found, strict=True):
        if source.name not in unavailable:
            cached[source.pk] = [e.as_dict() for e in entries]
            cache.set(keys[source.pk], cached[source.pk], timeout=source.cache_seconds)
    match = next((rows[0] for s in sources for rows in [cached.get(s.pk) or []] if rows), None)
    return {"match": match, "unavailable": unavailable}
