"""Calls and supervision: wiring (what this feature handles)."""

from __future__ import annotations

from engine.features.calls import commands, state
from engine.registry import Registry


def load(registry: Registry) -> None:
    registry.state_part("calls", state.calls_snapshot)
    registry.on_event("Newchannel", state.on_newchannel)
    registry.on_event("Newstate", state.on_newstate)
    registry.on_event("NewCallerid", state.on_new_callerid)
    registry.on_event("NewConnectedLine", state.on_new_connected_line)
    registry.on_event("BridgeEnter", state.on_bridge_enter)
    registry.on_event("BridgeLeave", state.on_bridge_leave)
    registry.on_event("Hangup", state.on_hangup)
    # Resync: CoreShowChannels answers one CoreShowChannel per channel.
    registry.on_event("CoreShowChannel", state.on_core_show_channel)
    registry.resync({"Action": "CoreShowChannels"}, sources={
        name: "CoreShowChannel" for name in ("Newchannel", "Newstate", "NewCallerid", "NewConnectedLine",
                                             "BridgeEnter", "BridgeLeave", "Hangup")})
    registry.on_command("originate", commands.Originate, commands.originate)
    registry.on_command("hangup", commands.Hangup, commands.hangup)
    registry.on_command("supervise", commands.Supervise, commands.supervise)
