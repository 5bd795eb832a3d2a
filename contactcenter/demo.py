"""Demo data: the two agencies that use the platform first, with realistic people,
phones of each tier, numbers, queues, agents, skills and opening hours."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django_tenants.utils import get_public_schema_name, schema_context

from contactcenter import services as cc
from switchboard import services as sb
from switchboard.models import Schedule, ScheduleRule
from tenants import services as tn
from tenants.models import Agency

DEMO_PASSWORD = "demo-passord-2026"


@dataclass(frozen=True)
class DemoAgency:
    slug: str
    name: str
    org_number: str
    first_number: str
    last_number: str
    people: tuple[tuple[str, str, str, str], ...]
    queues: tuple[tuple[str, str, tuple[str, ...]], ...]


FHI = DemoAgency(
    slug="fhi", name="Folkehelseinstituttet", org_number="983744516",
    first_number="+4721077000", last_number="+4721077099",
    people=(
        ("Ingrid", "Bakke", "Seniorrådgiver", "Sentralbord"),
        ("Ola", "Nordmann", "Førstekonsulent", "Sentralbord"),
        ("Kari", "Haugen", "Rådgiver", "Smittevern"),
        ("Lars", "Johansen", "Overlege", "Smittevern"),
        ("Sigrid", "Berg", "Rådgiver", "Vaksine"),
        ("Henrik", "Dahl", "Seniorrådgiver", "Vaksine"),
        ("Marte", "Solberg", "Kommunikasjonsrådgiver", "Kommunikasjon"),
        ("Jonas", "Lie", "Avdelingsdirektør", "Smittevern"),
    ),
    queues=(
        ("Sentralbord", "7000", ("Sentralbord",)),
        ("Smittevernvakt", "7001", ("Smittevern",)),
        ("Vaksinetelefonen", "7002", ("Vaksine",)),
    ),
)
NKH = DemoAgency(
    slug="nkh", name="Nasjonalt klageorgan for helsetjenesten", org_number="921863160",
    first_number="+4755549800", last_number="+4755549899",
    people=(
        ("Astrid", "Eide", "Saksbehandler", "Pasientskade"),
        ("Per", "Hansen", "Seniorrådgiver", "Pasientskade"),
        ("Nora", "Kristiansen", "Juridisk rådgiver", "Helseklager"),
        ("Erik", "Moen", "Saksbehandler", "Helseklager"),
        ("Hanne", "Larsen", "Førstekonsulent", "Publikumstjenesten"),
        ("Magnus", "Strand", "Seksjonssjef", "Publikumstjenesten"),
    ),
    queues=(
        ("Publikumstjenesten", "7000", ("Publikumstjenesten",)),
        ("Pasientskadesaker", "7001", ("Pasientskade", "Helseklager")),
    ),
)
DEMO_AGENCIES = (FHI, NKH)
TIERS = ("simple", "standard", "advanced")
CATEGORIES = (("status", "Status i sak"), ("ny-sak", "Ny henvendelse"), ("klage", "Klage"),
              ("informasjon", "Generell informasjon"), ("feilringt", "Feilringt"))


def _username(first_name: str) -> str:
    return first_name.lower().replace("å", "a").replace("ø", "o").replace("æ", "ae")


def demo_load(*, verbosity: int = 1) -> list[Agency]:
    """Create the demo agencies if they are missing. Returns the agencies created."""
    created = []
    with schema_context(get_public_schema_name()):
        tn.public_tenant_ensure()
        user_model = get_user_model()
        if not user_model.objects.filter(username="admin").exists():
            user_model.objects.create_superuser("admin", "admin@nhn.example", DEMO_PASSWORD)
        for spec in DEMO_AGENCIES:
            if Agency.objects.filter(schema_name=spec.slug).exists():
                continue
            created.append(_load_agency(spec))
    return created


@transaction.atomic
def _load_agency(spec: DemoAgency) -> Agency:
    agency = tn.agency_create(name=spec.name, slug=spec.slug, org_number=spec.org_number,
                              admin_username="admin", admin_email=f"admin@{spec.slug}.example",
                              admin_password=DEMO_PASSWORD)
    tn.number_range_allocate(agency=agency, first=spec.first_number, last=spec.last_number, note="Demo")
    tn.agency_update(agency=agency, main_number=spec.first_number)
    base = int(spec.first_number[1:])
    with schema_context(spec.slug):
        moh = cc.music_on_hold_create(name="Rolig musikk")
        pause = (("lunsj", "Lunsj"), ("mote", "Møte"), ("etterarbeid", "Etterarbeid"), ("opplaering", "Opplæring"))
        for code, name in pause:
            cc.pause_reason_create(code=code, name=name)
        skills = {}
        for _name, _number, needed in spec.queues:
            for skill in needed:
                if skill not in skills:
                    skills[skill] = cc.skill_create(name=skill)
        people, extensions = _load_people(spec, base)
        schedule = _load_schedule(extensions[0])
        queues = _load_queues(spec, moh=moh, skills=skills, voicemail_ext=extensions[0])
        _load_agents(people, extensions, skills=skills, queues=queues)
        _load_dids(spec, base=base, schedule=schedule, queues=[q for q, _needed in queues], extensions=extensions)
        _load_attendant(base=base, extensions=extensions)
    return agency


def _load_people(spec: DemoAgency, base: int) -> tuple[list, list]:
    people, extensions = [], []
    for i, (first, last, title, dept) in enumerate(spec.people):
        person = sb.person_create(
            first_name=first, last_name=last, title=title, department=dept,
            email=f"{first.lower()}.{last.lower()}@{spec.slug}.example", mobile=f"+47900{i:05d}"[:11])
        ext = sb.extension_create(number=str(1001 + i), person=person,
                                  outbound_number=f"+{base + 10 + i}")
        sb.phone_create(extension=ext, tier=TIERS[i % 3], label=f"{first} {last}")
        if i % 2 == 0:
            sb.voicemail_create(extension=ext, pin=f"{4711 + i}", email=person.email)
        people.append(person)
        extensions.append(ext)
    return people, extensions


def _load_schedule(voicemail_ext) -> Schedule:  # type: ignore[no-untyped-def]
    """Outside opening hours (and on public holidays) callers can leave a message with the switchboard."""
    schedule = Schedule(name="Ordinær åpningstid", closed_on_public_holidays=True, dest_kind="voicemail",
                        dest_ref=voicemail_ext.voicemail.pk)
    sb.config_object_save(obj=schedule)
    for weekday in range(5):
        sb.config_object_save(obj=ScheduleRule(schedule=schedule, weekday=weekday, opens=dt.time(8, 0),
                                               closes=dt.time(15, 45)))
    return schedule


def _load_queues(spec: DemoAgency, *, moh, skills: dict, voicemail_ext) -> list[tuple]:  # type: ignore[no-untyped-def]
    queues = []
    for qname, qnumber, needed in spec.queues:
        queue = cc.queue_create(name=qname, number=qnumber, music_on_hold=moh, max_wait_seconds=600,
                                dest_kind="voicemail", dest_ref=voicemail_ext.voicemail.pk)
        for skill in needed:
            cc.queue_skill_require(queue=queue, skill=skills[skill], min_level=3)
        for code, name in CATEGORIES:
            cc.inquiry_category_create(queue=queue, code=code, name=name)
        queues.append((queue, needed))
    return queues


def _load_agents(people: list, extensions: list, *, skills: dict, queues: list[tuple]) -> None:
    for i, (person, ext) in enumerate(zip(people, extensions, strict=True)):
        dept_skill = skills.get(person.department)
        serves = [q for q, needed in queues if person.department in needed]
        user = get_user_model().objects.create_user(
            username=_username(person.first_name), password=DEMO_PASSWORD, email=person.email,
            first_name=person.first_name, last_name=person.last_name)
        cc.agent_create(person=person, extension=ext, is_supervisor=(i == len(people) - 1),
                        queues=serves, skills={dept_skill: 5 + i % 5} if dept_skill else {}, user=user)


def _load_dids(spec: DemoAgency, *, base: int, schedule: Schedule, queues: list, extensions: list) -> None:
    sb.did_create(number=spec.first_number, dest_kind="queue", dest_ref=queues[0].pk, schedule=schedule,
                  label="Hovednummer")
    for i, queue in enumerate(queues[1:], start=1):
        sb.did_create(number=f"+{base + i}", dest_kind="queue", dest_ref=queue.pk, schedule=schedule,
                      label=queue.name)
    for i, ext in enumerate(extensions):
        sb.did_create(number=f"+{base + 10 + i}", dest_kind="extension", dest_ref=ext.pk,
                      label=f"Direktenummer {ext.number}")


def _load_attendant(*, base: int, extensions: list) -> None:
    """The switchboard number (…90) and its two operators (the first two people, on their own phones)."""
    sb.attendant_create(number=f"+{base + 90}", return_seconds=20)
    for ext in extensions[:2]:
        user = get_user_model().objects.get(username=_username(ext.person.first_name))
        sb.operator_create(user=user, extension=ext)
