"""Render and data status, persisted next to the rendered config (``.status.json``), read by health.

Every render records per agency whether it succeeded (a failing agency keeps its last good files); the
managed Asterisk records which prompts and music on hold its data folder lacks. Written atomically under a
file lock, so the web process (automatic render) and the engine (start) can both write.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

STATUS_NAME = ".status.json"
_watched: set[Path] = set()


def _path(out_dir: Path) -> Path:
    return Path(out_dir) / STATUS_NAME


def read(out_dir: Path) -> dict:
    try:
        data = json.loads(_path(out_dir).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@contextlib.contextmanager
def _update(out_dir: Path) -> Iterator[dict]:
    from asterisk_conf.writer import write_atomic

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / ".status.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = read(out_dir)
        yield data
        write_atomic(_path(out_dir), json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def record_render(out_dir: Path, *, ok: Iterable[str], failed: dict[str, str], active: Iterable[str]) -> None:
    now = time.time()
    active = set(active)
    with _update(out_dir) as data:
        agencies = data.setdefault("agencies", {})
        for slug in list(agencies):
            if slug not in active:
                del agencies[slug]
        for slug in ok:
            agencies[slug] = {"ok": True, "error": None, "at": now, "last_good_at": now}
        for slug, error in failed.items():
            previous = agencies.get(slug, {})
            agencies[slug] = {"ok": False, "error": error, "at": now, "last_good_at": previous.get("last_good_at")}


def record_data(out_dir: Path, *, datadir: str, missing_prompts: list[str], moh_files: int) -> None:
    with _update(out_dir) as data:
        data["data"] = {"datadir": datadir, "missing_prompts": sorted(missing_prompts), "moh_files": moh_files,
                        "at": time.time()}


def watch(out_dir: Path) -> None:
    """Include this config folder in health (the managed Asterisk's own folder)."""
    _watched.add(Path(out_dir).resolve())


def unwatch(out_dir: Path) -> None:
    _watched.discard(Path(out_dir).resolve())


def health(extra: Iterable[Path] = ()) -> dict:
    """Problems for the engine's health: failing agencies, missing prompts, missing music on hold."""
    from django.conf import settings

    dirs = {Path(settings.ASTERISK_CONFIG_DIR).resolve(), *_watched, *(Path(d).resolve() for d in extra)}
    failed: dict[str, dict] = {}
    missing: set[str] = set()
    no_moh = False
    for d in sorted(dirs):
        data = read(d)
        for slug, entry in data.get("agencies", {}).items():
            if not entry.get("ok"):
                failed[slug] = {"error": entry.get("error"), "since": entry.get("at"),
                                "last_good_at": entry.get("last_good_at")}
        if "data" in data:
            missing.update(data["data"].get("missing_prompts", []))
            no_moh = no_moh or not data["data"].get("moh_files")
    return {"failed_agencies": failed, "missing_prompts": sorted(missing), "missing_moh": no_moh,
            "ok": not failed and not missing and not no_moh}
