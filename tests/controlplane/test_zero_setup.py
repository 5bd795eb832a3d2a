"""The zero-setup path, as a new user runs it: no DATABASE_URL, no REDIS_URL.

Runs in child processes so it does not depend on how the main test run is configured: an embedded
PostgreSQL in a data folder that keeps its data across runs, the in-memory channel layer, and the
engine inside the web server's process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from asterisk_conf.runtime import find_asterisk
from tests.harness.asterisk_harness import free_port
from tests.helpers import OPS_HEADERS

ROOT = Path(__file__).resolve().parents[2]


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE",
                                                            "ASTERISK_CONFIG_DIR", "ASTERISK_SPOOL_DIR")}
    env.update(PLATFORM_DATA_DIR=str(data_dir), **extra)
    return env


def _manage(data_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_env(data_dir, **extra),
                          capture_output=True, text=True, timeout=300)


def test_embedded_postgres_keeps_data_across_runs(tmp_path):
    assert _manage(tmp_path, "platform_setup").returncode == 0
    out = _manage(tmp_path, "create_agency", "--name", "Helsedirektoratet", "--slug", "hdir",
                  "--org-number", "983544622")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "pg" / "PG_VERSION").exists()
    # A new process (the first server stopped when its process ended) sees the same data.
    out = _manage(tmp_path, "shell", "-c",
                  "from tenants.models import Agency; from django.conf import settings;"
                  "print(list(Agency.objects.exclude(schema_name='public').values_list('schema_name', flat=True)));"
                  "print(settings.CHANNEL_LAYERS['default']['BACKEND'])")
    assert out.returncode == 0, out.stderr
    assert "['hdir']" in out.stdout
    assert "InMemoryChannelLayer" in out.stdout
    # Rendering wrote this agency's config into the data folder.
    assert (tmp_path / "asterisk" / "etc" / "agencies" / "hdir" / "pjsip.conf").exists()
    # The last process using the embedded server stopped it.
    assert subprocess.run(["pgrep", "-f", str(tmp_path / "pg")], capture_output=True).returncode == 1


@pytest.mark.asterisk
@pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (se README).")
def test_run_platform_serves_and_runs_the_engine_in_process(tmp_path):
    assert _manage(tmp_path, "platform_setup").returncode == 0
    assert _manage(tmp_path, "demo").returncode == 0
    port = free_port()
    env = _env(tmp_path, ASTERISK_SIP_PORT=str(free_port()), ASTERISK_AMI_PORT=str(free_port()),
               ASTERISK_HTTP_PORT=str(free_port()))
    proc = subprocess.Popen([sys.executable, "manage.py", "run_platform", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        body = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/health/engine",
                                                                 headers=OPS_HEADERS), timeout=5) as resp:
                    body = resp.read().decode()
                    if '"engine": "ok"' in body:
                        break
            except Exception:
                pass
            time.sleep(0.5)
        assert '"engine": "ok"' in body, body
        req = urllib.request.Request(f"http://127.0.0.1:{port}/admin/login/", headers={"Host": f"fhi.localhost:{port}"})
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.status == 200
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        # Whatever the server left behind in this test's folder (managed Asterisk, embedded PostgreSQL).
        subprocess.run(["pkill", "-f", str(tmp_path)], check=False)
