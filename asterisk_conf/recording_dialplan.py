"""Dialplan lines on entering a queue: the welcome announcement (``QueueWelcome``) and, for a queue that
records (``contactcenter.models_voice.RecordingPolicy``), the notice and opt-out, placed before
``Queue()`` in the queue's destination (``generators/extensions._queue_dest``).

The caller hears the notice; pressing the opt-out key during it (or in the two seconds after) means no
recording. With mode ``always`` and no opt-out, MixMonitor is armed with option ``b``: audio is written only
while the caller is bridged to an agent, so nothing before the answer is kept. The file name carries the call
(linkedid) and the queue; ``contactcenter.recordings.recordings_sync`` registers it with its retention."""

from __future__ import annotations

from pathlib import Path

from asterisk_conf import naming
from asterisk_conf.safety import v


def recording_folder(spool_dir: Path | str, slug: str) -> Path:
    return Path(spool_dir) / naming.checked_slug(slug) / "recordings"


def queue_entry_lines(slug: str, queue_id: int, *, welcome: str | None, policy: dict | None,
                      spool_dir: Path | str) -> list[str]:
    """What a caller hears on reaching the queue, before ``Queue()``: the welcome, then the recording notice."""
    lines = [f" same => n,Playback({v(welcome, what='lydfil')})"] if welcome else []
    return lines + recording_lines(slug, queue_id, policy, spool_dir=spool_dir)


def recording_lines(slug: str, queue_id: int, policy: dict | None, *, spool_dir: Path | str) -> list[str]:
    if not policy or policy["mode"] == "never":
        return []
    digit = v(policy["digit"], what="tast")
    if digit not in "0123456789" or len(digit) != 1:
        raise ValueError("ugyldig tast for reservasjon")
    notice = v(policy["notice"], what="lydfil")
    lines = [
        f" same => n,Read(RECOPT,{notice},1,,1,2)",
        f' same => n,Set(__REC_OPTOUT=$["${{RECOPT}}" = "{digit}"])',
    ]
    if policy["mode"] == "always":
        folder = v(str(recording_folder(spool_dir, slug)), what="mappe")
        target = f"{folder}/${{CHANNEL(linkedid)}}-q{int(queue_id)}-${{EPOCH}}.wav"
        lines.append(f" same => n,ExecIf($[${{REC_OPTOUT}} = 0]?MixMonitor({target},b))")
    return lines
