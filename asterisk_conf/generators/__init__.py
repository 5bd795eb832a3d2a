"""The generated Asterisk file kinds, registered in one place.

To add a file kind: write ``asterisk_conf/generators/<kind>.py`` declaring ``KIND = FileKind(...)`` (file name, the
module Asterisk reloads it with, the per-agency render, the top-level text before the includes) and add it to the
tuple below. Nothing else: the writer renders and includes it, the engine reloads its module.
"""

from __future__ import annotations

from asterisk_conf.generators import extensions, musiconhold, pjsip, queuerules, queues, voicemail
from asterisk_conf.generators.registry import FileKind, Registry, RenderContext

__all__ = ["REGISTRY", "FileKind", "Registry", "RenderContext", "reload_modules"]

REGISTRY = Registry()
for _kind in (pjsip.KIND, extensions.KIND, queues.KIND, voicemail.KIND, musiconhold.KIND, queuerules.KIND):
    REGISTRY.register(_kind)


def reload_modules() -> dict[str, str]:
    """Kind -> Asterisk module to reload when that kind's files changed (used by ``engine.core.Engine.reload``)."""
    return REGISTRY.modules()
