"""Writing rendered config: atomic writes, change detection, and per-agency isolation with last good config.

The generators (``asterisk_conf.generators``) only turn data into text; everything that touches the disk is here.
``render_to_dir`` renders each agency in memory on its own, writes only files whose bytes changed, keeps a failing
agency's last good files, writes the top-level files that include every agency with config on disk, removes
inactive agencies and records the outcome in ``status`` (health reads it).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from asterisk_conf import status
from asterisk_conf.generators import REGISTRY, RenderContext
from asterisk_conf.safety import RenderError
from asterisk_conf.snapshot import load_agency

logger = logging.getLogger(__name__)


@dataclass
class RenderResult:
    agencies: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def changed_kinds(self) -> set[str]:
        """Which kinds of config changed (what the engine must reload)."""
        kinds = set()
        for path in self.written + self.removed:
            kind = REGISTRY.kind_of(path.name)
            if kind is not None:
                kinds.add(kind)
        if any(p.name == "agencies.d" or p.is_dir() for p in self.removed):
            kinds.update(REGISTRY.names())
        return kinds


class RenderFailed(RenderError):
    """Some agencies could not be rendered; the others were written, the failing ones kept their last good
    files. ``result`` is the render's result, ``failed`` maps agency to the reason."""

    def __init__(self, result: RenderResult) -> None:
        self.result = result
        self.failed = dict(result.failed)
        super().__init__("; ".join(f"etaten «{slug}»: {error}" for slug, error in sorted(self.failed.items())))


def write_atomic(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` via a temp file and rename; return False if the bytes were already there."""
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def write_files(files: dict[Path, str], result: RenderResult) -> None:
    """Write each file atomically; record in ``result`` the ones whose bytes changed."""
    for path, text in files.items():
        if write_atomic(path, text):
            result.written.append(path)


def _render_one(agency, ctx: RenderContext) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """One agency's files, or RenderError with the reason. A database error rolls back to a savepoint, so the
    connection stays usable for the next agency."""
    from django.db import DatabaseError, transaction

    try:
        with transaction.atomic():
            snap = load_agency(agency)
        return REGISTRY.render_agency(snap, ctx)
    except RenderError:
        raise
    except (DatabaseError, KeyError, ValueError, TypeError, AttributeError) as exc:
        logger.exception("uventet feil da konfigurasjonen for %s ble laget", agency.schema_name)
        raise RenderError(f"uventet feil ({type(exc).__name__}: {exc})") from exc


def _remove_inactive(agencies_dir: Path, active: set[str], wanted: list[str], only: object, result: RenderResult) -> None:
    if not agencies_dir.exists():
        return
    for child in sorted(agencies_dir.iterdir()):
        if child.is_dir() and child.name not in active and (only is None or child.name in wanted):
            for f in sorted(child.iterdir()):
                f.unlink()
                result.removed.append(f)
            child.rmdir()


def _has_config(agency_dir: Path) -> bool:
    """An agency is included at the top level when every kind's file is on disk (fresh or last good)."""
    return all((agency_dir / kind.file_name).exists() for kind in REGISTRY)


def render_to_dir(*, out_dir: Path, only: Iterable[str] | None = None) -> RenderResult:
    """Render active agencies into ``out_dir`` (``agencies/<slug>/*.conf`` plus top-level files).

    With ``only``, just those agencies are re-rendered (an inactive or unknown one is removed).
    Each agency is rendered in memory first and on its own: one agency's refused value never stops another's
    config. A failing agency keeps its last good files (still included at the top level; left out if it has
    none), its failure is recorded in ``status`` (health shows it), and ``RenderFailed`` is raised after the
    others were written.
    """
    from tenants.selectors import agency_list

    started = time.perf_counter()
    out_dir = Path(out_dir)
    result = RenderResult()
    active = {a.schema_name: a for a in agency_list(active_only=True).prefetch_related("number_ranges")}
    wanted = sorted(active) if only is None else sorted(set(only))
    ctx = RenderContext(platform_moh_dir=str(settings.ASTERISK_DEFAULT_MOH_DIR),
                        spool_dir=Path(settings.ASTERISK_SPOOL_DIR))
    agencies_dir = out_dir / "agencies"

    for slug in wanted:
        if slug not in active:
            continue
        try:
            files = _render_one(active[slug], ctx)
        except RenderError as exc:
            result.failed[slug] = str(exc)
            logger.error("Konfigurasjonen for etaten %s ble ikke laget (forrige beholdes): %s", slug, exc)
            continue
        write_files({agencies_dir / slug / name: text for name, text in files.items()}, result)
        result.agencies.append(slug)
    included = [s for s in active if _has_config(agencies_dir / s)]
    write_files({out_dir / name: text for name, text in REGISTRY.render_top_level(included).items()}, result)
    _remove_inactive(agencies_dir, set(active), wanted, only, result)
    status.record_render(out_dir, ok=result.agencies, failed=result.failed, active=active)
    result.seconds = time.perf_counter() - started
    logger.info("rendered %d agencies, %d files changed in %.3fs", len(result.agencies),
                len(result.written) + len(result.removed), result.seconds)
    if result.failed:
        raise RenderFailed(result)
    return result
