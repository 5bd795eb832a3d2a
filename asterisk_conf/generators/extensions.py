"""extensions.conf: the agency's dialplan, one small function per context (pbx_config.so).

Each context function takes the snapshot and the agency's context names and returns its lines, ending with an
empty line. ``AGENCY_CONTEXTS`` is the order they appear in the agency's file; ``PLATFORM_CONTEXTS`` the order of
the platform contexts in the top-level file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from asterisk_conf import naming
from asterisk_conf.generators.common import digits, goto, header, in_ranges, queue_moh
from asterisk_conf.generators.registry import FileKind, RenderContext
from asterisk_conf.recording_dialplan import queue_entry_lines
from asterisk_conf.safety import RenderError, comment, v
from asterisk_conf.snapshot import AgencySnapshot

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIMEZONE = "Europe/Oslo"
Names = dict[str, str]  # context role -> this agency's context name (naming.CONTEXT_ROLES)


# --- the agency's contexts -------------------------------------------------------------------------------------------

def phones(snap: AgencySnapshot, ctx: Names) -> list[str]:
    """Phones: own extensions and queues, voicemail, and the outside world through the outbound context."""
    return [
        f"[{ctx['phones']}]",
        f"include => {ctx['internal']}",
        f"exten => _[2-9]XXXXXXX,1,Goto({ctx['outbound']},47${{EXTEN}},1)",
        f"exten => _00X.,1,Goto({ctx['outbound']},${{EXTEN:2}},1)",
        f"exten => *98,1,VoiceMailMain(${{CALLERID(num)}}@{naming.voicemail_context(snap.slug)})",
        " same => n,Hangup()",
        # Record the 'not answering' greeting: PIN first, then beep, speak, # to end.
        "exten => *97,1,Answer()",
        f" same => n,VMAuthenticate(${{CALLERID(num)}}@{naming.voicemail_context(snap.slug)})",
        f" same => n,Set(VMDIR=${{ASTSPOOLDIR}}/voicemail/{naming.voicemail_context(snap.slug)}/${{AUTH_MAILBOX}})",
        " same => n,Playback(vm-rec-unv)",
        " same => n,Record(${VMDIR}/unavail.wav,3,120,k)",
        " same => n,Playback(vm-msgsaved)",
        " same => n,Hangup()",
        "",
    ]


def c2c(snap: AgencySnapshot, ctx: Names) -> list[str]:
    return [
        "; Click-to-call and transfers from the console: the target is a channel variable set by the engine",
        "; (validated digits); the call continues exactly as if the phone had dialled it.",
        f"[{ctx['c2c']}]",
        "exten => s,1,GotoIf($[${REGEX(\"^[0-9]{2,20}$\" ${C2C_TARGET})}]?ok)",
        " same => n,Hangup()",
        f" same => n(ok),Goto({ctx['phones']},${{C2C_TARGET}},1)",
        "",
    ]


def xfer(snap: AgencySnapshot, ctx: Names) -> list[str]:
    return [
        f"[{ctx['xfer']}]",
        "exten => s,1,GotoIf($[${REGEX(\"^[0-9]{2,20}$\" ${XFER_TARGET})}]?ok)",
        " same => n,Hangup()",
        f" same => n(ok),Goto({ctx['phones']},${{XFER_TARGET}},1)",
        "",
    ]


def hold(snap: AgencySnapshot, ctx: Names) -> list[str]:
    return [
        "; Hold from the console: the engine moves both parties here and bridges them again on resume.",
        f"[{ctx['hold']}]",
        "; A direct call has no music class yet (a queue call has its queue's): use the agency's default.",
        "exten => caller,1,ExecIf($[\"${CHANNEL(musicclass)}\" = \"\"]"
        f"?Set(CHANNEL(musicclass)={naming.default_moh_class(snap.slug)}))",
        " same => n,MusicOnHold()",
        " same => n,Hangup()",
        "exten => agent,1,Wait(3600)",
        " same => n,Hangup()",
        "",
    ]


def outbound(snap: AgencySnapshot, ctx: Names) -> list[str]:
    """Outbound calls: the agency's own public numbers directly, another agency's through the boundary (``xout``),
    anything else to ``platform-route``.

    A call to another agency's public number never bridges the two agencies' channels: it passes two
    Local channel pairs, ``Local/<nr>@t-<caller>-xout`` (both halves the caller's) and
    ``Local/<nr>@t-<callee>-xin`` (both halves the callee's), joined in ``platform-xroute``. Every channel
    is then named for the agency whose dialplan it runs, and a console command only ever meets its own
    agency's channels. ``/n`` keeps Asterisk from optimising the pairs away.
    """
    return [
        f"[{ctx['outbound']}]",
        "exten => _X.,1,NoOp(Utgående)",
        " same => n,GotoIf($[${REGEX(\"^[0-9]{2,20}$\" ${EXTEN})}]?ok)",
        " same => n,Hangup()",
        " same => n(ok),Set(CALLERID(num)=${OUTBOUND_CID})",
        f" same => n,GotoIf(${{DIALPLAN_EXISTS({ctx['did']},${{EXTEN}},1)}}?{ctx['did']},${{EXTEN}},1)",
        " same => n,GotoIf(${DIALPLAN_EXISTS(platform-did,${EXTEN},1)}?agency)",
        " same => n,Goto(platform-route,${EXTEN},1)",
        f" same => n(agency),Dial(Local/${{EXTEN}}@{ctx['xout']}/n)",
        " same => n,Hangup()",
        "",
    ]


def xout(snap: AgencySnapshot, ctx: Names) -> list[str]:
    """The caller's half of a call between agencies (see ``outbound``)."""
    return [
        "; Our half of a call to another agency: hand it over at the platform's boundary.",
        f"[{ctx['xout']}]",
        "exten => _X.,1,NoOp(Til annen etat)",
        " same => n,Goto(platform-xroute,${EXTEN},1)",
        "",
    ]


def xin(snap: AgencySnapshot, ctx: Names) -> list[str]:
    """The callee's half of a call between agencies (see ``outbound``)."""
    return [
        "; Our half of a call from another agency: it enters through our public numbers, like a trunk call.",
        f"[{ctx['xin']}]",
        "exten => _X.,1,NoOp(Fra annen etat)",
        f" same => n,Goto({ctx['did']},${{EXTEN}},1)",
        "",
    ]


def _extension_lines(snap: AgencySnapshot, ext: dict) -> list[str]:
    vm_ctx = naming.voicemail_context(snap.slug)
    number = v(ext["number"], what="internnummer")
    devices = "&".join(naming.phone_interface(snap.slug, pid) for pid in ext["phones"])
    out = [f"; {number}: {comment(ext['label'])}"]
    if devices:
        out.append(f"exten => {number},hint,{devices}")
    out.append(f"exten => {number},1,NoOp(Internnummer {number})")
    if devices:
        out.append(f" same => n,Dial({devices},{v(ext['ring'])},tT)")
    if ext["has_vm"]:
        out.append(f' same => n,VoiceMail({number}@{vm_ctx},${{IF($["${{DIALSTATUS}}" = "BUSY"]?b:u)}})')
    elif not devices:
        out.append(" same => n,Playback(ss-noservice)")
    out.append(" same => n,Hangup()")
    return out


def internal(snap: AgencySnapshot, ctx: Names) -> list[str]:
    """Internal numbers: extensions (with their hints) and queue numbers."""
    out = [f"[{ctx['internal']}]"]
    for ext in snap.extensions:
        out += _extension_lines(snap, ext)
    for q in snap.queues:
        if q["number"]:
            number = v(q["number"], what="kønummer")
            out += [f"; {number}: kø {comment(q['name'])}",
                    f"exten => {number},1,Goto({ctx['dest']},{naming.destination_exten('queue', q['id'])},1)"]
    return out + [""]


def _priority_pattern(numbers: list[str]) -> str:
    """A REGEX matching the priority callers' numbers as caller ID arrives (Norwegian ones with +47, 0047, 47 or
    nothing before the eight digits)."""
    parts = []
    for raw in numbers:
        number = v(raw, what="nummer").lstrip("+")
        if not number.isdigit():
            raise RenderError(f"ugyldig prioritert nummer: {raw!r}")
        national = number[2:] if number.startswith("47") and len(number) == 10 else None
        parts.append(f"([+]?47|0047)?{national}" if national else f"[+]?{number}")
    return "^(" + "|".join(parts) + ")$"


def _routing_lines(snap: AgencySnapshot, q: dict) -> list[str]:
    """Skill routing (start circle, see generators/queuerules.py) and priority callers (QUEUE_PRIO): by caller
    number (the agency's list) or by the public number called (a DID marked priority sets DID_PRIO)."""
    out = []
    routing = snap.routing.get(q["id"])
    if routing is not None:
        out.append(f" same => n,Set(QUEUE_MAX_PENALTY={v(10 - int(routing['start_level']))})")
    if q["id"] in snap.callbacks:  # the place a callback keeps (see cbq)
        out += [" same => n,Set(CB_JOINED=${EPOCH})", f" same => n,Set(CB_QUEUE={v(q['id'])})"]
    if snap.priority_numbers:
        out.append(f' same => n,Set(QUEUE_PRIO=${{IF($[${{REGEX("{_priority_pattern(snap.priority_numbers)}" '
                   '${CALLERID(num)})}]?10:0)})')
    if any(d.get("priority") for d in snap.dids):
        out.append(' same => n,ExecIf($["${DID_PRIO}" = "1"]?Set(QUEUE_PRIO=10))')
    return out


def _queue_dest(snap: AgencySnapshot, q: dict) -> list[str]:
    s = snap.slug
    timeout = f",{v(q['max_wait'])}" if q["max_wait"] else ","
    return [
        f"; kø {q['id']}: {comment(q['name'])}",
        f"exten => {naming.destination_exten('queue', q['id'])},1,Answer()",
        f" same => n,Set(CHANNEL(musicclass)={queue_moh(s, q)})",
        f" same => n,Set(__TENANT={s})",
        *queue_entry_lines(s, q["id"], welcome=snap.welcome.get(q["id"]), policy=snap.recording.get(q["id"]),
                           spool_dir=snap.spool_dir),
        *_routing_lines(snap, q),
        f" same => n,Queue({naming.queue_name(s, q['id'])},t,,,{timeout.lstrip(',')})",
        f" same => n,{goto(s, q['overflow'])}",
        " same => n,Hangup()",
    ]


def dest(snap: AgencySnapshot, ctx: Names) -> list[str]:
    """Destinations: every target of a DID, IVR option, schedule or overflow."""
    vm_ctx = naming.voicemail_context(snap.slug)
    out = [f"[{ctx['dest']}]"]
    for ext in snap.extensions:
        out.append(f"exten => {naming.destination_exten('extension', ext['id'])},1,"
                   f"Goto({ctx['internal']},{v(ext['number'])},1)")
    for vm in snap.voicemails:
        out += [f"exten => {naming.destination_exten('voicemail', vm['id'])},1,Answer()",
                f" same => n,VoiceMail({v(vm['ext'])}@{vm_ctx},u)",
                " same => n,Hangup()"]
    for menu in snap.ivrs:
        out.append(f"exten => {naming.destination_exten('ivr', menu['id'])},1,"
                   f"Goto({ctx['ivr']}{menu['id']},s,1)")
    for q in snap.queues:
        out += _queue_dest(snap, q)
    return out + [""]


def _schedule_lines(s: str, sch: dict, then: str, sounds: dict[str, str]) -> list[str]:
    """Lines (as ``same =>``) that check opening hours, then continue with ``then`` if open. Closed: the schedule's
    closed announcement (``ScheduleAnnouncement``), on a closed day or public holiday the holiday one, then its
    destination."""
    sid = sch["id"]
    holidays = naming.context(s, "holidays")
    closed_goto = goto(s, sch["dest"])
    lines = [
        f"; åpningstid {sid}: {comment(sch['name'])}",
        f" same => n,NoOp(Åpningstid {sid})",
        f' same => n,GotoIf(${{DIALPLAN_EXISTS({holidays},{sid}-${{STRFTIME(${{EPOCH}},{TIMEZONE},%Y%m%d)}},1)}}'
        f"?holiday{sid})",
    ]
    for weekday, opens, closes in sch["rules"]:
        lines.append(f" same => n,GotoIfTime({opens:%H:%M}-{closes:%H:%M},{WEEKDAYS[weekday]},*,*,{TIMEZONE}"
                     f"?open{sid})")
    for kind in ("closed", "holiday"):
        lines.append(f" same => n({kind}{sid}),NoOp({'Stengt' if kind == 'closed' else 'Stengt dag'} {sid})")
        if sounds.get(kind):
            lines += [" same => n,Answer()", f" same => n,Playback({v(sounds[kind], what='lydfil')})"]
        lines += [f" same => n,{closed_goto}", " same => n,Hangup()"]
    return lines + [f" same => n(open{sid}),{then}"]


def did(snap: AgencySnapshot, ctx: Names) -> list[str]:
    """Public numbers of this agency, reached from the platform's router (and from ``xin``)."""
    s = snap.slug
    out = [f"[{ctx['did']}]"]
    schedules = {sch["id"]: sch for sch in snap.schedules}
    for number in snap.dids:
        if not in_ranges(number["number"], snap.allocated):
            raise RenderError(f"{number['number']} er ikke tildelt {s}")
        out += [f"; {number['number']}: {comment(number['label'])}",
                f"exten => {digits(number['number'])},1,NoOp(Innringing {number['number']})",
                f" same => n,Set(__TENANT={s})"]
        if number.get("priority"):
            out.append(" same => n,Set(__DID_PRIO=1)")  # served ahead in the queue it reaches (_routing_lines)
        target = goto(s, number["dest"])
        if number["schedule"] is not None:
            out += _schedule_lines(s, schedules[number["schedule"]], target, snap.closed_sounds.get(number["schedule"], {}))
        else:
            out.append(f" same => n,{target}")
        out.append(" same => n,Hangup()")
    return out + _attendant_lines(snap) + [""]


def _attendant_lines(snap: AgencySnapshot) -> list[str]:
    """Switchboard numbers: the call enters the engine's Stasis application with the agency's own slug as
    argument; the engine holds it in the bridge ``sb-<slug>-queue`` for the attendant console."""
    out: list[str] = []
    for attendant in snap.attendants:
        if not in_ranges(attendant["number"], snap.allocated):
            raise RenderError(f"{attendant['number']} er ikke tildelt {snap.slug}")
        out += [f"; {attendant['number']}: sentralbord {comment(attendant['name'])}",
                f"exten => {digits(attendant['number'])},1,NoOp(Sentralbord {attendant['number']})",
                f" same => n,Set(__TENANT={snap.slug})",
                f" same => n,Stasis({naming.STASIS_APP},{naming.SWITCHBOARD_APP_ARG},{naming.checked_slug(snap.slug)})",
                " same => n,Hangup()"]
    return out


def holidays(snap: AgencySnapshot, ctx: Names) -> list[str]:
    """Closed days per schedule: DIALPLAN_EXISTS(holidays, <schedule>-<yyyymmdd>) answers "closed"."""
    out = [f"[{ctx['holidays']}]"]
    for sch in snap.schedules:
        for day, note in sch["closed"].items():
            out.append(f"exten => {sch['id']}-{day:%Y%m%d},1,NoOp()  ; {comment(note, limit=40)}")
    return out + [""]


def _ivr(slug: str, ctx: Names, menu: dict) -> list[str]:
    out = [
        f"; talemeny {menu['id']}: {comment(menu['name'])}",
        f"[{ctx['ivr']}{menu['id']}]",
        "exten => s,1,Answer()",
        " same => n,Set(TRIES=0)",
        f" same => n(again),Background({v(menu['prompt'], what='lydfil')})",
        f" same => n,WaitExten({v(menu['timeout'])})",
    ]
    for digit, target in menu["options"]:
        out.append(f"exten => {v(digit, what='tast')},1,{goto(slug, target)}")
    return out + [
        "exten => i,1,Playback(pm-invalid-option)",  # core sounds: "That option is invalid."
        " same => n,Goto(t,1)",
        "exten => t,1,Set(TRIES=$[${TRIES} + 1])",
        " same => n,GotoIf($[${TRIES} < 3]?s,again)",
        " same => n,Playback(vm-goodbye)",
        " same => n,Hangup()",
        "",
    ]


def cbq(snap: AgencySnapshot, ctx: Names) -> list[str]:
    """Callback offer: a caller who presses 1 in a queue that offers callbacks lands here (app_queue's ``context``),
    confirms the number (caller ID) or types another, and asks the engine (UserEvent), which validates it, keeps the
    place (CB_JOINED) and answers in CB_RESULT; then a receipt and goodbye."""
    return [
        f"[{ctx['cbq']}]",
        "exten => 1,1,NoOp(Tilbakeringing)",
        " same => n,Set(CB_NUMBER=${FILTER(0123456789+,${CALLERID(num)})})",
        " same => n,Playback(to-call-this-number)",
        " same => n,SayDigits(${CB_NUMBER})",
        " same => n,Read(CB_OK,if-correct-press,1,,1,5)",
        " same => n,GotoIf($[\"${CB_OK}\" = \"1\"]?ask)",
        " same => n,Read(CB_TYPED,vm-enter-num-to-call,15,,1,10)",
        " same => n,Set(CB_NUMBER=${FILTER(0123456789,${CB_TYPED})})",
        " same => n(ask),Set(CB_RESULT=)",
        " same => n,UserEvent(CallbackRequested,CbQueue: ${CB_QUEUE},Joined: ${CB_JOINED},Number: ${CB_NUMBER})",
        " same => n,Set(CB_TRIES=0)",
        " same => n(wait),Wait(0.5)",
        " same => n,Set(CB_TRIES=$[${CB_TRIES} + 1])",
        " same => n,GotoIf($[\"${CB_RESULT}\" = \"\" & ${CB_TRIES} < 20]?wait)",
        " same => n,GotoIf($[\"${CB_RESULT}\" = \"ok\"]?receipt)",
        " same => n,Playback(check-number-dial-again)",
        " same => n,Hangup()",
        " same => n(receipt),Playback(auth-thankyou)",
        " same => n,Playback(vm-goodbye)",
        " same => n,Hangup()",
        "",
    ]


def cbph(snap: AgencySnapshot, ctx: Names) -> list[str]:
    """A callback's placeholder in the queue (engine/features/callback/placeholder.py): a Local channel whose ;1
    half enters ``Queue()`` at the place the caller had (CB_POS) and whose ;2 half waits, silent, until an agent
    takes the placeholder; then the engine claims the attempt and sends the ;2 half to click-to-call (the caller)."""
    queue = f"t-{naming.checked_slug(snap.slug)}-q"  # + the queue ID from the extension (digits only)
    return [
        f"[{ctx['cbph']}]",
        "exten => _cbX!,1,Answer()",
        " same => n,Wait(43200)",
        " same => n,Hangup()",
        "exten => _qX!,1,Set(CB_POS=${FILTER(0123456789,${CB_POS})})",
        f" same => n,Queue({queue}${{EXTEN:1}},,,,,,,,${{CB_POS}})",
        " same => n,Hangup()",
        "",
    ]


def ivrs(snap: AgencySnapshot, ctx: Names) -> list[str]:
    """One context per voice menu (``t-<agency>-ivr<id>``)."""
    return [line for menu in snap.ivrs for line in _ivr(snap.slug, ctx, menu)]


def _campaign(slug: str, campaign: dict) -> list[str]:
    cid, queue = v(campaign["id"]), naming.queue_name(slug, campaign["queue_id"])
    event = f"Campaign: {cid},Attempt: ${{DIALER_ATTEMPT}}"
    amd = [" same => n,AMD()", ' same => n,GotoIf($["${AMDSTATUS}" = "MACHINE"]?machine)'] if campaign["amd"] else []
    return [
        f"; kampanje {cid}: {comment(campaign['name'])}",
        f"exten => {cid},1,Set(__TENANT={slug})",
        " same => n,Set(CHANNEL(language)=no)",
        *amd,
        f" same => n,GotoIf($[${{QUEUE_MEMBER({queue},ready)}} > 0]?agent)",
        f" same => n,UserEvent(DialerAbandoned,{event})",
        " same => n,Playback(dialer-abandoned)",
        " same => n,Hangup()",
        f" same => n(agent),UserEvent(DialerConnecting,{event})",
        f" same => n,Queue({queue},t)",
        " same => n,Hangup()",
        f" same => n(machine),UserEvent(DialerMachine,{event})",
        " same => n,Hangup()",
    ]


def dialer(snap: AgencySnapshot, ctx: Names) -> list[str]:
    """Dialer campaigns: the engine originates the call to the contact into ``<campaign id>`` here, with the
    attempt's id in DIALER_ATTEMPT. When the callee answers: answering-machine detection if the campaign uses it,
    then the campaign's queue if an agent is ready (logged in, not paused, not busy, not in wrap-up); otherwise
    the callee hears the Norwegian message (``dialer-abandoned``), never silence, and the call counts as abandoned.
    The UserEvents tell the engine which way each attempt went."""
    if not snap.campaigns:
        return []
    lines = [f"[{ctx['dialer']}]"]
    for campaign in snap.campaigns:
        lines += _campaign(snap.slug, campaign)
    return lines + [""]


AGENCY_CONTEXTS: tuple[Callable[[AgencySnapshot, Names], list[str]], ...] = (
    phones, c2c, xfer, hold, outbound, xout, xin, internal, dest, did, holidays, ivrs, cbq, cbph, dialer)


def render_extensions(snap: AgencySnapshot) -> str:
    ctx = {role: naming.context(snap.slug, role) for role in naming.CONTEXT_ROLES}
    out = header(snap, "extensions")
    for context in AGENCY_CONTEXTS:
        out += context(snap, ctx)
    return "\n".join(out) + "\n"


# --- the platform's contexts (top-level extensions.conf) -------------------------------------------------------------

def general(slugs: list[str]) -> str:
    return "[general]\nstatic=yes\nwriteprotect=yes\nclearglobalvars=no\n\n[globals]\n\n"


def default(slugs: list[str]) -> str:
    return "[default]\nexten => _X.,1,Hangup(21)\n\n"


def platform_route(slugs: list[str]) -> str:
    """Calls to the outside world (no trunk yet)."""
    return (
        "; Calls to the outside world. Another agency is reached only by its public number, through the boundary\n"
        "; (t-<agency>-outbound -> t-<agency>-xout -> platform-xroute), never from here.\n"
        "[platform-route]\n"
        "exten => _X.,1,NoOp(Ingen trunk for ${EXTEN})\n"
        " same => n,Playback(ss-noservice)\n"
        " same => n,Hangup(1)\n\n"
    )


def platform_did(slugs: list[str]) -> str:
    """Public numbers of every active agency (trunks enter here)."""
    dids = "".join(f"include => {naming.context(s, 'did')}\n" for s in slugs)
    return "; Public numbers of every active agency (trunks enter here).\n[platform-did]\n" + dids + "\n"


def render_boundary_route(slugs: Iterable[str]) -> str:
    """``platform-xroute``: which agency's ``xin`` pair a public number is handed to (see ``outbound``)."""
    slugs = sorted(naming.checked_slug(s) for s in slugs)
    out = ["; Calls between agencies: the caller's xout half hands the call to the callee's xin pair.",
           "[platform-xroute]",
           "exten => _X.,1,NoOp(Mellom etater)"]
    out += [f" same => n,GotoIf(${{DIALPLAN_EXISTS({naming.context(s, 'did')},${{EXTEN}},1)}}?{s})" for s in slugs]
    out.append(" same => n,Hangup(1)")
    for s in slugs:
        out += [f" same => n({s}),Dial(Local/${{EXTEN}}@{naming.context(s, 'xin')}/n)", " same => n,Hangup()"]
    return "\n".join(out) + "\n\n"


PLATFORM_CONTEXTS: tuple[Callable[[list[str]], str], ...] = (
    general, default, platform_route, platform_did, render_boundary_route)


def _render(snap: AgencySnapshot, ctx: RenderContext) -> str:
    return render_extensions(snap)


def _top_level(slugs: list[str]) -> str:
    return "".join(context(slugs) for context in PLATFORM_CONTEXTS)


KIND = FileKind(name="extensions", file_name="extensions.conf", module="pbx_config.so", render=_render,
                top_level=_top_level)
