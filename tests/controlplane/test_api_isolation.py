"""The REST API from the attacker's side: agency A's token never reads or writes agency B's data (by id, by host
header, by the token on the other domain); a token without the scope, a revoked or expired token is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from api.services import api_token_create, api_token_revoke
from contactcenter.models import Queue
from switchboard.models import Person

pytestmark = pytest.mark.django_db


def _token(slug: str, scopes: list[str]) -> str:
    with schema_context(slug):
        return api_token_create(name=f"test {slug}", scopes=scopes)[1]


def _get(client, slug: str, path: str, token: str, **extra):  # type: ignore[no-untyped-def]
    return client.get(path, HTTP_HOST=f"{slug}.localhost", HTTP_AUTHORIZATION=f"Bearer {token}", **extra)


def _problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_token_reads_own_people_only(client):
    token = _token("fhi", ["read"])
    names = {p["last_name"] for p in _get(client, "fhi", "/api/v1/people/?page_size=500", token).json()["results"]}
    with schema_context("fhi"):
        assert names == set(Person.objects.values_list("last_name", flat=True))
    with schema_context("nkh"):
        nkh_only = set(Person.objects.values_list("last_name", flat=True)) - names
    assert nkh_only, "demoen skal ha personer som bare finnes i NKH"


def test_fhi_token_at_nkh_domain_is_refused(client):
    token = _token("fhi", ["read", "write", "live"])
    body = _problem(_get(client, "nkh", "/api/v1/people/", token), 401)
    assert "nøkkel" in body["detail"]
    with schema_context("nkh"):
        before = Person.objects.count()
    response = client.post("/api/v1/people/", {"first_name": "Inn", "last_name": "Trenger"},
                           content_type="application/json", HTTP_HOST="nkh.localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    _problem(response, 401)
    with schema_context("nkh"):
        assert Person.objects.count() == before


def test_ids_of_other_agency_do_not_open(client):
    token = _token("nkh", ["read", "write"])
    with schema_context("fhi"):
        fhi_only = Person.objects.get(last_name="Lie")
        fhi_queue = Queue.objects.order_by("-id").first()
    with schema_context("nkh"):
        assert not Person.objects.filter(pk=fhi_only.pk).exists()
    _problem(_get(client, "nkh", f"/api/v1/people/{fhi_only.pk}/", token), 404)
    response = client.patch(f"/api/v1/people/{fhi_only.pk}/", {"last_name": "Endret"}, content_type="application/json",
                            HTTP_HOST="nkh.localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    _problem(response, 404)
    with schema_context("fhi"):
        assert Person.objects.get(pk=fhi_only.pk).last_name == "Lie"
    if fhi_queue is not None and not Queue.objects.filter(pk=fhi_queue.pk).exists():
        _problem(_get(client, "nkh", f"/api/v1/queues/{fhi_queue.pk}/", token), 404)


def test_no_api_at_platform_domain(client):
    token = _token("fhi", ["read"])
    response = client.get("/api/v1/people/", HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 404


def test_read_scope_cannot_write(client):
    token = _token("fhi", ["read"])
    response = client.post("/api/v1/people/", {"first_name": "Ny", "last_name": "Person"}, content_type="application/json",
                           HTTP_HOST="fhi.localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert "write" in _problem(response, 403)["detail"]
    with schema_context("fhi"):
        assert not Person.objects.filter(first_name="Ny", last_name="Person").exists()


def test_write_scope_cannot_read_or_act_live(client):
    token = _token("fhi", ["write"])
    _problem(_get(client, "fhi", "/api/v1/people/", token), 403)
    _problem(_get(client, "fhi", "/api/v1/live/", token), 403)


def test_write_goes_through_services_and_keeps_norwegian_text(client):
    token = _token("fhi", ["read", "write"])
    response = client.post("/api/v1/people/", {"first_name": "Åse-Marie", "last_name": "O'Brien Ødegård",
                                               "department": "Smittevern, Øst"},
                           content_type="application/json", HTTP_HOST="fhi.localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 201, response.content
    with schema_context("fhi"):
        assert Person.objects.get(pk=response.json()["id"]).last_name == "O'Brien Ødegård"
    bad = client.post("/api/v1/people/", {"first_name": "Ugyldig\x07", "last_name": "X"}, content_type="application/json",
                      HTTP_HOST="fhi.localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert any(e["field"] == "first_name" for e in _problem(bad, 400)["errors"])


def test_revoked_and_expired_tokens_are_refused(client):
    with schema_context("fhi"):
        token, secret = api_token_create(name="kortlivet", scopes=["read"])
    assert _get(client, "fhi", "/api/v1/people/", secret).status_code == 200
    with schema_context("fhi"):
        api_token_revoke(token=token)
    _problem(_get(client, "fhi", "/api/v1/people/", secret), 401)
    with schema_context("fhi"):
        token, secret = api_token_create(name="utløper", scopes=["read"],
                                         expires_at=timezone.now() + dt.timedelta(hours=1))
        type(token).objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    _problem(_get(client, "fhi", "/api/v1/people/", secret), 401)


def test_missing_token_and_language(client):
    body = _problem(client.get("/api/v1/people/", HTTP_HOST="fhi.localhost"), 401)
    assert body["title"] == "Ikke autentisert"
    english = _problem(client.get("/api/v1/people/?lang=en", HTTP_HOST="fhi.localhost"), 401)
    assert english["title"] == "Not authenticated"
    header = client.get("/api/v1/people/", HTTP_HOST="fhi.localhost", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8")
    assert header.json()["title"] == "Not authenticated" and header["Content-Language"] == "en"


def test_period_filter_and_bad_period(client):
    token = _token("fhi", ["read"])
    assert _get(client, "fhi", "/api/v1/calls/?from=2026-01-01&to=2026-02-01", token).status_code == 200
    body = _problem(_get(client, "fhi", "/api/v1/calls/?from=igår", token), 400)
    assert body["errors"][0]["field"] == "from"
    _problem(_get(client, "fhi", "/api/v1/calls/?from=2026-02-01&to=2026-01-01", token), 400)


def test_secret_is_stored_hashed(client):
    with schema_context("fhi"):
        token, secret = api_token_create(name="hash", scopes=["read"])
        stored = type(token).objects.filter(pk=token.pk).values_list("secret_hash", "prefix").get()
    assert secret not in stored[0] and len(stored[0]) == 64 and secret.startswith(stored[1])


def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/?format=json", HTTP_HOST="fhi.localhost")
    assert schema.status_code == 200 and "/api/v1/people/" in schema.json()["paths"]
    page = client.get("/api/docs/", HTTP_HOST="fhi.localhost").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page and "cdn." not in page
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js", HTTP_HOST="fhi.localhost")
    assert asset.status_code == 200


def test_unknown_api_path_is_a_problem_not_a_page(client):
    body = _problem(client.get("/api/v1/finnes-ikke/?lang=en", HTTP_HOST="fhi.localhost"), 404)
    assert body["detail"] == "Unknown address in the API. See /api/docs/."


def test_callers_experience_config_through_the_api_stays_in_the_agency(client):
    """The config added with callbacks, routing, recording and the switchboard is in the API too, through the same
    service as the admin; nkh's token neither sees nor changes fhi's."""
    from contactcenter.models import LegalBasis

    fhi, nkh = _token("fhi", ["read", "write"]), _token("nkh", ["read", "write"])
    made = client.post("/api/v1/legal-bases/", {"code": "trusler-api", "name": "Trusler mot ansatte, art. 6 nr. 1 f",
                                                "retention_days": 365},
                       content_type="application/json", HTTP_HOST="fhi.localhost", HTTP_AUTHORIZATION=f"Bearer {fhi}")
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert _get(client, "fhi", f"/api/v1/legal-bases/{pk}/", fhi).json()["name"] == "Trusler mot ansatte, art. 6 nr. 1 f"
    _problem(_get(client, "nkh", f"/api/v1/legal-bases/{pk}/", nkh), 404)
    assert all(row["code"] != "trusler-api" for row in _get(client, "nkh", "/api/v1/legal-bases/", nkh).json()["results"])
    bad = client.post("/api/v1/legal-bases/", {"code": "Ikke Gyldig!", "name": "x"}, content_type="application/json",
                      HTTP_HOST="fhi.localhost", HTTP_AUTHORIZATION=f"Bearer {fhi}")
    assert any(e["field"] == "code" for e in _problem(bad, 400)["errors"])
    for path in ("callback-policies", "queue-routing", "priority-callers", "recording-policies", "switchboards",
                 "operators"):
        assert _get(client, "fhi", f"/api/v1/{path}/", fhi).status_code == 200, path
    with schema_context("nkh"):
        assert not LegalBasis.objects.filter(code="trusler-api").exists()
