"""The command dispatcher. A command arrives as an op name and an args dict (the wire format of engine.client);
the op's feature registered a request dataclass and a handler for it (``engine.registry``). The dispatcher builds
the typed request from args (a bad shape is refused in Norwegian) and calls the handler with a typed context.

Handlers check again that every channel, queue and interface belongs to the asking agency (``engine.ownership``),
and build their AMI actions only from generated names and validated values."""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.ami import AmiLink
from engine.guard import UnsafeValue
from engine.registry import Registry, default_registry
from engine.state import LiveState


class CommandRefused(RuntimeError):
    """A command the engine will not run (wrong agency, bad value, unknown channel)."""


@dataclass(frozen=True)
class CommandContext:
    """What a command handler may use: the asking agency, its node's AMI link and live state, where recordings go,
    and who asks (when the web side says so)."""

    agency: str
    link: AmiLink
    state: LiveState
    recordings_dir: Path
    node: str = ""
    user: str | None = None
    role: str | None = None
    stasis: Any = None  # the node's ARI side (engine.stasis.StasisNode), for the features that work on ARI


_TYPE_NAMES = {str: "tekst", int: "et heltall", bool: "sann eller usann"}


def _coerce(op: str, name: str, kind: type, value: object) -> object:
    if kind is bool:
        return bool(value)
    if kind is int and isinstance(value, int | float | str) and not isinstance(value, bool):
        try:
            return int(value)
        except ValueError:
            pass
    elif kind is str and isinstance(value, str):
        return value
    raise CommandRefused(f"ugyldig verdi for «{name}» i kommandoen {op}: må være {_TYPE_NAMES.get(kind, kind)}")


def build_request(op: str, request: type, args: object) -> object:
    """The typed request for ``op`` from the wire's args: missing fields without a default, values of the wrong
    type are refused (CommandRefused, in Norwegian); other keys are ignored. None means "not given"."""
    if not isinstance(args, dict):
        raise CommandRefused(f"ugyldige argumenter for kommandoen {op}")
    hints = typing.get_type_hints(request)
    fields = {f.name: f for f in dataclasses.fields(request)}
    values = {}
    for name, f in fields.items():
        value = args.get(name)
        if value is None:
            if f.default is dataclasses.MISSING:
                raise CommandRefused(f"kommandoen {op} mangler «{name}»")
            continue
        kind = hints[name]
        if isinstance(kind, types.UnionType):  # "str | None": the non-None type
            kind = next(t for t in typing.get_args(kind) if t is not type(None))
        values[name] = _coerce(op, name, kind, value)
    return request(**values)


async def dispatch(op: str, args: object, ctx: CommandContext, *, registry: Registry | None = None) -> object:
    spec = (registry or ctx.state.registry).commands.get(op)
    if spec is None:
        raise CommandRefused(f"ukjent kommando {op!r}")
    request = build_request(op, spec.request, args)
    try:
        return await spec.handler(request, ctx)
    except UnsafeValue as exc:
        raise CommandRefused(str(exc)) from exc


async def run(op: str, *, agency: str, args: dict, link: AmiLink | None, state: LiveState,
              recordings_dir: Path, node: str = "", registry: Registry | None = None, stasis: Any = None) -> object:
    """Run the agency's command ``op`` on one node (the engine's entry point, also used by the replay tests)."""
    if link is None:
        raise CommandRefused("ingen AMI-forbindelse")
    ctx = CommandContext(agency=agency, link=link, state=state, recordings_dir=Path(recordings_dir), node=node,
                         stasis=stasis)
    return await dispatch(op, args, ctx, registry=registry or default_registry())
