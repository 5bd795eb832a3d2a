"""How agency objects map to Asterisk object names. Names are built only from the
agency's validated slug and database IDs, never from free text."""

from __future__ import annotations

import re

from tenants.validators import SLUG_PATTERN, SLUG_RE


class NamingError(ValueError):
    pass


def checked_slug(slug: str) -> str:
    """``slug`` if it is a valid agency short name, else NamingError."""
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        raise NamingError(f"ugyldig kortnavn: {slug!r}")
    return slug


def _id(pk: object) -> int:
    if not isinstance(pk, int) or isinstance(pk, bool) or pk <= 0:
        raise NamingError(f"ugyldig ID: {pk!r}")
    return pk


def endpoint_name(slug: str, phone_id: int) -> str:
    """PJSIP endpoint, aor and SIP username of a phone: ``fhi-p12``."""
    return f"{checked_slug(slug)}-p{_id(phone_id)}"


def phone_interface(slug: str, phone_id: int) -> str:
    """The dial interface (and channel-name stem) of a phone: ``PJSIP/fhi-p12``."""
    return f"PJSIP/{endpoint_name(slug, phone_id)}"


def phone_channel_prefix(slug: str, phone_id: int) -> str:
    """What every channel of the phone starts with: ``PJSIP/fhi-p12-``."""
    return f"{phone_interface(slug, phone_id)}-"


def parse_phone_channel(channel: str) -> tuple[str, int] | None:
    """(slug, phone ID) of a phone's channel ``PJSIP/fhi-p12-0000001a`` (or of an endpoint name), else None."""
    return parse_endpoint(channel.removeprefix("PJSIP/").rsplit("-", 1)[0])


def auth_name(slug: str, phone_id: int) -> str:
    return f"{endpoint_name(slug, phone_id)}-auth"


def context(slug: str, role: str) -> str:
    """Dialplan context of an agency: ``t-fhi-phones``, ``t-fhi-internal``, ..."""
    if role not in CONTEXT_ROLES:
        raise NamingError(f"ukjent kontekstrolle: {role!r}")
    return f"t-{checked_slug(slug)}-{role}"


CONTEXT_ROLES = ("phones", "internal", "dest", "outbound", "did", "holidays", "ivr", "queue", "c2c", "xfer", "hold",
                 "xout", "xin", "cbq", "cbph", "dialer")


def queue_name(slug: str, queue_id: int) -> str:
    return f"t-{checked_slug(slug)}-q{_id(queue_id)}"


def moh_class(slug: str, moh_id: int) -> str:
    return f"t-{checked_slug(slug)}-m{_id(moh_id)}"


def default_moh_class(slug: str) -> str:
    return f"t-{checked_slug(slug)}-default"


def voicemail_context(slug: str) -> str:
    return f"t-{checked_slug(slug)}"


def destination_exten(kind: str, ref: int) -> str:
    """Extension in the agency's ``dest`` context for a destination: ``queue-3``."""
    if kind not in ("extension", "voicemail", "ivr", "queue"):
        raise NamingError(f"ukjent måltype: {kind!r}")
    return f"{kind}-{_id(ref)}"


def agent_member_name(slug: str, agent_id: int) -> str:
    """Queue member name of an agent: ``fhi-a3``."""
    return f"{checked_slug(slug)}-a{_id(agent_id)}"


_MEMBER = re.compile(rf"(?P<slug>{SLUG_PATTERN})-a(?P<id>[0-9]{{1,12}})")
_QUEUE = re.compile(rf"t-(?P<slug>{SLUG_PATTERN})-q(?P<id>[0-9]{{1,12}})")
_ENDPOINT = re.compile(rf"(?P<slug>{SLUG_PATTERN})-p(?P<id>[0-9]{{1,12}})")
INTERFACE_RE = re.compile(rf"PJSIP/{_ENDPOINT.pattern}")  # a phone's dial interface, as phone_interface builds it


def parse_member_name(name: str) -> tuple[str, int] | None:
    m = _MEMBER.fullmatch(name or "")
    return (m.group("slug"), int(m.group("id"))) if m else None


def parse_queue_name(name: str) -> tuple[str, int] | None:
    m = _QUEUE.fullmatch(name or "")
    return (m.group("slug"), int(m.group("id"))) if m else None


