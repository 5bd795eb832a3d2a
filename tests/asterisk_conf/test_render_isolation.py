"""One agency's bad state never stops another agency's config.

The data is corrupted directly in the database (as the release of a number range still in use once did):
a DID outside the agency's ranges. The other agency still renders, reloads and loads in a real Asterisk, the
broken agency keeps its last good files, health names it, and after the data is fixed it clears."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from asterisk_conf import status
from asterisk_conf.render import RenderFailed, render_to_dir
from asterisk_conf.runtime import find_asterisk
from contactcenter.models import Queue
from switchboard.models import Did
from tests.helpers import OPS_HEADERS

OUTSIDE = "+4799999999"  # no agency has this number


def _files(directory: Path, slug: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((directory / "agencies" / slug).glob("*.conf"))}


def _break_fhi() -> str:
    with schema_context("fhi"):
        did = Did.objects.order_by("number").first()
        Did.objects.filter(pk=did.pk).update(number=OUTSIDE)
        return did.number


def _fix_fhi(number: str) -> None:
    with schema_context("fhi"):
        Did.objects.filter(number=OUTSIDE).update(number=number)


def _rename_nkh_queue(name: str) -> None:
    with schema_context("nkh"):
        Queue.objects.filter(pk=Queue.objects.order_by("id").first().pk).update(name=name)


def test_failing_agency_keeps_its_files_and_the_others_are_written(tmp_path):
    render_to_dir(out_dir=tmp_path)
    fhi_before = _files(tmp_path, "fhi")
    top_before = (tmp_path / "extensions.conf").read_text()
    original = _break_fhi()
    _rename_nkh_queue("Omdøpt kø etter feil")
    with pytest.raises(RenderFailed) as caught:
        render_to_dir(out_dir=tmp_path)
    assert set(caught.value.failed) == {"fhi"} and f"{OUTSIDE} er ikke tildelt fhi" in caught.value.failed["fhi"]
    assert "Omdøpt kø etter feil" in (tmp_path / "agencies" / "nkh" / "queues.conf").read_text()
    assert caught.value.result.agencies == ["nkh"]
    assert _files(tmp_path, "fhi") == fhi_before  # last good config kept
    assert (tmp_path / "extensions.conf").read_text() == top_before  # and still included
    assert '#include "agencies/fhi/extensions.conf"' in top_before
    # Only nkh: fhi's failure does not touch it at all.
    render_to_dir(out_dir=tmp_path, only=["nkh"])
    _fix_fhi(original)
    result = render_to_dir(out_dir=tmp_path)
    assert result.failed == {} and sorted(result.agencies) == ["fhi", "nkh"]
    assert status.read(tmp_path)["agencies"]["fhi"]["ok"] is True


def test_failing_agency_without_earlier_config_is_left_out_of_the_top_level(tmp_path):
    _break_fhi()
    with pytest.raises(RenderFailed):
        render_to_dir(out_dir=tmp_path)
    top = (tmp_path / "extensions.conf").read_text()
    assert '#include "agencies/nkh/extensions.conf"' in top and "agencies/fhi" not in top
    assert (tmp_path / "agencies" / "nkh" / "pjsip.conf").exists()
    assert not (tmp_path / "agencies" / "fhi").exists()


def test_render_command_names_the_agency_exits_non_zero_and_writes_the_others(tmp_path, capsys):
    _break_fhi()
    with pytest.raises(CommandError) as caught:
        call_command("render_asterisk_config", out=tmp_path)
    message = str(caught.value)
    assert "Konfigurasjonen for etaten «fhi» ble ikke laget" in message and f"{OUTSIDE} er ikke tildelt fhi" in message
    assert "forrige fungerende konfigurasjon er beholdt" in message
    assert "nkh" not in message
    assert (tmp_path / "agencies" / "nkh" / "extensions.conf").exists()
    assert "1 etat(er) laget" in capsys.readouterr().out


def test_automatic_render_after_a_committed_change_does_not_raise(tmp_path, settings):
    from tenants.signals import agency_config_changed

    settings.ASTERISK_CONFIG_DIR = tmp_path
    settings.ASTERISK_AUTO_RENDER = True
    _break_fhi()
    # What the commit of an admin save sends (tenants.events); an exception here would be a 500.
    agency_config_changed.send(sender=None, schema_name="fhi")
    agency_config_changed.send(sender=None, schema_name="nkh")
    assert (tmp_path / "agencies" / "nkh" / "queues.conf").exists()
    assert status.health()["failed_agencies"]["fhi"]["error"].endswith("er ikke tildelt fhi")


@pytest.fixture
def memory_layer(settings):  # type: ignore[no-untyped-def]
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def _health_json() -> tuple[int, dict]:
    """GET /health/engine at the platform domain, answered by a real engine on the in-memory layer."""
    import json

    from asgiref.sync import async_to_sync
    from django.test import RequestFactory

    from controlplane.views import engine_health
    from engine.core import Engine

    async def run() -> tuple[int, dict]:
        engine = Engine(nodes=[], record_history=False)
        await engine.start()
        try:
            response = await engine_health(RequestFactory().get("/health/engine", HTTP_HOST="localhost",
                                                                        headers=OPS_HEADERS))
        finally:
            await engine.stop()
        return response.status_code, json.loads(response.content)

    return async_to_sync(run)()


def test_engine_health_names_the_failing_agency_and_clears(tmp_path, settings, memory_layer):
    settings.ASTERISK_CONFIG_DIR = tmp_path
    render_to_dir(out_dir=tmp_path)
    original = _break_fhi()
    with pytest.raises(RenderFailed):
        render_to_dir(out_dir=tmp_path)
    code, body = _health_json()
    assert code == 503 and body["engine"] == "degraded"
    assert list(body["config"]["failed_agencies"]) == ["fhi"]
    assert "er ikke tildelt fhi" in body["config"]["failed_agencies"]["fhi"]["error"]
    _fix_fhi(original)
    render_to_dir(out_dir=tmp_path)
    code, body = _health_json()
    assert body["config"]["failed_agencies"] == {}


@pytest.mark.asterisk
@pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README).")
def test_other_agency_loads_in_real_asterisk_while_one_is_broken(django_db_blocker):
    from tests.harness.asterisk_harness import prepare

    base = Path(tempfile.mkdtemp(prefix="cp-iso-"))
    ast = prepare(base)  # a good render first: fhi's last good config
    assert ast is not None
    fhi_before = _files(ast.profile.etc_dir, "fhi")
    _break_fhi()
    with schema_context("nkh"):
        queue = Queue.objects.order_by("id").first()
        Queue.objects.filter(pk=queue.pk).update(number="7345")
    ast.prepare()  # what run_platform does at start: must not raise
    assert _files(ast.profile.etc_dir, "fhi") == fhi_before
    assert status.health()["failed_agencies"].keys() == {"fhi"}
    ast.start()
    try:
        assert "7345" in ast.cli("dialplan show 7345@t-nkh-internal")  # nkh's new config is loaded
        assert "t-fhi-did" in ast.cli("dialplan show t-fhi-did")  # fhi still runs on its last good config
        assert not [p for p in ast.problems() if "nkh" in p or "fhi" in p], ast.problems()
    finally:
        ast.stop()
    assert "fhi" not in status.health()["failed_agencies"]  # stopped: no longer watched
