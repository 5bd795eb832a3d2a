"""Issue 7 §3: ordinary Norwegian text is accepted and shown intact; hostile text still never becomes
Asterisk config or a second AMI action (safety where the value is written, not at the form)."""

from __future__ import annotations

import html
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import schema_context

from asterisk_conf.render import render_agency
from asterisk_conf.runtime import find_asterisk
from asterisk_conf.snapshot import load_agency
from contactcenter import services as cc
from contactcenter.models import Queue
from engine.guard import UnsafeValue, ami_text, ami_value, safe_action
from switchboard import services as sb
from switchboard.models import ClosedDay, Did, Extension, IvrMenu, Person, Phone, Schedule
from switchboard.selectors import person_search
from tenants import services
from tenants.models import Agency, NumberRange

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def norwegian():  # type: ignore[no-untyped-def]
    """Messages are asserted in Norwegian, whatever language an earlier test left active on this thread."""
    from django.utils import translation

    with translation.override("nb"):
        yield

ORDINARY = [
    "Helsedirektoratet, avd. Trondheim",
    "Kari-Anne O'Neil",
    'Seksjon for smittevern ("SMI")',
    "Forskning & utvikling / Analyse",
    "Ærlige Øyvind Åsen (vikar), 50 %",
]
# Each of these must never become config: a section of its own, a comment that swallows the next line,
# a variable or function expansion, an include, a quoted value that ends early.
HOSTILE = [
    "x\n[evil]\nexten => _X.,1,System(id)",
    "Per;Hansen\nexten => 666,1,Hangup()",
    "${SHELL(id)}",
    "#include /etc/passwd",
    '"quoted", name',
    ";-- start block comment",
    "a\\",
    "Ond\r\n[evil2](!)",
]


# --- ordinary text round-trips ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_accepted_and_kept_by_every_service(text, public_schema):
    fhi = Agency.objects.get(schema_name="fhi")
    services.agency_update(agency=fhi, name=text)
    assert Agency.objects.get(pk=fhi.pk).name == text
    nkh = Agency.objects.get(schema_name="nkh")
    rng = services.number_range_allocate(agency=nkh, first="+4722990000", note=text)
    assert NumberRange.objects.get(pk=rng.pk).note == text
    with schema_context("fhi"):
        person = sb.person_create(first_name=text, last_name=text, title=text, department=text)
        ext = sb.extension_create(number="1966", label=text, person=person)
        phone = sb.phone_create(extension=ext, tier="standard", label=text)
        queue = cc.queue_create(name=text)
        menu = IvrMenu(name=text)
        sb.config_object_save(obj=menu)
        schedule = Schedule(name=text)
        sb.config_object_save(obj=schedule)
        sb.config_object_save(obj=ClosedDay(schedule=schedule, date="2031-05-02", note=text))
        moh = cc.music_on_hold_create(name=text)
        cc.pause_reason_create(code="norsk-test", name=text)
        cc.skill_create(name=text)
        cc.inquiry_category_create(queue=queue, code="norsk", name=text)
        did = sb.did_create(number="+4721077098", dest_kind="queue", dest_ref=queue.pk, label=text)
        p = Person.objects.get(pk=person.pk)
        assert (p.first_name, p.last_name, p.title, p.department) == (text, text, text, text)
        assert Extension.objects.get(pk=ext.pk).label == text
        assert Phone.objects.get(pk=phone.pk).label == text
        assert Queue.objects.get(pk=queue.pk).name == text
        assert Did.objects.get(pk=did.pk).label == text
        assert str(moh) == text
        # The console's directory search (the same selector the WebSocket uses) finds and returns it intact.
        found = list(person_search(query=text.split()[0]))
        assert any(f.department == text and f.first_name == text for f in found)
    connection.set_schema_to_public()


def _admin_login(client) -> None:
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "demo-passord-2026"},
                           HTTP_HOST="fhi.localhost")
    assert response.status_code == 302


def test_agency_admin_saves_and_shows_ordinary_text_intact(client):
    _admin_login(client)
    title, department = 'Rådgiver ("vikar"), 50 %', "Helsedirektoratet, avd. Trondheim"
    response = client.post("/admin/switchboard/person/add/", {
        "first_name": "Kari-Anne", "last_name": "O'Neil", "title": title, "department": department,
        "email": "", "mobile": ""}, HTTP_HOST="fhi.localhost")
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context("fhi"):
        person = Person.objects.get(last_name="O'Neil")
        assert (person.title, person.department) == (title, department)
    listing = html.unescape(client.get("/admin/switchboard/person/?q=Trondheim", HTTP_HOST="fhi.localhost")
                            .content.decode())
    assert department in listing and title in listing and "O'Neil" in listing
    detail = html.unescape(client.get(f"/admin/switchboard/person/{person.pk}/change/", HTTP_HOST="fhi.localhost")
                           .content.decode())
    assert f'value="{department}"' in detail
    connection.set_schema_to_public()


def test_platform_admin_saves_agency_name_with_comma(client, public_schema):
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "demo-passord-2026"},
                           HTTP_HOST="localhost")
    assert response.status_code == 302
    response = client.post("/admin/tenants/agency/add/", {
        "name": "Helsedirektoratet, avd. Trondheim", "schema_name": "hdirtr", "org_number": "983544622",
        "domain": "", "admin_username": "", "admin_email": "", "admin_password": ""}, HTTP_HOST="localhost")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Agency.objects.get(schema_name="hdirtr").name == "Helsedirektoratet, avd. Trondheim"
    page = html.unescape(client.get("/admin/tenants/agency/", HTTP_HOST="localhost").content.decode())
    assert "Helsedirektoratet, avd. Trondheim" in page


