"""Reads of the SMS app: audiences (who a send would reach, before anything is written), the log and progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q

from contactcenter.selectors import caller_numbers, inquiry_numbers
from outbound.models import MessageState, OptOut, SmsGroup, SmsMessage, SmsSend, SmsSettings, SmsTemplate
from outbound.numbers import number_normalise, number_or_none
from outbound.text import SmsShape, sms_shape, template_fields, template_fill

MAX_SERIES = 100_000


@dataclass
class Audience:
    """Recipients after deduplication and opt-outs; each recipient has its template values (``nummer`` always)."""

    label: str
    recipients: list[dict[str, str]] = field(default_factory=list)
    duplicates: int = 0
    opted_out: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.recipients)


def sms_settings() -> SmsSettings:
    return SmsSettings.objects.order_by("pk").first() or SmsSettings()


def opted_out_numbers() -> set[str]:
    return set(OptOut.objects.values_list("number", flat=True))


def audience_from_rows(*, label: str, rows: list[dict[str, str]], errors: list[str] | None = None) -> Audience:
    """Deduplicate by number (first row wins) and drop opted-out numbers."""
    out = Audience(label=label, errors=list(errors or []))
    blocked, seen = opted_out_numbers(), set()
    for row in rows:
        number = row["nummer"]
        if number in seen:
            out.duplicates += 1
        elif number in blocked:
            out.opted_out += 1
            seen.add(number)
        else:
            seen.add(number)
            out.recipients.append(row)
    return out


def audience_typed(*, text: str) -> Audience:
    rows, errors = [], []
    for part in [p for p in text.replace(";", ",").replace("\n", ",").split(",") if p.strip()]:
        try:
            rows.append({"nummer": number_normalise(part)})
        except ValueError as exc:
            errors.append(f"{exc}.")
    return audience_from_rows(label=", ".join(r["nummer"] for r in rows[:3]) + (" …" if len(rows) > 3 else ""),
                              rows=rows, errors=errors)


def audience_group(*, group_id: int) -> Audience:
    group = SmsGroup.objects.get(pk=group_id)
    rows = [{"nummer": n, "navn": name} for n, name in group.members.order_by("pk").values_list("number", "name")]
    return audience_from_rows(label=f"gruppe {group.name}", rows=rows)


def audience_series(*, first: str, last: str) -> Audience:
    """Every number from ``first`` to ``last`` (a customer-number series)."""
    a, b = number_normalise(first), number_normalise(last)
    start, end = int(a.lstrip("+")), int(b.lstrip("+"))
    if end < start or end - start >= MAX_SERIES or len(a) != len(b):
        raise ValueError(f"Serien må gå oppover, ha like lange numre og høyst {MAX_SERIES} numre.")
    return audience_from_rows(label=f"serie {a}–{b}", rows=[{"nummer": f"+{n}"} for n in range(start, end + 1)])


def audience_callers(*, since: dt.datetime, until: dt.datetime, queue_id: int | None = None,
                     dialed: str = "") -> Audience:
    """Everyone who called a queue (or a dialled number, or the agency) in the period."""
    raw = caller_numbers(since=since, until=until, queue_id=queue_id, dialed=dialed)
    rows = [{"nummer": n} for n in (number_or_none(r) for r in raw) if n]
    what = f"kø {queue_id}" if queue_id else (f"nummer {dialed}" if dialed else "etaten")
    return audience_from_rows(label=f"innringere til {what} {since:%d.%m.%Y}–{until:%d.%m.%Y}", rows=rows)


def audience_inquiry_category(*, category_id: int) -> Audience:
    rows = [{"nummer": n} for n in (number_or_none(r) for r in inquiry_numbers(category_id=category_id)) if n]
    return audience_from_rows(label=f"henvendelser i kategori {category_id}", rows=rows)


def message_preview(*, body: str, audience: Audience) -> dict:
    """What the user sees before sending: count, segments per message (worst case) and template problems."""
    shapes: list[SmsShape] = []
    missing: set[str] = set()
    for row in audience.recipients:
        try:
            shapes.append(sms_shape(template_fill(body, row)))
        except KeyError as exc:
            missing.add(str(exc.args[0]))
        except ValueError:
            return {"count": audience.count, "error": "Malen har en krøllparentes som ikke er lukket."}
    worst = max(shapes, key=lambda s: s.segments, default=sms_shape(body))
    return {"count": audience.count, "duplicates": audience.duplicates, "opted_out": audience.opted_out,
            "errors": audience.errors, "encoding": worst.encoding, "segments": worst.segments,
            "total_segments": sum(s.segments for s in shapes), "fields": template_fields(body),
            "missing": sorted(missing), "label": audience.label}


def send_progress(*, send_id: int) -> dict:
    send = SmsSend.objects.get(pk=send_id)
    counts = dict(send.messages.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    done = sum(counts.get(s, 0) for s in (MessageState.SENT, MessageState.DELIVERED, MessageState.UNDELIVERED,
                                          MessageState.FAILED))
    return {"id": send.pk, "status": send.status, "total": send.total, "done": done,
            "delivered": counts.get(MessageState.DELIVERED, 0), "failed": counts.get(MessageState.FAILED, 0),
            "undelivered": counts.get(MessageState.UNDELIVERED, 0)}


def message_log(*, query: str = "", limit: int = 200) -> list[SmsMessage]:
    rows = SmsMessage.objects.select_related("sent_by").order_by("-id")
    if query:
        rows = rows.filter(Q(number__contains=query) | Q(body__icontains=query))
    return list(rows[:limit])


def group_list() -> list[SmsGroup]:
    return list(SmsGroup.objects.annotate(n=Count("members")).order_by("name"))


def group_exists(*, group_id: int) -> bool:
    return SmsGroup.objects.filter(pk=group_id).exists()


def send_page() -> dict:
    from contactcenter.selectors import inquiry_category_list, queue_list

    return {"groups": group_list(), "queues": list(queue_list().values("id", "name")),
            "templates": list(SmsTemplate.objects.order_by("name").values("id", "name", "body")),
            "categories": inquiry_category_list(), "sends": list(SmsSend.objects.order_by("-created_at")[:10])}


def send_exists(*, send_id: int) -> bool:
    return SmsSend.objects.filter(pk=send_id).exists()


def sms_message_list():  # type: ignore[no-untyped-def]
    """The SMS log (the API's read list), newest first."""
    return SmsMessage.objects.select_related("send").order_by("-send__created_at", "-id")
