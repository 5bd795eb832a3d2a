"""The docs stay current: every management command of every app and every path of the API's OpenAPI schema is
named somewhere in docs/ (a new command or endpoint without a line in the docs fails here)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _docs() -> str:
    return "\n".join(p.read_text() for p in sorted((ROOT / "docs").glob("*.md")))


def _commands() -> list[str]:
    return sorted(p.stem for p in ROOT.glob("*/management/commands/*.py")
                  if not p.stem.startswith("_") and ".venv" not in p.parts)


def test_every_management_command_is_documented() -> None:
    docs = _docs()
    commands = _commands()
    assert "run_platform" in commands and "create_agency" in commands
    missing = [name for name in commands if f"manage.py {name}" not in docs and f"`{name}`" not in docs]
    assert missing == [], "kommandoer uten omtale i docs/ (skriv `manage.py NAVN` der de hører hjemme): " + ", ".join(missing)


def test_every_api_path_is_documented() -> None:
    from drf_spectacular.generators import SchemaGenerator

    paths = sorted(SchemaGenerator().get_schema(request=None, public=True)["paths"])
    assert "/api/v1/people/" in paths
    docs = _docs()
    missing = [p for p in paths if p not in docs]
    assert missing == [], "API-stier uten omtale i docs/ (legg dem i docs/api.md): " + ", ".join(missing)

