"""What a new user meets outside the live console: the platform domain's front page, styled Norwegian
error pages, the wallboard only for supervisors, and production mode refusing the development key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _login(client, username: str, slug: str = "fhi") -> None:  # type: ignore[no-untyped-def]
    response = client.post("/login/", {"username": username, "password": "demo-passord-2026", "next": "/console/"},
                           HTTP_HOST=f"{slug}.localhost")
    assert response.status_code == 302, response.content.decode()[:500]


def test_platform_domain_has_a_norwegian_front_page(client):
    response = client.get("/", HTTP_HOST="localhost")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Telefoniplattformen for helseetatene" in page and 'lang="nb"' in page
    assert 'href="/admin/"' in page and 'href="/health/engine"' in page
    assert "console.css" in page


def test_agent_gets_no_wallboard_link_and_a_styled_norwegian_403(client):
    _login(client, "ingrid")
    console = client.get("/console/", HTTP_HOST="fhi.localhost").content.decode()
    assert 'href="/wallboard/"' not in console
    response = client.get("/wallboard/", HTTP_HOST="fhi.localhost")
    page = response.content.decode()
    assert response.status_code == 403
    assert "Ingen tilgang" in page and "Tavla er bare for veiledere." in page and "console.css" in page
    data = client.get("/wallboard/data", HTTP_HOST="fhi.localhost")
    assert data.status_code == 403 and data.json()["error"] == "Tavla er bare for veiledere."


def test_error_pages_in_english_when_chosen(client):
    _login(client, "ingrid")
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/"}, HTTP_HOST="fhi.localhost")
    page = client.get("/wallboard/", HTTP_HOST="fhi.localhost").content.decode()
    assert "Access denied" in page and "The wallboard is for supervisors only." in page and "Tavla" not in page
    assert "No agents are logged in" in client.get("/console/", HTTP_HOST="fhi.localhost").content.decode()


def test_supervisor_sees_the_wallboard_link(client):
    _login(client, "jonas")
    console = client.get("/console/", HTTP_HOST="fhi.localhost").content.decode()
    assert 'href="/wallboard/"' in console
    assert client.get("/wallboard/", HTTP_HOST="fhi.localhost").status_code == 200


def test_agents_table_says_when_nobody_is_logged_in(client):
    _login(client, "ingrid")
    console = client.get("/console/", HTTP_HOST="fhi.localhost").content.decode()
    assert "Ingen agenter er pålogget" in console


def test_unknown_address_is_a_styled_norwegian_404(client):
    for host in ("fhi.localhost", "localhost"):
        response = client.get("/finnes-ikke/", HTTP_HOST=host)
        page = response.content.decode()
        assert response.status_code == 404
        assert "Fant ikke siden" in page and "console.css" in page


def test_server_error_page_is_norwegian_and_styled(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    page = response.content.decode()
    assert response.status_code == 500 and "Noe gikk galt" in page and "console.css" in page


def _check(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG", "DJANGO_SECRET_KEY")}
    # Settings only parse the address; `check` does not connect (and never starts the embedded server).
    base.update(DATABASE_URL="postgres://nobody@127.0.0.1:1/none", **env)
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=base, capture_output=True, text=True,
                          timeout=120)


def test_production_mode_is_the_default_and_refuses_the_development_key():
    out = _check()
    assert out.returncode != 0
    assert "controlplane.E001" in out.stderr and "produksjonsmodus" in out.stderr and "DJANGO_SECRET_KEY" in out.stderr
    assert _check(DJANGO_SECRET_KEY="kort").returncode != 0
    ok = _check(DJANGO_SECRET_KEY="x9" * 30)
    assert ok.returncode == 0, ok.stderr
    dev = _check(DJANGO_DEBUG="1")
    assert dev.returncode == 0, dev.stderr


def test_dev_run_turns_on_development_mode():
    script = (ROOT / "dev").read_text()
    run_branch = script.split("  run)", 1)[1].split(";;", 1)[0]
    assert "export DJANGO_DEBUG=${DJANGO_DEBUG:-1}" in run_branch
