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


# The notice e-mail (app_voicemail fills in the ${VM_...} variables). No ';' (a comment in Asterisk config).
EMAIL_SUBJECT = "Ny talemelding fra ${VM_CALLERID}"
EMAIL_BODY = ("Hei ${VM_NAME}.\\n\\nDu har fått en ny talemelding (nr. ${VM_MSGNUM}) i talepostkassen ${VM_MAILBOX}"
              " fra ${VM_CALLERID}, ${VM_DUR} lang, ${VM_DATE}.\\nMeldingen ligger ved som lydfil, og du kan høre"
              " den på din side i Telefoniplattformen eller ved å ringe *98.\\n")


def _top_level(slugs: list[str]) -> str:
    from django.conf import settings

    return (
        "[general]\nformat=wav\nattach=yes\nmaxmsg=100\nmaxsecs=300\nminsecs=1\nmaxlogins=3\n"
        f"mailcmd={v(settings.VOICEMAIL_MAILCMD, what='mailcmd')}\n"
        f"serveremail={v(settings.DEFAULT_FROM_EMAIL, what='avsender')}\n"
        "fromstring=Telefoniplattform talepost\ncharset=UTF-8\nemaildateformat=%d.%m.%Y kl. %H.%M\n"
        f"emailsubject={EMAIL_SUBJECT}\nemailbody={EMAIL_BODY}\n\n"
    )


KIND = FileKind(name="voicemail", file_name="voicemail.conf", module="app_voicemail.so", render=_render,
                top_level=_top_level)
