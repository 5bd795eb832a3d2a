"""Asterisk's data folder for the managed Asterisk: sounds, music on hold and the rest, found the way real
installs lay them out, and the prompts the generated dialplan needs.

Layouts met in practice:
- distribution packages (Debian/Ubuntu): ``/usr/share/asterisk/{sounds,moh,rest-api,...}``, with links from
  ``/var/lib/asterisk``;
- a source build: everything under ``<prefix>/var/lib/asterisk`` (e.g. ``/opt/asterisk``);
- a source build whose ``sounds``/``moh`` are empty plus the distribution's sound packages.

The managed Asterisk gets its own data folder (``<base>/data``) made of links: ``sounds`` to the folder that
has the prompts, ``moh`` to the first one with music, everything else (``rest-api``, ``documentation`` ...)
from the install's own data folder. A folder that merely exists never wins over one that has the files.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

SYSTEM_DATADIRS: tuple[Path, ...] = (Path("/usr/share/asterisk"), Path("/var/lib/asterisk"))
SOUND_EXTENSIONS = ("wav", "gsm", "ulaw", "alaw", "sln", "sln16", "g722", "g729", "wav49", "WAV")
MOH_EXTENSIONS = {".wav", ".gsm", ".ulaw", ".alaw", ".sln", ".sln16", ".g722", ".g729", ".mp3", ".wav49", ".WAV"}

# Prompts Asterisk plays for what the platform generates, besides those named in the rendered dialplan:
# attended/blind transfer (features), queues (announce-position/holdtime, periodic announce), voicemail
# (greeting when none is recorded), and the digits used to say numbers and positions.
REQUIRED_PROMPTS: tuple[str, ...] = (
    "pbx-transfer", "pbx-invalid", "privacy-incorrect", "beep", "beeperr",
    "queue-youarenext", "queue-thereare", "queue-callswaiting", "queue-holdtime", "queue-minutes",
    "queue-seconds", "queue-thankyou", "queue-less-than", "queue-periodic-announce",
    "vm-theperson", "vm-isunavail", "vm-isonphone", "vm-intro", "vm-goodbye", "auth-thankyou",
    "ss-noservice", *(f"digits/{d}" for d in range(10)),
)
_PLAYED = re.compile(r"\b(?:Playback|Background)\(([^,)]+)")
_ANNOUNCE = re.compile(r"^periodic-announce\s*=\s*(\S+)", re.MULTILINE)


@dataclass(frozen=True)
class DataFolder:
    path: Path
    sounds: Path | None
    moh: Path | None
    missing_prompts: tuple[str, ...]
    moh_files: int


def data_sources(datadir: str | Path, *, binary: str | None = None,
                 system_dirs: Sequence[Path] = SYSTEM_DATADIRS) -> list[Path]:
    """Folders to take data from, best first: the install's own, the binary's prefix, the distribution's."""
    candidates = [Path(datadir)]
    if binary:
        prefix = Path(binary).resolve().parent.parent
        candidates += [prefix / "var/lib/asterisk", prefix / "share/asterisk"]
    candidates += list(system_dirs)
    out: list[Path] = []
    seen: set[Path] = set()
    for c in candidates:
        if c.is_dir() and c.resolve() not in seen:
            seen.add(c.resolve())
            out.append(c)
    return out


def prompt_exists(sounds: Path, name: str, language: str = "en") -> bool:
    """Like Asterisk: ``sounds/<language>/<name>.<format>``, then ``sounds/<name>.<format>``."""
    return any((base / f"{name}.{ext}").exists() for base in (sounds / language, sounds) for ext in SOUND_EXTENSIONS)


def prompts_in_config(etc_dir: Path) -> set[str]:
    """Prompt names the rendered config plays (dialplan Playback/Background, queues' periodic announce)."""
    names: set[str] = set()
    for path in sorted(Path(etc_dir).rglob("*.conf")):
        text = path.read_text(errors="replace")
        for arg in _PLAYED.findall(text) + _ANNOUNCE.findall(text):
            names.update(n.strip() for n in arg.split("&") if n.strip() and "$" not in n)
    return names


