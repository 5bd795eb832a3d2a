"""musiconhold.conf: the agency's default class (platform music) and its own uploaded classes (res_musiconhold.so)."""

from __future__ import annotations

from pathlib import Path

from asterisk_conf import naming
from asterisk_conf.generators.common import header
from asterisk_conf.generators.registry import FileKind, RenderContext
from asterisk_conf.safety import comment, v
from asterisk_conf.snapshot import AgencySnapshot


def render_musiconhold(snap: AgencySnapshot, *, platform_moh_dir: str, spool_dir: Path) -> str:
    s = snap.slug
    out = header(snap, "musiconhold")
    classes = [(naming.default_moh_class(s), "platform", "standard", [])]
    classes += [(naming.moh_class(s, m["id"]), m["source"], m["name"], m.get("files", [])) for m in snap.mohs]
    for name, source, label, files in classes:
        directory = platform_moh_dir if source == "platform" else str(spool_dir / s / "moh" / name)
        out += [f"; {comment(label)}"]
        # The agency's files with their licence (TONO-liable or free); a new file changes this text -> reload.
        out += [f"; fil {v(f['file_name'], what='filnavn')}: {comment(f['title'])} ({f['licence']})" for f in files
                if source == "agency"]
        out += [f"[{name}]", "mode=files", f"directory={v(directory, what='mappe')}", "sort=random", ""]
    return "\n".join(out) + "\n"


def _render(snap: AgencySnapshot, ctx: RenderContext) -> str:
    return render_musiconhold(snap, platform_moh_dir=ctx.platform_moh_dir, spool_dir=ctx.spool_dir)


def _top_level(slugs: list[str]) -> str:
    return "[general]\n\n"


KIND = FileKind(name="musiconhold", file_name="musiconhold.conf", module="res_musiconhold.so", render=_render,
                top_level=_top_level)
