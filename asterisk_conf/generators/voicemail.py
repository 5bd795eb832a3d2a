"""voicemail.conf: the agency's mailboxes in its own voicemail context (app_voicemail.so)."""

from __future__ import annotations

from asterisk_conf import naming
from asterisk_conf.generators.common import header
from asterisk_conf.generators.registry import FileKind, RenderContext
from asterisk_conf.safety import v
from asterisk_conf.snapshot import AgencySnapshot


def render_voicemail(snap: AgencySnapshot) -> str:
    out = header(snap, "voicemail")
    out.append(f"[{naming.voicemail_context(snap.slug)}]")
    for vm in snap.voicemails:
        ext = v(vm["ext"], what="internnummer")
        pin = v(vm["pin"], what="PIN")
        email = v(vm["email"], what="e-post") if vm["email"] else ""
        out.append(f"{ext} => {pin},Internnummer {ext},{email}")
    return "\n".join(out) + "\n"


def _render(snap: AgencySnapshot, ctx: RenderContext) -> str:
    return render_voicemail(snap)


def _top_level(slugs: list[str]) -> str:
    return "[general]\nformat=wav49|wav\nattach=no\nmaxmsg=100\nmaxsecs=300\nminsecs=1\nmaxlogins=3\n\n"


KIND = FileKind(name="voicemail", file_name="voicemail.conf", module="app_voicemail.so", render=_render,
                top_level=_top_level)