def missing_prompts(sounds: Path | None, names: Iterable[str]) -> list[str]:
    return sorted(n for n in set(names) if sounds is None or not prompt_exists(sounds, n))


def _moh_count(folder: Path) -> int:
    try:
        return sum(1 for p in folder.iterdir() if p.suffix in MOH_EXTENSIONS)
    except OSError:
        return 0


def choose(sources: Sequence[Path], prompts: Iterable[str] = REQUIRED_PROMPTS) -> tuple[Path | None, Path | None]:
    """(sounds, moh): the sounds folder missing the fewest prompts (first wins a tie; an empty one never
    beats one with files), and the first moh folder with music."""
    prompts = list(prompts)
    sounds = [s / "sounds" for s in sources if (s / "sounds").is_dir()]
    best = min(sounds, key=lambda s: len(missing_prompts(s, prompts)), default=None)
    moh = next((s / "moh" for s in sources if _moh_count(s / "moh")), None)
    return best, moh


def _link(target: Path, source: Path) -> None:
    if target.is_symlink() and os.readlink(target) == str(source):
        return
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(source)
    os.replace(tmp, target)


def _compose_sounds(target: Path, sounds: Path, languages: Mapping[str, Path]) -> None:
    """``target/sounds`` as a folder of links: each language of ``sounds``, plus the platform's own languages
    (``no``: the Norwegian prompt set) that the install does not have. The install's folders are never written."""
    if target.is_symlink():
        target.unlink()
    target.mkdir(exist_ok=True)
    links = {child.name: child.resolve() for child in sorted(sounds.iterdir()) if not child.name.startswith(".")}
    links.update({lang: Path(folder).resolve() for lang, folder in languages.items()})
    for name, source in links.items():
        _link(target / name, source)
    for stale in target.iterdir():
        if stale.is_symlink() and stale.name not in links:
            stale.unlink()


def compose(target: Path, sources: Sequence[Path], prompts: Iterable[str] = REQUIRED_PROMPTS, *,
            languages: Mapping[str, Path] | None = None) -> DataFolder:
    """Make ``target`` a data folder of links (see module doc) and report what it lacks. With ``languages``
    (e.g. ``{"no": folder}``) ``sounds`` is a folder of links that adds them (see ``_compose_sounds``)."""
    prompts = list(prompts)
    target.mkdir(parents=True, exist_ok=True)
    sounds, moh = choose(sources, prompts)
    links: dict[str, Path] = {}
    for source in sources:
        for child in sorted(source.iterdir()):
            if child.name not in ("sounds", "moh") and not child.name.startswith("."):
                links.setdefault(child.name, child)
    if sounds:
        links["sounds"] = sounds
    if moh:
        links["moh"] = moh
    if sounds and languages:
        del links["sounds"]
        _compose_sounds(target / "sounds", sounds, languages)
    for name, source in links.items():
        _link(target / name, source.resolve())
    for stale in target.iterdir():
        if stale.is_symlink() and stale.name not in links and not (languages and stale.name == "sounds"):
            stale.unlink()
    return DataFolder(path=target, sounds=sounds, moh=moh, missing_prompts=tuple(missing_prompts(sounds, prompts)),
                      moh_files=_moh_count(moh) if moh else 0)


def check(data: Path, etc_dir: Path) -> tuple[list[str], int]:
    """Prompts the generated config needs that ``data/sounds`` lacks, and how many music files ``data/moh`` has.
    Logged as a WARNING naming the files."""
    missing = missing_prompts(data / "sounds" if (data / "sounds").is_dir() else None,
                              set(REQUIRED_PROMPTS) | prompts_in_config(etc_dir))
    moh_files = _moh_count(data / "moh")
    if missing:
        logger.warning("Asterisk mangler lydfiler som konfigurasjonen trenger (%s/sounds): %s. Installer f.eks. "
                       "asterisk-core-sounds-en-wav.", data, ", ".join(missing))
    if not moh_files:
        logger.warning("Asterisk har ingen ventemusikk i %s/moh. Installer f.eks. asterisk-moh-opsound-wav.", data)
    return missing, moh_files
