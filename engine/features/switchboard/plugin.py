"""The attendant console (sentralbord): wiring, explicit as in wazo-calld's plugins: the service (the node's
switchboard calls), the Stasis handlers that build it, the pick-up after a (re)connect, the snapshot part and the
operators' commands."""

from __future__ import annotations

from engine.features.switchboard import commands, devices, handlers
from engine.features.switchboard.state import Switchboard
from engine.registry import Registry


def load(registry: Registry) -> None:
    registry.service("switchboard", Switchboard)
    registry.on_stasis("StasisStart", handlers.stasis_start)
    registry.on_stasis("StasisEnd", handlers.channel_left)
    registry.on_stasis("ChannelDestroyed", handlers.channel_left)
    registry.on_ari_connected(handlers.pick_up)
    registry.stasis_part("switchboard", lambda node, slug: handlers.service(node).snapshot(slug))
    # Phone device state (busy-lamp hints), the phone source of the presence merge.
    registry.state_part("phones", devices.phones_snapshot)
    registry.on_event("DeviceStateChange", devices.on_device_state, aliases={"Channel": "Device"})
    registry.resync({"Action": "DeviceStateList"}, sources={"DeviceStateChange": "DeviceStateChange"})
    registry.on_command("sb_answer", commands.Answer, commands.answer)
    registry.on_command("sb_hold", commands.Hold, commands.hold)
    registry.on_command("sb_transfer", commands.Transfer, commands.transfer)
    registry.on_command("sb_complete", commands.Finish, commands.complete)
    registry.on_command("sb_cancel", commands.Finish, commands.cancel)
    registry.on_command("sb_hangup", commands.Finish, commands.hangup)
