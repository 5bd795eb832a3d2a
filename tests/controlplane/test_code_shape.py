"""The project's code stays readable at once: no function over 60 lines anywhere outside migrations."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import parse_python

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", ".git", "migrations", "var", "test-artifacts", "node_modules"}
LIMIT = 60


def _project_files() -> list[Path]:
    return [p for p in ROOT.rglob("*.py") if not SKIP & set(p.relative_to(ROOT).parts)]


def _long_functions(path: Path, root: Path = ROOT) -> list[str]:
    tree = parse_python(path)
    return [f"{path.relative_to(root)}:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} linjer)"
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno + 1 > LIMIT]


def test_no_function_is_over_60_lines_outside_migrations():
    files = _project_files()
    assert len(files) > 100  # the walk really reads the project
    too_long = [line for path in files for line in _long_functions(path)]
    assert too_long == []


def test_the_check_catches_a_long_function(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(LIMIT))
    (tmp_path / "long.py").write_text(f"def long():\n{body}\n\n\ndef short():\n    return 1\n")
    assert _long_functions(tmp_path / "long.py", tmp_path) == [f"long.py:1 long ({LIMIT + 1} linjer)"]
