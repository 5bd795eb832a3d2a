"""Render Asterisk config for agencies: the public entry points.

The generators (``asterisk_conf.generators``, one module per file kind, registered in one place) turn an
``AgencySnapshot`` into config text; the writer (``asterisk_conf.writer``) loads snapshots, renders, and writes
atomically, rewriting only files whose bytes changed. Every interpolated value passes ``safety.v`` (refused if
unsafe); free text only appears in comments, through ``safety.comment``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from asterisk_conf.generators import REGISTRY, RenderContext
from asterisk_conf.generators.extensions import render_boundary_route, render_extensions
from asterisk_conf.generators.musiconhold import render_musiconhold
from asterisk_conf.generators.pjsip import render_pjsip, render_pjsip_templates
from asterisk_conf.generators.queues import render_queues
from asterisk_conf.generators.voicemail import render_voicemail
from asterisk_conf.snapshot import AgencySnapshot
from asterisk_conf.writer import RenderFailed, RenderResult, render_to_dir, write_atomic

__all__ = ["RenderFailed", "RenderResult", "render_agency", "render_boundary_route", "render_extensions",
           "render_musiconhold", "render_pjsip", "render_pjsip_templates", "render_queues", "render_to_dir",
           "render_top_level", "render_voicemail", "write_atomic"]


def render_agency(snap: AgencySnapshot, *, platform_moh_dir: str, spool_dir: Path) -> dict[str, str]:
    """All config files of one agency: {"pjsip.conf": text, ...}."""
    return REGISTRY.render_agency(snap, RenderContext(platform_moh_dir=platform_moh_dir, spool_dir=spool_dir))


def render_top_level(slugs: Iterable[str]) -> dict[str, str]:
    """The top-level files, each including the given agencies' files."""
    return REGISTRY.render_top_level(slugs)
