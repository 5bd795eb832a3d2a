"""Checks every command makes before it touches Asterisk: the channel, queue, interface or member belongs to the
asking agency (from generated names only), and Asterisk accepted the action."""

from __future__ import annotations

from asterisk_conf import naming
from engine.commands import CommandRefused
from engine.guard import UnsafeValue, channel_name
from engine.state import LiveState

_INTERFACE = naming.INTERFACE_RE


def own_interface(agency: str, value: str) -> str:
    m = _INTERFACE.fullmatch(value or "")
    if not m or m.group("slug") != agency:
        raise CommandRefused("grensesnittet tilhører ikke etaten")
    return value


def own_queue(agency: str, value: str) -> str:
    parsed = naming.parse_queue_name(value)
    if parsed is None or parsed[0] != agency:
        raise CommandRefused("køen tilhører ikke etaten")
    return value


def own_member(agency: str, value: str) -> str:
    parsed = naming.parse_member_name(value)
    if parsed is None or parsed[0] != agency:
        raise CommandRefused("agenten tilhører ikke etaten")
    return value


def own_channel(agency: str, state: LiveState, value: str) -> str:
    try:
        channel_name(value)
    except UnsafeValue as exc:
        raise CommandRefused(str(exc)) from exc
    if naming.agency_of(value) != agency:
        raise CommandRefused("kanalen tilhører ikke etaten")
    if not has_channel(agency, state, value):
        raise CommandRefused("kanalen finnes ikke (lenger)")
    return value


def has_channel(agency: str, state: LiveState, channel: str) -> bool:
    live = state.agencies.get(agency)
    return live is not None and any(ch.channel == channel for ch in live.channels.values())


def peer_of(agency: str, state: LiveState, channel: str) -> str:
    """The other party bridged with ``channel``. It must be the agency's own channel: a call between
    agencies passes the boundary (a Local channel pair per agency, see asterisk_conf.render), so the peer
    of an agency's phone is that agency's half of the pair. A bridge that holds another agency's channel
    (a call that did not pass the boundary, or the boundary's own middle bridge) is refused, so a command
    can never move, transfer or hang up a channel of another agency."""
    live = state.agencies[agency]
    mine = next(ch for ch in live.channels.values() if ch.channel == channel)
    if not mine.bridge:
        raise CommandRefused("samtalen er ikke koblet opp")
    others = [(slug, ch.channel) for slug, agency_live in state.agencies.items()
              for ch in agency_live.channels.values() if ch.bridge == mine.bridge and ch.channel != channel]
    if any(slug != agency or naming.agency_of(name) != agency for slug, name in others):
        raise CommandRefused("motparten tilhører en annen etat")
    if not others:
        raise CommandRefused("fant ikke motparten")
    return others[0][1]


def check(resp: object) -> dict:
    """Asterisk's answer, or CommandRefused with its message."""
    if not isinstance(resp, dict) or resp.get("Response") != "Success":
        message = resp.get("Message", "") if isinstance(resp, dict) else ""
        raise CommandRefused(f"Asterisk avviste: {message}")
    return resp
