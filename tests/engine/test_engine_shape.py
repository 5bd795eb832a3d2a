"""The engine's shape, checked from the source: the core imports no feature package, features register what they
handle explicitly, and no engine function grows past 60 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from engine.commands import CommandRefused, build_request
from engine.registry import default_registry
from tests.helpers import parse_python

ENGINE = Path(__file__).resolve().parents[2] / "engine"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(parse_python(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_engine_core_imports_no_feature_package():
    core = sorted(p for p in ENGINE.glob("*.py"))
    assert {"core.py", "commands.py", "registry.py", "state.py", "publisher.py"} <= {p.name for p in core}
    offenders = {p.name: sorted(n for n in _imports(p) if n == "engine.features" or n.startswith("engine.features."))
                 for p in core}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_every_enabled_feature_is_a_package_with_a_plugin():
    registry = default_registry()
    assert registry.features == ["engine.features.queues", "engine.features.calls", "engine.features.transfer",
                                 "engine.features.recording", "engine.features.switchboard", "engine.features.ewt",
                                 "engine.features.callback", "engine.features.dialer"]
    for name in registry.features:
        assert (ENGINE.parent / name.replace(".", "/") / "plugin.py").exists()
    assert set(registry.commands) == {"queue_add", "queue_remove", "queue_pause", "originate", "hangup", "supervise",
                                      "blind_transfer", "attended_transfer", "hold", "resume", "record_start",
                                      "record_stop", "sb_answer", "sb_hold", "sb_transfer", "sb_complete", "sb_cancel",
                                      "sb_hangup", "dialer_preview_dial"}


def test_no_engine_function_is_over_60_lines():
    long = [f"{p.relative_to(ENGINE.parent)}:{node.name} ({node.end_lineno - node.lineno + 1})"
            for p in ENGINE.rglob("*.py") if "migrations" not in p.parts
            for node in ast.walk(parse_python(p))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > 60]
    assert long == []


def test_no_type_ignore_in_command_handlers():
    files = [ENGINE / "commands.py", ENGINE / "ownership.py", *ENGINE.glob("features/*/commands.py")]
    assert [str(p) for p in files if "type: ignore" in p.read_text()] == []


@pytest.mark.parametrize(("op", "args", "message"), [
    ("hangup", {}, "kommandoen hangup mangler «channel»"),
    ("hangup", None, "ugyldige argumenter for kommandoen hangup"),
    ("queue_add", {"queue": "t-fhi-q1", "interface": "PJSIP/fhi-p1", "member": "fhi-a1", "penalty": "mye"},
     "ugyldig verdi for «penalty» i kommandoen queue_add: må være et heltall"),
    ("queue_pause", {"interface": ["PJSIP/fhi-p1"]}, "ugyldig verdi for «interface» i kommandoen queue_pause: må være tekst"),
])
def test_a_bad_args_shape_is_refused_in_norwegian(op, args, message):
    spec = default_registry().commands[op]
    with pytest.raises(CommandRefused) as refused:
        build_request(op, spec.request, args)
    assert str(refused.value) == message


def test_args_become_the_commands_typed_request():
    spec = default_registry().commands["queue_pause"]
    request = build_request("queue_pause", spec.request, {"interface": "PJSIP/fhi-p1", "paused": True, "reason": None})
    assert (request.interface, request.paused, request.reason) == ("PJSIP/fhi-p1", True, "")


def test_the_dispatcher_refuses_a_bad_shape_before_asterisk_is_asked():
    import asyncio

    from engine import commands
    from engine.state import LiveState

    class Link:
        sent: list = []

        async def action(self, action: dict) -> dict:
            self.sent.append(action)
            return {"Response": "Success"}

    link = Link()
    with pytest.raises(CommandRefused, match="kommandoen hold mangler «channel»"):
        asyncio.run(commands.run("hold", agency="fhi", args={"chan": "x"}, link=link,  # type: ignore[arg-type]
                                 state=LiveState(), recordings_dir=Path("/nonexistent")))
    assert link.sent == []
