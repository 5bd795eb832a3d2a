"""Read an agency's config through the apps' selectors into plain data for the renderer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django_tenants.utils import schema_context

from contactcenter import selectors as cc
from outbound.selectors import campaign_config_rows
from switchboard import selectors as sb
from switchboard.holidays import norwegian_public_holidays
from tenants.models import Agency


@dataclass(frozen=True)
class Dest:
    kind: str
    ref: int | None
    number: str


@dataclass
class AgencySnapshot:
    slug: str
    name: str
    main_number: str
    allocated: list[tuple[int, int]]
    extensions: list[dict] = field(default_factory=list)
    phones: list[dict] = field(default_factory=list)
    voicemails: list[dict] = field(default_factory=list)
    dids: list[dict] = field(default_factory=list)
    schedules: list[dict] = field(default_factory=list)
    ivrs: list[dict] = field(default_factory=list)
    queues: list[dict] = field(default_factory=list)
    mohs: list[dict] = field(default_factory=list)
    attendants: list[dict] = field(default_factory=list)  # switchboard numbers (the attendant console)
    recording: dict[int, dict] = field(default_factory=dict)  # queue id -> recording policy (queues that record)
    welcome: dict[int, str] = field(default_factory=dict)  # queue id -> welcome announcement (sound path)
    closed_sounds: dict[int, dict[str, str]] = field(default_factory=dict)  # schedule id -> closed/holiday sound
    spool_dir: str = ""  # where the agency's recordings are written (settings.ASTERISK_SPOOL_DIR)
    routing: dict[int, dict] = field(default_factory=dict)  # queue ID -> skill routing (contactcenter.QueueRouting)
    priority_numbers: list[str] = field(default_factory=list)
    callbacks: set[int] = field(default_factory=set)  # queue IDs that offer callbacks
    campaigns: list[dict] = field(default_factory=list)  # dialer campaigns not finished (outbound)


def _dest(obj) -> Dest:  # type: ignore[no-untyped-def]
    return Dest(obj.dest_kind, obj.dest_ref, obj.dest_number)


def holiday_years(today: dt.date | None = None) -> tuple[int, int]:
    year = (today or dt.date.today()).year
    return (year, year + 1)


def load_agency(agency: Agency, *, years: tuple[int, ...] | None = None) -> AgencySnapshot:
    years = years or holiday_years()
    snap = AgencySnapshot(
        slug=agency.schema_name, name=agency.name, main_number=agency.main_number,
        allocated=[(r.first, r.last) for r in agency.number_ranges.order_by("first")],
    )
    holidays: dict[dt.date, str] = {}
    for year in years:
        holidays.update(norwegian_public_holidays(year))
    with schema_context(agency.schema_name):
        vm_exts = set()
        for vm in sb.voicemail_config_rows():
            vm_exts.add(vm["extension_id"])
            snap.voicemails.append({"id": vm["id"], "ext": vm["extension__number"], "pin": vm["pin"],
                                    "email": vm["email"]})
        phones_by_ext: dict[int, list[int]] = {}
        for row in sb.phone_config_rows():
            phones_by_ext.setdefault(row["extension_id"], []).append(row["id"])
            snap.phones.append({
                "id": row["id"], "tier": row["tier"], "password": row["sip_password"], "ext": row["extension__number"],
                "outbound": row["extension__outbound_number"] or agency.main_number,
                "label": row["label"] or row["extension__number"], "has_vm": row["extension_id"] in vm_exts,
                "softphone": row.get("is_softphone", False),
            })
        for row in sb.extension_config_rows():
            who = row["label"] or " ".join(filter(None, (row["person__first_name"], row["person__last_name"])))
            snap.extensions.append({
                "id": row["id"], "number": row["number"], "ring": row["ring_seconds"], "label": who,
                "phones": phones_by_ext.get(row["id"], []), "has_vm": row["id"] in vm_exts,
            })
        for row in sb.did_config_rows():
            snap.dids.append({"number": row["number"], "label": row["label"], "dest": _row_dest(row),
                              "schedule": row["schedule_id"], "priority": row["priority"]})
        for sch in sb.schedule_list():
            closed = {d.date: d.note or "Stengt" for d in sch.closed_days.all()}
            if sch.closed_on_public_holidays:
                closed.update(holidays)
            snap.schedules.append({
                "id": sch.pk, "name": sch.name, "dest": _dest(sch),
                "rules": [(r.weekday, r.opens, r.closes) for r in sch.rules.all()],
                "closed": dict(sorted(closed.items())),
            })
        for menu in sb.ivr_menu_list():
            snap.ivrs.append({"id": menu.pk, "name": menu.name, "prompt": menu.prompt,
                              "timeout": menu.timeout_seconds,
                              "options": [(o.digit, _dest(o)) for o in menu.options.all()]})
        snap.attendants = sb.attendant_config_rows()
        _load_contact_center(snap)
        snap.campaigns = campaign_config_rows()
    return snap


def _load_contact_center(snap: AgencySnapshot) -> None:
    """Queues with their music, recording, welcome, routing and callbacks (inside the agency's schema)."""
    snap.mohs = cc.music_on_hold_config_rows()
    snap.recording = cc.recording_policy_config_rows()
    snap.welcome = cc.queue_welcome_config_rows()
    snap.closed_sounds = cc.schedule_announcement_config_rows()
    snap.spool_dir = str(settings.ASTERISK_SPOOL_DIR)
    for q in cc.queue_config_rows():
        snap.queues.append({
            "id": q["id"], "name": q["name"], "number": q["number"], "strategy": q["strategy"],
            "ring": q["ring_seconds"], "wrapup": q["wrapup_seconds"], "max_wait": q["max_wait_seconds"],
            "moh": q["music_on_hold_id"], "announce_position": q["announce_position"],
            "announce_holdtime": q["announce_holdtime"], "periodic": q["periodic_announce_seconds"],
            "service_level": q["service_level_seconds"], "overflow": _row_dest(q),
        })
    snap.routing = cc.queue_routing_rows()
    snap.priority_numbers = cc.priority_numbers()
    snap.callbacks = cc.callback_queue_ids()


def _row_dest(row: dict) -> Dest:
    return Dest(row["dest_kind"], row["dest_ref"], row["dest_number"])
