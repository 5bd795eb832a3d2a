"""Single sign-on against real OpenID Connect providers (django-oauth-toolkit, RS256) that the tests start
on 127.0.0.1: one issuer for FHI, another for NKH. The user agent is browser-less: the Django test client
for the platform, httpx with its own cookies for the provider."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_tenants.utils import schema_context

pytest.importorskip("oauth2_provider", reason="django-oauth-toolkit mangler (test-OIDC-leverandøren)")

from access.models import OidcConfig, OidcRoleMapping  # noqa: E402
from access.oidc import SignInRefused, oidc_claims_from_token, oidc_client  # noqa: E402
from audit.models import AuditEntry  # noqa: E402
from contactcenter.selectors import console_role  # noqa: E402
from tests.harness.oidc_harness import OidcProvider  # noqa: E402

pytestmark = pytest.mark.oidc
PW = "idp-passord-2026"


@pytest.fixture(scope="module")
def idps(tmp_path_factory):  # type: ignore[no-untyped-def]
    work = tmp_path_factory.mktemp("idp")
    fhi = OidcProvider(work, users=[
        {"username": "kari.nordmann", "password": PW, "email": "kari@fhi.example", "groups": ["grp-agent"]},
        {"username": "jonas.veileder", "password": PW, "groups": ["grp-agent", "grp-supervisor"]},
        {"username": "ada.admin", "password": PW, "groups": ["grp-admin"]},
        {"username": "uten.rolle", "password": PW, "groups": ["grp-kantine"]},
    ], clients=[{"client_id": "fhi-plattform", "client_secret": "fhi-hemmelig-klient-2026",
                 "redirect_uris": ["http://fhi.localhost/login/oidc/callback/"],
                 "logout_uris": ["http://fhi.localhost/login/"]}])
    nkh = OidcProvider(work, users=[{"username": "hanne.nkh", "password": PW, "groups": ["nkh-agent"]}],
                       clients=[{"client_id": "nkh-plattform", "client_secret": "nkh-hemmelig-klient-2026",
                                 "redirect_uris": ["http://nkh.localhost/login/oidc/callback/"]}])
    try:
        fhi.start()
        nkh.start()
    except Exception as exc:  # noqa: BLE001
        fhi.stop()
        nkh.stop()
        pytest.skip(f"OIDC-leverandøren startet ikke: {exc}")
    yield {"fhi": fhi, "nkh": nkh}
    fhi.stop()
    nkh.stop()


def _configure(slug, idp, client_id, secret, mappings):  # type: ignore[no-untyped-def]
    with schema_context(slug):
        config = OidcConfig.objects.create(issuer=idp.issuer, client_id=client_id, client_secret=secret)
        for group, role in mappings:
            OidcRoleMapping.objects.create(config=config, group=group, role=role)
        return config


@pytest.fixture
def sso(idps):  # type: ignore[no-untyped-def]
    for idp in idps.values():
        idp.agent.cookies.clear()
    _configure("fhi", idps["fhi"], "fhi-plattform", "fhi-hemmelig-klient-2026",
               [("grp-agent", "agent"), ("grp-supervisor", "supervisor"), ("grp-admin", "admin")])
    _configure("nkh", idps["nkh"], "nkh-plattform", "nkh-hemmelig-klient-2026", [("nkh-agent", "agent")])
    return idps


def _start(client, slug):  # type: ignore[no-untyped-def]
    response = client.get("/login/oidc/", HTTP_HOST=f"{slug}.localhost")
    assert response.status_code == 302, response.content.decode()[:500]
    return response.url


def _callback(client, slug, url):  # type: ignore[no-untyped-def]
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"http://{slug}.localhost/login/oidc/callback/", url
    return client.get(f"{parts.path}?{parts.query}", HTTP_HOST=f"{slug}.localhost", REMOTE_ADDR="203.0.113.5")


def sign_in(client, idp, slug, username):  # type: ignore[no-untyped-def]
    authorize = _start(client, slug)
    assert authorize.startswith(idp.issuer + "/authorize/")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"][0] and query["state"][0]
    return _callback(client, slug, idp.follow(authorize, username=username, password=PW))


def _user(slug, username):  # type: ignore[no-untyped-def]
    with schema_context(slug):
        return get_user_model().objects.get(username=username)


def test_login_page_offers_entra_id_only_where_set_up(client, sso):
    with schema_context("nkh"):
        OidcConfig.objects.all().delete()
    assert "/login/oidc/" in client.get("/login/", HTTP_HOST="fhi.localhost").content.decode()
    assert "/login/oidc/" not in client.get("/login/", HTTP_HOST="nkh.localhost").content.decode()
    assert client.get("/login/oidc/", HTTP_HOST="nkh.localhost").status_code == 404


def test_agent_signs_in_and_the_login_is_in_the_trail(client, sso):
    response = sign_in(client, sso["fhi"], "fhi", "kari.nordmann")
    assert response.status_code == 302 and response.url == "/console/"
    assert client.get("/console/", HTTP_HOST="fhi.localhost").status_code == 200
    user = _user("fhi", "kari.nordmann")
    assert not user.is_staff and not user.has_usable_password()
    with schema_context("fhi"):
        assert list(user.groups.values_list("name", flat=True)) == ["Agent"]
        assert user.oidc_identity.issuer == sso["fhi"].issuer
        entry = AuditEntry.objects.filter(action="login", object_pk=str(user.pk)).latest("id")
    assert entry.actor == "bruker:kari.nordmann" and entry.ip == "203.0.113.5"
    assert entry.detail["path"] == "/login/oidc/callback/"
    assert client.get("/admin/", HTTP_HOST="fhi.localhost").status_code == 302  # no admin role


def test_roles_come_from_the_groups_claim(sso):
    admin_client, sup_client = Client(), Client()
    assert sign_in(admin_client, sso["fhi"], "fhi", "ada.admin").url == "/admin/"
    assert admin_client.get("/admin/switchboard/person/", HTTP_HOST="fhi.localhost").status_code == 200
    sso["fhi"].agent.cookies.clear()
    assert sign_in(sup_client, sso["fhi"], "fhi", "jonas.veileder").url == "/console/"
    jonas = _user("fhi", "jonas.veileder")
    with schema_context("fhi"):
        assert set(jonas.groups.values_list("name", flat=True)) == {"Agent", "Veileder"}
        assert console_role(user=jonas)["supervisor"] and not jonas.is_staff
    assert sup_client.get("/wallboard/", HTTP_HOST="fhi.localhost").status_code == 200


def test_a_user_without_a_mapped_group_is_refused(client, sso):
    response = sign_in(client, sso["fhi"], "fhi", "uten.rolle")
    assert response.status_code == 403 and "ingen rolle" in response.content.decode()
    with schema_context("fhi"):
        assert not get_user_model().objects.filter(username="uten.rolle").exists()
        assert AuditEntry.objects.filter(action="login_failed").latest("id").detail["reason"] == "no_role"


def test_local_break_glass_account_is_never_taken_over(client, sso):
    with schema_context("fhi"):
        local = get_user_model().objects.create_user("kari.nordmann", password="lokalt-passord-2026", is_staff=True)
    sign_in(client, sso["fhi"], "fhi", "kari.nordmann")
    with schema_context("fhi"):
        local.refresh_from_db()
        assert local.check_password("lokalt-passord-2026") and not hasattr(local, "oidc_identity")
        assert get_user_model().objects.get(oidc_identity__subject__isnull=False, username__startswith="kari").username \
            == "kari.nordmann-2"
    assert Client().post("/login/", {"username": "kari.nordmann", "password": "lokalt-passord-2026"},
                         HTTP_HOST="fhi.localhost").status_code == 302


def test_state_is_one_use_and_bound_to_the_session_and_agency(sso):
    browser = Client()
    back = sso["fhi"].follow(_start(browser, "fhi"), username="kari.nordmann", password=PW)
    # Another browser (no such state in its session) and another agency refuse the same callback.
    assert _callback(Client(), "fhi", back).status_code == 403
    parts = urlsplit(back)
    assert Client().get(f"{parts.path}?{parts.query}", HTTP_HOST="nkh.localhost").status_code == 403
    tampered = back.replace("state=", "state=x")
    assert _callback(browser, "fhi", tampered).status_code == 403
    assert _callback(browser, "fhi", back).status_code == 302
    assert _callback(browser, "fhi", back).status_code == 403  # replay
    with schema_context("fhi"):
        reasons = list(AuditEntry.objects.filter(action="login_failed").values_list("detail__reason", flat=True))
    assert reasons.count("state") >= 3


def _fhi_id_token(sso):  # type: ignore[no-untyped-def]
    browser = Client()
    sign_in(browser, sso["fhi"], "fhi", "kari.nordmann")
    return browser.session["oidc_id_token"]


def test_id_token_of_another_agencys_issuer_is_refused(sso):
    token = {"id_token": _fhi_id_token(sso)}
    with schema_context("nkh"):
        config = OidcConfig.objects.get()
        with pytest.raises(SignInRefused) as refused:
            oidc_claims_from_token(config=config, client=oidc_client(config=config), token=token, nonce="x")
    assert refused.value.reason.startswith("id_token")
    # Even an agency that points at the same issuer with its own client refuses a token for another client.
    with schema_context("nkh"):
        config.issuer, config.client_id = sso["fhi"].issuer, "nkh-plattform"
        with pytest.raises(SignInRefused):
            oidc_claims_from_token(config=config, client=oidc_client(config=config), token=token, nonce="x")


def test_nonce_is_checked(sso):
    token = {"id_token": _fhi_id_token(sso)}
    with schema_context("fhi"):
        config = OidcConfig.objects.get()
        with pytest.raises(SignInRefused):
            oidc_claims_from_token(config=config, client=oidc_client(config=config), token=token, nonce="feil-nonce")


def test_logout_ends_local_and_provider_session(client, sso):
    sign_in(client, sso["fhi"], "fhi", "kari.nordmann")
    response = client.post("/logout/", HTTP_HOST="fhi.localhost")
    assert response.status_code == 302 and response.url.startswith(sso["fhi"].issuer + "/logout/")
    assert "id_token_hint=" in response.url
    assert client.get("/console/", HTTP_HOST="fhi.localhost").status_code == 302
    assert sso["fhi"].follow(response.url).startswith("http://fhi.localhost/login/?state=")
    again = sso["fhi"].agent.get(_start(client, "fhi"))
    assert again.status_code == 302 and "/accounts/login/" in again.headers["location"]


def test_client_secret_is_never_shown_back(client, sso):
    client.post("/admin/login/?next=/admin/", {"username": "admin", "password": "demo-passord-2026"},
                HTTP_HOST="fhi.localhost")
    with schema_context("fhi"):
        config = OidcConfig.objects.get()
    page = client.get(f"/admin/access/oidcconfig/{config.pk}/change/", HTTP_HOST="fhi.localhost").content.decode()
    assert "fhi-hemmelig-klient-2026" not in page
    with schema_context("fhi"):
        assert not AuditEntry.objects.filter(after__client_secret="fhi-hemmelig-klient-2026").exists()


def test_nkh_user_signs_in_at_nkh_only(sso):
    assert sign_in(Client(), sso["nkh"], "nkh", "hanne.nkh").status_code == 302
    with schema_context("fhi"):
        assert not get_user_model().objects.filter(username="hanne.nkh").exists()
