"""Sounds and music on hold found the way real installs lay them out, and missing prompts said at start.

The layouts are built as temporary trees (no Asterisk needed); one test uses the real install here."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from asterisk_conf import status
from asterisk_conf.datadir import REQUIRED_PROMPTS, compose, data_sources
from asterisk_conf.runtime import RuntimeProfile, find_asterisk, guess_dirs, write_runtime
from tests.asterisk_conf.test_render_isolation import _health_json, memory_layer  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(False)


def _sounds(folder: Path, *, skip: tuple[str, ...] = ()) -> None:
    for name in (*REQUIRED_PROMPTS, "pm-invalid-option"):
        if name not in skip:
            path = folder / "en" / f"{name}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"RIFF")


def _moh(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "macroform-cold_day.wav").write_bytes(b"RIFF")


def _build(datadir: Path, *, sounds: bool, moh: bool) -> None:
    (datadir / "rest-api").mkdir(parents=True)
    (datadir / "rest-api" / "channels.json").write_text("{}")
    (datadir / "documentation").mkdir()
    (datadir / "sounds").mkdir()
    (datadir / "moh").mkdir()
    if sounds:
        _sounds(datadir / "sounds")
    if moh:
        _moh(datadir / "moh")


def _layout(root: Path, kind: str) -> tuple[Path, tuple[Path, ...]]:
    """(binary, system data folders) for one layout under ``root``."""
    system = (root / "usr/share/asterisk", root / "var/lib/asterisk")
    if kind == "distribution":
        _build(system[0], sounds=True, moh=True)
        system[1].mkdir(parents=True)
        for name in ("sounds", "moh"):
            (system[1] / name).symlink_to(system[0] / name)
        return root / "usr/sbin/asterisk", system
    build = root / "opt/asterisk/var/lib/asterisk"
    if kind == "source":
        _build(build, sounds=True, moh=True)
    else:  # a source build with empty sounds/moh, plus the distribution's sound packages
        _build(build, sounds=False, moh=False)
        _sounds(system[0] / "sounds")
        _moh(system[0] / "moh")
    return root / "opt/asterisk/sbin/asterisk", system


@pytest.mark.parametrize("kind", ["distribution", "source", "source+distribution-sounds"])
def test_each_layout_gives_a_complete_data_folder(tmp_path, kind, monkeypatch):
    monkeypatch.delenv("ASTERISK_DATADIR", raising=False)
    binary, system = _layout(tmp_path / "root", kind)
    _moddir, datadir = guess_dirs(str(binary), system_dirs=system)
    assert (Path(datadir) / "rest-api").is_dir()
    data = compose(tmp_path / "data", data_sources(datadir, system_dirs=system))
    assert data.missing_prompts == () and data.moh_files == 1
    assert (data.path / "sounds" / "en" / "pbx-transfer.wav").exists()
    assert (data.path / "rest-api" / "channels.json").exists()  # Asterisk exits without it
    assert (data.path / "moh" / "macroform-cold_day.wav").exists()


def test_empty_build_sounds_never_win_over_the_distributions(tmp_path, monkeypatch):
    """The reported bug: the build's own sounds/ exists but is empty; Debian's packages have the prompts."""
    monkeypatch.delenv("ASTERISK_DATADIR", raising=False)
    binary, system = _layout(tmp_path / "root", "source+distribution-sounds")
    _moddir, datadir = guess_dirs(str(binary), system_dirs=system)
    assert datadir == str(tmp_path / "root/opt/asterisk/var/lib/asterisk")
    data = compose(tmp_path / "data", data_sources(datadir, system_dirs=system))
    assert data.sounds == system[0] / "sounds" and data.moh == system[0] / "moh"


def test_asterisk_datadir_pointing_at_distribution_sounds_still_gets_rest_api(tmp_path, monkeypatch):
    binary, system = _layout(tmp_path / "root", "source+distribution-sounds")
    monkeypatch.setenv("ASTERISK_DATADIR", str(system[0]))
    _moddir, datadir = guess_dirs(str(binary), system_dirs=system)
    data = compose(tmp_path / "data", data_sources(datadir, binary=str(binary), system_dirs=system))
    assert (data.path / "rest-api").is_dir() and data.missing_prompts == ()


@pytest.mark.usefixtures("memory_layer")
def test_missing_prompt_is_warned_at_start_and_shown_in_health(tmp_path, caplog, settings):
    from engine.managed import check_data

    settings.ASTERISK_CONFIG_DIR = tmp_path / "other"
    datadir = tmp_path / "root/opt/asterisk/var/lib/asterisk"
    _build(datadir, sounds=False, moh=True)
    _sounds(datadir / "sounds", skip=("pbx-transfer",))
    profile = RuntimeProfile(base_dir=tmp_path / "ast", moddir="/nonexistent", datadir=str(datadir),
                             system_datadirs=())
    write_runtime(profile)
    (profile.etc_dir / "extensions.conf").write_text("exten => 1,1,Playback(vm-goodbye&tenant-hilsen)\n")
    status.watch(profile.etc_dir)
    try:
        with caplog.at_level(logging.WARNING):
            missing = check_data(profile)
        assert missing == ["pbx-transfer", "tenant-hilsen"]
        assert any("pbx-transfer" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
        code, body = _health_json()  # GET /health/engine
        assert code == 503 and body["engine"] == "degraded"
        assert body["config"]["missing_prompts"] == ["pbx-transfer", "tenant-hilsen"]
    finally:
        status.unwatch(profile.etc_dir)
    assert status.health()["missing_prompts"] == []


@pytest.mark.asterisk
@pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README).")
def test_real_install_here_has_every_prompt(tmp_path):
    binary = find_asterisk()
    moddir, datadir = guess_dirs(binary)
    profile = RuntimeProfile(base_dir=tmp_path, moddir=moddir, datadir=datadir)
    write_runtime(profile)
    assert (profile.data_dir / "rest-api").is_dir()
    from asterisk_conf.datadir import check, prompt_exists

    missing, moh_files = check(profile.data_dir, profile.etc_dir)
    assert missing == [] and moh_files > 0
    assert prompt_exists(profile.data_dir / "sounds", "pm-invalid-option")  # the talemeny's "invalid option"
    assert f"astdatadir => {profile.data_dir}" in profile.asterisk_conf.read_text()
