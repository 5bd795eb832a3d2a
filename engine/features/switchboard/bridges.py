"""The ARI operations the attendant console uses, each on IDs built by ``asterisk_conf.naming`` (checked again by
``engine.ari._path_part`` before they reach a URL)."""

from __future__ import annotations

import contextlib

from asterisk_conf import naming
from engine.ari import AriError, AriLink, _path_part

STASIS_APP = naming.STASIS_APP


async def ensure_bridge(link: AriLink, bridge_id: str, *, holding: bool, moh_class: str = "") -> None:
    """Create the bridge (or keep it: ARI's POST /bridges/{id} creates or updates); a holding bridge plays music."""
    try:
        await link.request("POST", f"/bridges/{_path_part(bridge_id)}", type="holding" if holding else "mixing",
                           name=bridge_id)
    except AriError as exc:
        if " 409 " not in str(exc):  # 409: it exists already
            raise
    if holding and moh_class:
        with contextlib.suppress(AriError):  # already playing
            await link.request("POST", f"/bridges/{_path_part(bridge_id)}/moh", mohClass=moh_class)


async def move(link: AriLink, channel: str, *, to: str, from_: str = "") -> None:
    """Move a channel into bridge ``to`` (out of ``from_`` first: ARI refuses a channel that is in another bridge)."""
    if from_:
        with contextlib.suppress(AriError):
            await link.request("POST", f"/bridges/{_path_part(from_)}/removeChannel", channel=channel)
    await link.request("POST", f"/bridges/{_path_part(to)}/addChannel", channel=channel)


async def destroy_bridge(link: AriLink, bridge_id: str) -> None:
    with contextlib.suppress(AriError):
        await link.request("DELETE", f"/bridges/{_path_part(bridge_id)}")


async def hangup(link: AriLink, channel: str) -> None:
    if channel:
        with contextlib.suppress(AriError):
            await link.request("DELETE", f"/channels/{_path_part(channel)}")


async def set_var(link: AriLink, channel: str, name: str, value: str) -> None:
    await link.request("POST", f"/channels/{_path_part(channel)}/variable", variable=name, value=value)


async def get_var(link: AriLink, channel: str, name: str) -> str:
    try:
        answer = await link.request("GET", f"/channels/{_path_part(channel)}/variable", variable=name)
    except AriError:
        return ""
    return str(answer.get("value", "")) if isinstance(answer, dict) else ""


async def originate(link: AriLink, channel_id: str, *, endpoint: str, role: str, caller_id: str,
                    timeout: int) -> None:
    """A new leg into our Stasis application; it enters the application when answered (``StasisStart``)."""
    await link.request("POST", f"/channels/{_path_part(channel_id)}", endpoint=endpoint, app=STASIS_APP,
                       appArgs=role, callerId=caller_id, timeout=str(timeout))


def queue_bridge(slug: str) -> str:
    return naming.switchboard_id(slug, "queue")


def hold_bridge(slug: str, call_id: str) -> str:
    return naming.switchboard_id(slug, "hold", call_id)


def call_bridge(slug: str, call_id: str) -> str:
    return naming.switchboard_id(slug, "call", call_id)