def parse_endpoint(name: str) -> tuple[str, int] | None:
    m = _ENDPOINT.fullmatch(name or "")
    return (m.group("slug"), int(m.group("id"))) if m else None


_LOCAL = re.compile(rf"Local/(?P<exten>[0-9*#a-z-]{{1,40}})@t-(?P<slug>{SLUG_PATTERN})-(?P<role>[a-z]{{2,12}})"
                    r"-[0-9a-f]{8};(?P<half>[12])")


def parse_local_channel(name: str) -> tuple[str, str, int] | None:
    """A Local channel half we generated: ``Local/4755549810@t-nkh-xin-0000001f;2`` -> ("nkh", "xin", 2)."""
    m = _LOCAL.fullmatch(name or "")
    return (m.group("slug"), m.group("role"), int(m.group("half"))) if m else None


_NAME_PATTERNS = (
    re.compile(rf"^(?:PJSIP/)?(?P<slug>{SLUG_PATTERN})-p(?P<id>[0-9]+)(?:-[0-9a-f]+)?$"),
    re.compile(rf"^t-(?P<slug>{SLUG_PATTERN})-"),
    re.compile(rf"^Local/[0-9*#a-z-]+@t-(?P<slug>{SLUG_PATTERN})-[a-z]+-[0-9a-f]+;[12]$"),
    re.compile(rf"^(?P<slug>{SLUG_PATTERN})-a[0-9]+$"),
)


def agency_of(name: str) -> str | None:
    """Which agency an Asterisk object (endpoint, channel, queue, context) belongs to, or None."""
    for pattern in _NAME_PATTERNS:
        match = pattern.match(name or "")
        if match:
            return match.group("slug")
    return None


# --- the attendant console (ARI bridges and channels the engine creates) ---------------------------------------------

STASIS_APP = "controlplane"  # the engine's ARI application (engine.core.ARI_APP)
SWITCHBOARD_APP_ARG = "switchboard"  # the Stasis argument of a call to an agency's switchboard number
_CALL_ID = r"[0-9]{1,12}-[0-9]{1,9}"
SWITCHBOARD_ID_RE = re.compile(
    rf"sb-(?P<slug>{SLUG_PATTERN})-(?:(?P<queue>queue)|(?P<role>hold|call|op|xf)-(?P<call>{_CALL_ID})(?:-(?P<n>[0-9]{{1,6}}))?)")


def switchboard_call_id(uniqueid: str) -> str:
    """The ID of a switchboard call, from its caller channel's Asterisk uniqueid (``1733456789.12`` -> ``1733456789-12``)."""
    call_id = (uniqueid or "").replace(".", "-")
    if not re.fullmatch(_CALL_ID, call_id):
        raise NamingError(f"ugyldig samtale-ID: {uniqueid!r}")
    return call_id


def switchboard_id(slug: str, role: str, call_id: str = "", n: int = 0) -> str:
    """ARI bridge and channel IDs of the attendant console: ``sb-fhi-queue`` (the agency's waiting calls),
    ``sb-fhi-hold-<call>`` (one held call), ``sb-fhi-call-<call>`` (the call with the operator or the person it was
    put through to), ``sb-fhi-op-<call>-<n>`` (the operator's phone leg), ``sb-fhi-xf-<call>-<n>`` (a transfer leg)."""
    slug = checked_slug(slug)
    if role == "queue":
        return f"sb-{slug}-queue"
    if role not in ("hold", "call", "op", "xf") or not re.fullmatch(_CALL_ID, call_id or ""):
        raise NamingError(f"ugyldig sentralbord-ID: {role!r} {call_id!r}")
    return f"sb-{slug}-{role}-{call_id}" + (f"-{int(n)}" if role in ("op", "xf") else "")


def parse_switchboard_id(value: str) -> tuple[str, str, str] | None:
    """(slug, role, call ID) of an ID ``switchboard_id`` built, else None (role ``queue`` has no call ID)."""
    m = SWITCHBOARD_ID_RE.fullmatch(value or "")
    if not m:
        return None
    return (m.group("slug"), "queue", "") if m.group("queue") else (m.group("slug"), m.group("role"), m.group("call"))
