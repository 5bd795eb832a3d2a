"""queuerules.conf: skill routing's widening circle, one rule per queue with skill routing (app_queue.so).

A call starts with QUEUE_MAX_PENALTY = 10 - the queue's start level (set in the dialplan, see
``extensions._queue_dest``): only agents at that level or above are offered it (an agent's penalty is 10 minus
their lowest level among the queue's required skills). Every ``widen_after_seconds`` the rule raises the maximum
penalty by ``widen_levels`` until every agent of the queue is in the circle.
"""

from __future__ import annotations

from asterisk_conf import naming
from asterisk_conf.generators.common import header
from asterisk_conf.generators.registry import FileKind, RenderContext
from asterisk_conf.safety import comment, v
from asterisk_conf.snapshot import AgencySnapshot

MAX_PENALTY = 9  # level 1


def rule_name(slug: str, queue_id: int) -> str:
    return f"{naming.queue_name(slug, queue_id)}-widen"


def start_penalty(routing: dict) -> int:
    return 10 - int(routing["start_level"])


def penalty_steps(routing: dict) -> list[tuple[int, int]]:
    """(seconds waited, maximum penalty from then on)."""
    steps, penalty, at = [], start_penalty(routing), 0
    while penalty < MAX_PENALTY:
        at += int(routing["widen_after_seconds"])
        penalty = min(MAX_PENALTY, penalty + int(routing["widen_levels"]))
        steps.append((at, penalty))
    return steps


def render_queuerules(snap: AgencySnapshot) -> str:
    out = header(snap, "queuerules")
    for q in snap.queues:
        routing = snap.routing.get(q["id"])
        if routing is None:
            continue
        out += [f"; {comment(q['name'])}: start på nivå {v(routing['start_level'])}", f"[{rule_name(snap.slug, q['id'])}]"]
        out += [f"penaltychange => {v(at)},{v(pen)}" for at, pen in penalty_steps(routing)]
        out.append("")
    return "\n".join(out) + "\n"


def _render(snap: AgencySnapshot, ctx: RenderContext) -> str:
    return render_queuerules(snap)


def _top_level(slugs: list[str]) -> str:
    return "[general]\nrealtime_rules=no\n\n"


KIND = FileKind(name="queuerules", file_name="queuerules.conf", module="app_queue.so", render=_render,
                top_level=_top_level)
