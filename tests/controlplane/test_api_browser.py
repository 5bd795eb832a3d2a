"""The agency admin in real headless Chromium makes an API token (the key shown once, in Norwegian), and the key
works against the running server at FHI's domain only; the interactive API docs render from the platform's own
assets. Screenshots under the artifacts dir."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.controlplane.test_admin_browser import CHROMIUM, PASSWORD, _check, browser, server  # noqa: F401 (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not __import__("os").access(CHROMIUM, __import__("os").X_OK),
                       reason="Chromium finnes ikke (apt install chromium)."),
    pytest.mark.django_db,
]


def _forget_token(name: str) -> None:
    """The live server committed the token on its own connection: remove it the same way, so no later test sees it."""
    import psycopg
    from django.db import connection

    db = connection.settings_dict
    with psycopg.connect(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None, host=db["HOST"],
                         port=db["PORT"] or None, autocommit=True) as conn:
        conn.execute("DELETE FROM fhi.api_apitoken WHERE name = %s", [name])


@pytest.fixture
def token_name():  # type: ignore[no-untyped-def]
    name = f"Rapportering, Ørsta {uuid.uuid4().hex[:6]}"
    yield name
    _forget_token(name)


def test_admin_makes_a_token_that_works_only_at_its_own_agency(server, browser, artifacts_dir, token_name):  # noqa: F811
    base = f"http://fhi.localhost:{server.port}"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    page.goto(f"{base}/admin/api/apitoken/add/")
    page.fill("#id_name", token_name)
    page.check("input[name=scopes][value=write]")
    page.click("input[name=_save]")
    message = page.wait_for_selector(".messagelist").inner_text()
    problems = _check(page, "fhi-api-apitoken-laget", artifacts_dir)
    assert "vises ikke igjen" in message and token_name in page.inner_text("#result_list")
    key = re.search(r"tpk_[A-Za-z0-9_-]{40,}", message).group(0)
    page.goto(f"{base}/admin/api/apitoken/")
    assert key not in page.content()  # shown once
    def api(host: str) -> int:
        return httpx.get(f"http://127.0.0.1:{server.port}/api/v1/queues/", timeout=10,
                         headers={"Host": f"{host}:{server.port}", "Authorization": f"Bearer {key}"}).status_code
    assert api("fhi.localhost") == 200
    assert api("nkh.localhost") == 401
    page.goto(f"{base}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20000)
    page.screenshot(path=str(artifacts_dir / "api-docs.png"), full_page=False)
    assert "Telefoniplattform" in page.inner_text(".swagger-ui .info .title")
    page.close()
    assert problems == [], "\n".join(problems)
