"""Device state of the agency's phones (what busy-lamp hints show), from AMI ``DeviceStateChange``; rebuilt at
resync by ``DeviceStateList``. The presence merge (switchboard.presence) reads it as the phone source."""

from __future__ import annotations

from asterisk_conf import naming

KEY = "phones"


def on_device_state(state, live, event: dict[str, str]) -> list[dict]:  # type: ignore[no-untyped-def]
    device = event.get("Device", "")
    if not naming.INTERFACE_RE.fullmatch(device):
        return []
    value = event.get("State", "UNKNOWN")[:20]
    phones = live.parts.setdefault(KEY, {})
    if phones.get(device) == value:
        return []
    phones[device] = value
    return [{"kind": "phone", "uniqueid": f"phone:{device}", "endpoint": device, "state": value}]


def phones_snapshot(live) -> dict:  # type: ignore[no-untyped-def]
    return dict(live.parts.get(KEY, {}))
