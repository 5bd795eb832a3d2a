"""The renderer: deterministic, atomic, incremental, isolating, and refusing unsafe values again."""

import pytest
from django.db import IntegrityError, transaction
from django_tenants.utils import schema_context

from asterisk_conf import naming
from asterisk_conf.render import render_to_dir
from asterisk_conf.safety import RenderError, comment
from switchboard.models import Person, Phone, Voicemail
from tenants.models import Agency

pytestmark = pytest.mark.django_db


def _snapshot(directory):
    return {p.relative_to(directory): p.read_bytes() for p in sorted(directory.rglob("*.conf"))}


def test_same_data_gives_same_bytes_and_no_rewrites(tmp_path):
    first = render_to_dir(out_dir=tmp_path / "a")
    render_to_dir(out_dir=tmp_path / "b")
    assert _snapshot(tmp_path / "a") == _snapshot(tmp_path / "b")
    again = render_to_dir(out_dir=tmp_path / "a")
    assert first.written and again.written == []


def test_only_the_changed_agency_is_rewritten(tmp_path):
    render_to_dir(out_dir=tmp_path)
    before = _snapshot(tmp_path)
    with schema_context("nkh"):
        phone = Phone.objects.order_by("id").first()
        phone.tier = "advanced"
        phone.save()
    result = render_to_dir(out_dir=tmp_path)
    changed = {p.relative_to(tmp_path).as_posix() for p in result.written}
    assert changed == {"agencies/nkh/pjsip.conf"}
    after = _snapshot(tmp_path)
    assert all(after[k] == before[k] for k in before if not str(k).startswith("agencies/nkh/pjsip"))
    assert result.changed_kinds == {"pjsip"}


def test_phones_dial_only_their_own_agency(tmp_path):
    render_to_dir(out_dir=tmp_path)
    fhi = (tmp_path / "agencies" / "fhi" / "extensions.conf").read_text()
    nkh_pjsip = (tmp_path / "agencies" / "nkh" / "pjsip.conf").read_text()
    assert "t-nkh" not in fhi and "nkh-p" not in fhi
    assert "context=t-nkh-phones" in nkh_pjsip and "t-fhi" not in nkh_pjsip


@pytest.mark.parametrize("bad", ["Kari\n[evil]\ntype=endpoint", "x;y", "${SHELL}", "#exec /bin/sh"])
def test_renderer_refuses_unsafe_values_that_bypassed_validation(tmp_path, bad):
    render_to_dir(out_dir=tmp_path)
    before = _snapshot(tmp_path)
    with schema_context("fhi"):
        # The database itself refuses a bad SIP password ...
        with pytest.raises(IntegrityError), transaction.atomic():
            Phone.objects.filter(pk=Phone.objects.order_by("id").first().pk).update(sip_password=bad)
        # ... but a voicemail e-mail has no database check: the renderer refuses it again.
        Voicemail.objects.filter(pk=Voicemail.objects.order_by("id").first().pk).update(email=bad)
    with pytest.raises(RenderError):
        render_to_dir(out_dir=tmp_path)
    assert _snapshot(tmp_path) == before  # nothing half-written


@pytest.mark.parametrize("bad", ["pw\nx", "pw;x", "pw,x", "${X}"])
def test_pure_renderer_refuses_unsafe_snapshot_values(bad):
    from asterisk_conf.render import render_pjsip
    from asterisk_conf.snapshot import AgencySnapshot

    snap = AgencySnapshot(slug="fhi", name="x", main_number="", allocated=[], phones=[{
        "id": 1, "tier": "simple", "password": bad.replace("\\n", "\n"), "ext": "1001", "outbound": "",
        "label": "x", "has_vm": False}])
    with pytest.raises(RenderError):
        render_pjsip(snap)


def test_free_text_reaches_config_only_as_a_harmless_comment(tmp_path):
    with schema_context("fhi"):
        # Bypass the validators, as a raw SQL import might.
        Person.objects.filter(last_name="Bakke").update(last_name="Bakke\n[evil]\n#exec /bin/sh ;-- x")
        phone = Phone.objects.get(extension__number="1001")
        phone.label = ""
        phone.save()
    render_to_dir(out_dir=tmp_path)
    text = (tmp_path / "agencies" / "fhi" / "extensions.conf").read_text()
    assert "\n[evil]" not in text and "\n#exec" not in text and ";--" not in text.replace("; ", "")
    assert comment("a\nb;--c--;") == "a b;- -c- -;"


def test_names_come_from_ids_and_slugs():
    assert naming.endpoint_name("fhi", 12) == "fhi-p12"
    assert naming.queue_name("nkh", 3) == "t-nkh-q3"
    assert naming.agency_of("PJSIP/fhi-p12-0000001a") == "fhi"
    assert naming.agency_of("t-nkh-q3") == "nkh"
    assert naming.agency_of("PJSIP/trunk-00000001") is None
    for bad in ["FHI", "fhi;x", "f", "fhi\n"]:
        with pytest.raises(ValueError):
            naming.endpoint_name(bad, 1)
    with pytest.raises(ValueError):
        naming.endpoint_name("fhi", "1;x")  # type: ignore[arg-type]


def test_render_command_for_one_agency(tmp_path, capsys):
    from django.core.management import CommandError, call_command

    call_command("render_asterisk_config", out=tmp_path, agency="nkh")
    assert (tmp_path / "agencies" / "nkh" / "queues.conf").exists()
    assert not (tmp_path / "agencies" / "fhi").exists()
    assert "1 etat(er)" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("render_asterisk_config", out=tmp_path, agency="finnesikke")


def test_holidays_are_rendered_for_closed_schedules(tmp_path):
    from switchboard.holidays import easter_sunday

    assert str(easter_sunday(2026)) == "2026-04-05" and str(easter_sunday(2027)) == "2027-03-28"
    render_to_dir(out_dir=tmp_path)
    text = (tmp_path / "agencies" / "fhi" / "extensions.conf").read_text()
    import datetime as dt
    year = dt.date.today().year
    assert f"-{year}0517,1" in text and f"-{year}1225,1" in text
    easter = easter_sunday(year)
    assert f"-{(easter - dt.timedelta(days=2)):%Y%m%d},1" in text  # Langfredag
    assert Agency.objects.filter(schema_name="fhi").exists()
