"""One way across the process line, checked from the imports of every module (ast, no import run).

- The apps import nothing of ``engine`` but ``engine.client`` (the client re-exports the wire: live group
  names, the change key, the guard's checks). ``controlplane/asgi.py`` is the process's entry point that
  starts the engine in-process, so it may wire ``engine.asgi_lifespan``.
- The engine reads and writes contact-center and switchboard data only through their services, selectors
  and history functions, never their models.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import parse_python

ROOT = Path(__file__).resolve().parents[2]
APPS = ("tenants", "switchboard", "contactcenter", "controlplane", "asterisk_conf", "audit", "access", "outbound", "api")
ENGINE_FOR_APPS = {"engine.client"}
ENTRY_POINTS = {"controlplane/asgi.py": {"engine.asgi_lifespan"}}
APP_DOORS_FOR_ENGINE = {"services", "selectors", "history"}
GUARDED_BY_ENGINE = ("contactcenter", "switchboard")


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module name ``path`` imports (``from a import b`` gives ``a.b``, as b may be a module)."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(parse_python(path)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return out


def _app_violation(rel: str, name: str) -> bool:
    if name != "engine" and not name.startswith("engine."):
        return False
    allowed = ENGINE_FOR_APPS | ENTRY_POINTS.get(rel, set())
    return not any(name == ok or name.startswith(f"{ok}.") for ok in allowed)


def _engine_violation(name: str) -> bool:
    parts = name.split(".")
    return parts[0] in GUARDED_BY_ENGINE and (len(parts) < 2 or parts[1] not in APP_DOORS_FOR_ENGINE)


def test_apps_import_only_the_engine_client() -> None:
    bad = [f"{p.relative_to(ROOT)}:{line} importerer {name}"
           for app in APPS for p in _modules(app) for line, name in _imports(p)
           if _app_violation(str(p.relative_to(ROOT)), name)]
    assert bad == [], "appene skal bare bruke engine.client:\n" + "\n".join(bad)


def test_engine_imports_no_app_models() -> None:
    bad = [f"{p.relative_to(ROOT)}:{line} importerer {name}"
           for p in _modules("engine") for line, name in _imports(p) if _engine_violation(name)]
    assert bad == [], "motoren skal bare bruke appenes services/selectors/history:\n" + "\n".join(bad)


def test_the_rules_catch_what_they_forbid() -> None:
    assert _app_violation("contactcenter/consumers.py", "engine.guard.UnsafeValue")
    assert _app_violation("contactcenter/hub.py", "engine.core.live_group")
    assert not _app_violation("contactcenter/hub.py", "engine.client.live_group")
    assert _app_violation("controlplane/views.py", "engine.asgi_lifespan.with_engine")
    assert _engine_violation("contactcenter.models.Agent")
    assert _engine_violation("contactcenter.live_services")
    assert not _engine_violation("contactcenter.history")
    assert not _engine_violation("tenants.selectors.agency_list")


def _code_files() -> list[Path]:
    return [p for pkg in (*APPS, "engine") for p in _modules(pkg)]


def test_one_source_for_the_slug_pattern_and_the_phone_interface() -> None:
    """The slug pattern is written out once (tenants.validators.SLUG_PATTERN; migrations keep their
    literal copies), and a phone's ``PJSIP/<endpoint>`` is built only by asterisk_conf.naming."""
    slug_literal = "[a-z][a-z0-9]{1,15}"
    slug_places = [str(p.relative_to(ROOT)) for p in _code_files() if slug_literal in p.read_text()]
    assert slug_places == ["tenants/validators.py"]
    built = [str(p.relative_to(ROOT)) for p in _code_files() if 'f"PJSIP/{' in p.read_text()]
    assert built == ["asterisk_conf/naming.py"]


# Django's documented model API starts with an underscore; a local name (``sender``) may match a module's.
DJANGO_MODEL_API = {"_meta", "_base_manager", "_default_manager"}


def test_no_private_names_used_across_modules() -> None:
    """``module._name`` of another project module (like the old ``naming._slug``) is not used: a name the file
    imports that is one of the project's modules, followed by a private attribute."""
    own = {p.stem for p in _code_files()}
    bad = []
    for path in _code_files():
        tree = parse_python(path)
        imported = {alias.asname or alias.name.split(".")[-1] for node in ast.walk(tree)
                    if isinstance(node, ast.Import | ast.ImportFrom) for alias in node.names}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and node.attr not in DJANGO_MODEL_API and isinstance(node.value, ast.Name)
                    and node.value.id in own & imported and node.value.id != path.stem):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}")
    assert bad == []