@pytest.mark.parametrize("bad", ["Per\nHansen", "a\rb", "tab\there", "${X}", "#include x", "a;b"])
def test_free_text_still_refuses_line_breaks_and_code(bad):
    with schema_context("fhi"), pytest.raises(ValidationError) as exc:
        sb.person_create(first_name=bad, last_name="X")
    assert "kan ikke inneholde" in " ".join(exc.value.messages)
    connection.set_schema_to_public()


def test_values_asterisk_parses_keep_strict_rules():
    with schema_context("fhi"):
        with pytest.raises(ValidationError):
            cc.pause_reason_create(code="lunsj, lang", name="Lunsj")
        with pytest.raises(ValidationError):
            sb.voicemail_create(extension=Extension.objects.get(number="1002"), pin="12,4")
    connection.set_schema_to_public()


# --- hostile text never becomes config --------------------------------------------------------------------------------

def _plant_hostile(texts: list[str]) -> None:
    """Store hostile text in every free-text field FHI renders, bypassing validation (the renderer
    must hold on its own, whatever path a value came by)."""
    joined = texts
    Agency.objects.filter(schema_name="fhi").update(name=joined[0])
    with schema_context("fhi"):
        for i, model in enumerate([Person, Extension, Phone, Did, Queue, Schedule, IvrMenu, ClosedDay]):
            field = {"Person": "first_name", "Extension": "label", "Phone": "label", "Did": "label",
                     "ClosedDay": "note"}.get(model.__name__, "name")
            for j, pk in enumerate(model.objects.order_by("pk").values_list("pk", flat=True)):
                model.objects.filter(pk=pk).update(**{field: texts[(i + j) % len(texts)]})
        if not ClosedDay.objects.exists():
            sch = Schedule.objects.first()
            ClosedDay.objects.create(schedule=sch, date="2031-05-02", note=texts[1])
        if not IvrMenu.objects.exists():
            IvrMenu.objects.create(name=texts[2])
    connection.set_schema_to_public()


def _code_lines(text: str) -> list[str]:
    """Lines of a config file with comments removed (as Asterisk reads them)."""
    out = []
    for line in text.splitlines():
        code = re.split(r"(?<!\\);", line, maxsplit=1)[0]
        if code.strip():
            out.append(code)
    return out


def test_hostile_text_only_reaches_comments_in_rendered_config(public_schema, settings, tmp_path):
    _plant_hostile(HOSTILE)
    fhi = Agency.objects.get(schema_name="fhi")
    files = render_agency(load_agency(fhi), platform_moh_dir="/usr/share/asterisk/moh", spool_dir=tmp_path)
    for name, text in files.items():
        code = "\n".join(_code_lines(text))
        for marker in ["evil", "System(id)", "SHELL", "/etc/passwd", "666", "quoted", "Ond"]:
            assert marker not in code, f"{name}: {marker!r} utenfor en kommentar"
        for line in text.splitlines():
            assert ";--" not in line, f"{name}: blokkommentar åpnet: {line!r}"
            assert not line.lstrip().startswith(("[evil", "#include /etc", "exten => 666")), line
        assert "\r" not in text


@pytest.mark.asterisk
@pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (ASTERISK_BIN, PATH eller "
                    "/opt/asterisk/sbin/asterisk); se README for hvordan du får Asterisk.")
def test_hostile_text_loads_in_real_asterisk_without_a_warning_or_injected_section(public_schema):
    from tests.harness.asterisk_harness import prepare

    _plant_hostile(HOSTILE)
    base = Path(tempfile.mkdtemp(prefix="cp-ast-txt-"))
    running = prepare(base)
    assert running is not None
    try:
        rendered = "".join(p.read_text() for p in base.rglob("agencies/fhi/*.conf"))
        assert "SHELL(id)" in rendered and "[evil]" in rendered  # the hostile text is there, in comments
        running.start()
        problems = running.problems()
        assert problems == [], "\n".join(problems)
        dialplan = running.cli("dialplan show")
        assert "evil" not in dialplan and "'666'" not in dialplan and "System(id)" not in dialplan
        assert "t-fhi-did" in dialplan or "fhi" in dialplan
        endpoints = running.cli("pjsip show endpoints")
        assert "evil" not in endpoints
        assert "evil" not in running.cli("queue show")
    finally:
        running.stop()
        shutil.rmtree(base, ignore_errors=True)


# --- hostile text never becomes a second AMI action -------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["lunsj\r\nAction: Originate", "x\nChannel: PJSIP/nkh-p1", "a\rb", "nul\x00"])
def test_line_breaks_never_reach_an_ami_action(bad):
    for guard in (ami_value, ami_text):
        with pytest.raises(UnsafeValue):
            guard(bad, what="pauseårsak")
    with pytest.raises(UnsafeValue):
        safe_action({"Action": "QueuePause", "Interface": "PJSIP/fhi-p1", "Reason": bad})


def test_ami_text_keeps_ordinary_norwegian_text():
    for text in ORDINARY:
        assert ami_text(text) == text
        assert safe_action({"Action": "UserEvent", "UserEvent": "x", "Body": text})["Body"] == text


def test_pause_with_hostile_reason_is_refused_before_the_engine(public_schema):
    from contactcenter.live_services import EngineRefused, agent_pause

    with schema_context("fhi"):
        from contactcenter.models import Agent

        agent_id = Agent.objects.order_by("pk").values_list("pk", flat=True).first()
    for bad in ["lunsj\r\nAction: Originate", "lunsj;x", "${SHELL(id)}"]:
        with pytest.raises((UnsafeValue, EngineRefused)):
            agent_pause(agency="fhi", agent_id=agent_id, reason_code=bad)
