"""The console's WebSocket under a vendor grant: only with live view, view only, and gone once revoked.
A real engine (no Asterisk node) on the in-memory channel layer, as in tests/contactcenter/test_console_ws.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from importlib import import_module

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings

from tests.contactcenter.test_console_ws import engine, memory_layer  # noqa: F401  (fixtures)


@pytest.fixture
def vendors(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Two committed vendor accounts with grants at FHI (config read only; live view) and their sessions."""
    import pyotp
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from access.models import VendorGrant
    from access.services import grant_create
    from tenants.models import VendorAccount
    from tenants.services import vendor_account_create, vendor_totp_confirm

    store = import_module(settings.SESSION_ENGINE).SessionStore
    made: dict = {}

    def make() -> dict:
        tag = uuid.uuid4().hex[:6]  # own names per test: a stand-in left by an earlier test never clashes
        for name, scope in ((f"ws.lese.{tag}", "config_read"), (f"ws.sanntid.{tag}", "live_view")):
            account = vendor_account_create(username=name, password="leverandor-passord-2026", organisation="Acme")
            secret = pyotp.random_base32()
            vendor_totp_confirm(user_id=account.user_id, secret=secret, code=pyotp.TOTP(secret).now())
            with schema_context("fhi"):
                grant = grant_create(vendor_user_id=account.user_id, scopes={scope}, reason="WebSocket-test",
                                     expires_at=timezone.now() + dt.timedelta(hours=1), granted_by_id=None)
                session = store()
                session.update({SESSION_KEY: str(grant.local_user_id), BACKEND_SESSION_KEY: "access.backends.GrantBackend",
                                HASH_SESSION_KEY: grant.local_user.get_session_auth_hash()})
                session.save()
            made[scope] = {"grant": grant, "key": session.session_key, "user_id": account.user_id}
        return made

    def revoke(scope: str) -> None:
        from access.services import grant_revoke

        with schema_context("fhi"):
            grant_revoke(grant=made[scope]["grant"])

    with django_db_blocker.unblock():
        yield make, revoke
        for item in made.values():
            with schema_context("fhi"):
                store(item["key"]).delete()
                local = item["grant"].local_user_id
                VendorGrant.objects.filter(local_user_id=local).delete()
                get_user_model().objects.filter(pk=local).delete()
            # Raw deletes in the public schema: Django's cascade would look for agency tables there.
            VendorAccount.objects.filter(user_id=item["user_id"])._raw_delete("default")
            get_user_model().objects.filter(pk=item["user_id"])._raw_delete("default")


def _comm(key: str) -> WebsocketCommunicator:
    from controlplane.asgi import application

    return WebsocketCommunicator(application, "/ws/live/", headers=[
        (b"host", b"fhi.localhost"), (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode())])


async def test_vendor_live_data_only_with_live_view_and_no_actions(engine, vendors):  # noqa: F811
    make, revoke = vendors
    made = await asyncio.to_thread(make)
    config_only = _comm(made["config_read"]["key"])
    connected, code = await config_only.connect(timeout=5)
    assert not connected and code == 4401
    live = _comm(made["live_view"]["key"])
    connected, _code = await live.connect(timeout=5)
    assert connected
    assert (await live.receive_json_from(timeout=5))["type"] == "snapshot"
    await live.send_json_to({"action": "hangup", "id": 7, "channel": "PJSIP/fhi-phone-1-00000001"})
    answer = await live.receive_json_from(timeout=5)
    assert answer["type"] == "error" and answer["id"] == 7 and "bare innsyn" in answer["error"]
    await live.disconnect()
    await asyncio.to_thread(revoke, "live_view")
    again = _comm(made["live_view"]["key"])
    connected, code = await again.connect(timeout=5)
    assert not connected and code == 4401


def _make_operator(user_id: int) -> None:
    """What an agency admin could do by mistake: make the vendor's stand-in an operator on a phone's extension."""
    from django_tenants.utils import schema_context

    from switchboard.models import Extension, Operator

    with schema_context("fhi"):
        extension = Extension.objects.filter(phones__isnull=False).order_by("number").first()
        Operator.objects.create(user_id=user_id, extension=extension)


async def test_vendor_made_operator_only_watches_the_attendant_console(engine, vendors):  # noqa: F811
    from controlplane.asgi import application

    make, _revoke = vendors
    made = await asyncio.to_thread(make)
    await asyncio.to_thread(_make_operator, made["live_view"]["grant"].local_user_id)
    comm = WebsocketCommunicator(application, "/ws/attendant/", headers=[
        (b"host", b"fhi.localhost"), (b"cookie", f"{settings.SESSION_COOKIE_NAME}={made['live_view']['key']}".encode())])
    connected, _code = await comm.connect(timeout=5)
    assert connected
    assert (await comm.receive_json_from(timeout=5))["type"] == "snapshot"
    for action in ({"action": "answer", "id": 3, "call_id": "1733000000-9"}, {"action": "status", "id": 4, "status": "dnd"}):
        await comm.send_json_to(action)
        while True:
            answer = await comm.receive_json_from(timeout=5)
            if answer.get("id") == action["id"]:
                break
        assert answer["type"] == "error" and "bare innsyn" in answer["error"]
    await comm.disconnect()


async def test_an_open_console_closes_when_the_grant_is_revoked(engine, vendors):  # noqa: F811
    make, revoke = vendors
    made = await asyncio.to_thread(make)
    live = _comm(made["live_view"]["key"])
    assert (await live.connect(timeout=5))[0]
    assert (await live.receive_json_from(timeout=5))["type"] == "snapshot"
    await asyncio.to_thread(revoke, "live_view")
    closed = None
    for _ in range(20):  # frames may still arrive before the close
        message = await live.receive_output(timeout=5)
        if message["type"] == "websocket.close":
            closed = message
            break
    assert closed is not None and closed["code"] == 4401


async def test_an_open_console_closes_when_the_grant_expires(engine, vendors):  # noqa: F811
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from access.models import VendorGrant

    make, _revoke = vendors
    made = await asyncio.to_thread(make)

    def expire_soon() -> None:
        with schema_context("fhi"):
            VendorGrant.objects.filter(pk=made["live_view"]["grant"].pk).update(
                expires_at=timezone.now() + dt.timedelta(seconds=2))

    await asyncio.to_thread(expire_soon)
    live = _comm(made["live_view"]["key"])
    assert (await live.connect(timeout=5))[0]
    closed = None
    for _ in range(20):
        message = await live.receive_output(timeout=10)
        if message["type"] == "websocket.close":
            closed = message
            break
    assert closed is not None and closed["code"] == 4401
