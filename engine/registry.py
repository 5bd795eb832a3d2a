"""What the enabled features handle, registered explicitly by each feature's ``plugin.load(registry)``.

The core (links, live state, publisher, dispatcher) asks the registry and never imports a feature. The list of
enabled features is ``engine.features.ENABLED``, loaded once by ``default_registry`` (by name, like Django's
INSTALLED_APPS), so the core stays free of feature imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.commands import CommandContext
    from engine.state import AgencyLive, LiveState

FEATURES_MODULE = "engine.features"

EventHandler = Callable[["LiveState", "AgencyLive", dict[str, str]], list[dict]]
SnapshotPart = Callable[["AgencyLive"], dict]
TickHandler = Callable[["LiveState", float], list[tuple[str, dict]]]
CommandHandler = Callable[[Any, "CommandContext"], Awaitable[object]]
# ARI (Stasis): a handler gets the node's ARI side (``engine.stasis.StasisNode``) and one ARI event, and returns the
# changes to publish as (agency slug, change); a pick-up handler runs at every ARI (re)connect.
StasisHandler = Callable[[Any, dict], Awaitable[list[tuple[str, dict]]]]
PickUpHandler = Callable[[Any], Awaitable[list[tuple[str, dict]]]]
ServiceFactory = Callable[[], object]
ActionHandler = Callable[["ActionContext"], Awaitable[None]]
SignalHandler = Callable[["ActionContext", str, dict[str, str]], Awaitable[None]]


@dataclass(frozen=True)
class ActionContext:
    """What a feature's action handler gets every tick (once a second, per node): the node's live state and links,
    and the engine's database thread (run selectors and services there, inside the agency's schema)."""

    node: str
    state: LiveState
    ami: Any  # engine.ami.AmiLink | None
    ari: Any  # engine.ari.AriLink | None
    pool: Any  # concurrent.futures.Executor
    now: float


@dataclass(frozen=True)
class EventSpec:
    handler: EventHandler
    aliases: dict[str, str] = field(default_factory=dict)  # field -> field it is read from (QueueStatus names)


@dataclass(frozen=True)
class CommandSpec:
    request: type  # a dataclass built from the wire's args dict (engine.commands.build_request)
    handler: CommandHandler


@dataclass
class Registry:
    events: dict[str, EventSpec] = field(default_factory=dict)
    commands: dict[str, CommandSpec] = field(default_factory=dict)
    snapshot_parts: dict[str, SnapshotPart] = field(default_factory=dict)
    resync_actions: list[dict[str, str]] = field(default_factory=list)
    resync_sources: dict[str, str] = field(default_factory=dict)  # live-state event -> the resync event it pairs with
    tick_handlers: list[TickHandler] = field(default_factory=list)
    action_handlers: list[ActionHandler] = field(default_factory=list)
    signal_handlers: dict[str, list[SignalHandler]] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)
    # ARI: Stasis event handlers, what to do when the ARI link (re)connects, per-node services (like wazo-calld's
    # plugins: services, Stasis handlers, bus consumers), registered by the feature's plugin.py.
    stasis_handlers: dict[str, list[StasisHandler]] = field(default_factory=dict)
    pick_up_handlers: list[PickUpHandler] = field(default_factory=list)
    services: dict[str, ServiceFactory] = field(default_factory=dict)
    stasis_parts: dict[str, Callable[[Any, str], dict]] = field(default_factory=dict)

    def on_event(self, name: str, handler: EventHandler, *, aliases: dict[str, str] | None = None) -> None:
        if name in self.events:
            raise ValueError(f"AMI-hendelsen {name} er alt registrert")
        self.events[name] = EventSpec(handler, aliases or {})

    def on_command(self, op: str, request: type, handler: CommandHandler) -> None:
        if op in self.commands:
            raise ValueError(f"kommandoen {op} er alt registrert")
        self.commands[op] = CommandSpec(request, handler)

    def state_part(self, key: str, snapshot: SnapshotPart) -> None:
        self.snapshot_parts[key] = snapshot

    def resync(self, action: dict[str, str], *, sources: dict[str, str]) -> None:
        """An AMI action run at every resync, and which resync event rebuilds what each live event built."""
        self.resync_actions.append(action)
        self.resync_sources.update(sources)

    def on_tick(self, handler: TickHandler) -> None:
        self.tick_handlers.append(handler)

    def on_stasis(self, event_type: str, handler: StasisHandler) -> None:
        """An ARI event (StasisStart, StasisEnd, ChannelDestroyed, ...) of the engine's Stasis application."""
        self.stasis_handlers.setdefault(event_type, []).append(handler)

    def on_ari_connected(self, handler: PickUpHandler) -> None:
        """Run after every ARI (re)connect: pick up the bridges and channels Asterisk kept while we were away."""
        self.pick_up_handlers.append(handler)

    def stasis_part(self, key: str, snapshot: Callable[[Any, str], dict]) -> None:
        """A part of an agency's snapshot built from a node's ARI side (``snapshot(stasis_node, slug)``)."""
        self.stasis_parts[key] = snapshot

    def service(self, name: str, factory: ServiceFactory) -> None:
        """A per-node service object the feature's handlers and commands share (``StasisNode.services[name]``)."""
        if name in self.services:
            raise ValueError(f"tjenesten {name} er alt registrert")
        self.services[name] = factory

    def on_action(self, handler: ActionHandler) -> None:
        """An async handler run every tick that may act on Asterisk from the live state (announce to a waiting
        caller, dial a callback). It must return quickly: longer work goes in its own task."""
        self.action_handlers.append(handler)

    def on_signal(self, name: str, handler: SignalHandler) -> None:
        """An async handler for an AMI event that asks the engine to act (a caller's request from the dialplan, sent
        as a UserEvent) and builds no live state: it needs no resync source. Called with the event's agency."""
        self.signal_handlers.setdefault(name, []).append(handler)


_default: Registry | None = None


def build(feature_modules: list[str]) -> Registry:
    registry = Registry()
    for name in feature_modules:
        importlib.import_module(f"{name}.plugin").load(registry)
        registry.features.append(name)
    return registry


def default_registry() -> Registry:
    """The registry of the enabled features (``engine.features.ENABLED``), built once."""
    global _default
    if _default is None:
        _default = build(list(importlib.import_module(FEATURES_MODULE).ENABLED))
    return _default
