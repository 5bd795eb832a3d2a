"""queues.conf: one queue per contact-center queue (app_queue.so)."""

from __future__ import annotations

from asterisk_conf import naming
from asterisk_conf.generators.common import header, queue_moh
from asterisk_conf.generators.registry import FileKind, RenderContext
from asterisk_conf.safety import comment, v
from asterisk_conf.snapshot import AgencySnapshot


def render_queues(snap: AgencySnapshot) -> str:
    s = snap.slug
    out = header(snap, "queues")
    for q in snap.queues:
        out += [
            f"; {comment(q['name'])}",
            f"[{naming.queue_name(s, q['id'])}]",
            f"strategy={v(q['strategy'], what='strategi')}",
            f"timeout={v(q['ring'])}",
            "retry=2",
            f"wrapuptime={v(q['wrapup'])}",
            f"musicclass={queue_moh(s, q)}",
            f"announce-position={v(q['announce_position'])}",
            "; the estimated wait is said by the engine (engine/features/ewt), not from app_queue's average",
            "announce-holdtime=no",
            "announce-frequency=45",
            "min-announce-frequency=15",
            f"servicelevel={v(q['service_level'])}",
            "joinempty=yes",
            "leavewhenempty=no",
            "ringinuse=no",
            "autofill=yes",
            "setinterfacevar=yes",
            "setqueueentryvar=yes",
            "setqueuevar=yes",
            "reportholdtime=no",
            "timeoutrestart=yes",
        ]
        if q["id"] in snap.routing:  # skill routing: the circle widens by this rule (queuerules.py)
            out.append(f"defaultrule={naming.queue_name(s, q['id'])}-widen")
        if q["id"] in snap.callbacks:  # a caller who presses 1 leaves the queue for the callback offer
            out.append(f"context={naming.context(s, 'cbq')}")
        if q["periodic"]:
            out += ["periodic-announce=queue-periodic-announce", f"periodic-announce-frequency={v(q['periodic'])}"]
        out.append("")
    return "\n".join(out) + "\n"


def _render(snap: AgencySnapshot, ctx: RenderContext) -> str:
    return render_queues(snap)


def _top_level(slugs: list[str]) -> str:
    return ("[general]\npersistentmembers=yes\nautofill=yes\nmonitor-type=MixMonitor\n"
            "shared_lastcall=yes\nlog_membername_as_agent=yes\n\n")


KIND = FileKind(name="queues", file_name="queues.conf", module="app_queue.so", render=_render, top_level=_top_level)
