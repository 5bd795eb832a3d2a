"""The HTTP provider adapter against a local server answering with the provider's documented shapes (send, then a
JSON delivery report on the callback URL), and inbound MMS with a picture on the provider's multipart webhook."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from django_tenants.utils import schema_context

from controlplane import jobs
from outbound import selectors, services
from outbound.models import MessageState, SmsMessage

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# 1x1 PNG
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002"
                    "000154a24f5d0000000049454e44ae426082")


class _Provider(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.headers.get("Authorization") != "Bearer prov-token":
            self.send_response(401)
            self.end_headers()
            return
        _Provider.seen.append(body)
        reply = json.dumps({"id": f"prov-{len(_Provider.seen)}"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
        pass


@pytest.fixture
def provider(settings, platform_http):  # type: ignore[no-untyped-def]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SMS_GATEWAY = {"kind": "http", "url": f"http://127.0.0.1:{server.server_port}/v1/sms", "token": "prov-token"}
    settings.SMS_CALLBACK_BASE = platform_http.base
    _Provider.seen.clear()
    yield _Provider.seen
    server.shutdown()


def test_provider_send_and_json_delivery_report(provider) -> None:  # type: ignore[no-untyped-def]
    with schema_context("fhi"):
        send = services.sms_send_create(user_id=None, audience=selectors.audience_typed(text="91234570"),
                                        body="Hei fra leverandøren")
    jobs.run_pending_jobs(queues=["sms"])
    assert [(p["to"], p["text"]) for p in provider] == [("+4791234570", "Hei fra leverandøren")]
    with schema_context("fhi"):
        msg = SmsMessage.objects.get(send=send)
        assert msg.state == MessageState.SENT and msg.gateway_id == "prov-1"
    reply = httpx.post(provider[0]["callback_url"], json={"id": "prov-1", "status": "delivered"})
    assert reply.status_code == 200
    forged = httpx.post(provider[0]["callback_url"].replace("r=fhi", "r=nkh"), json={"status": "failed"})
    assert forged.status_code == 404
    with schema_context("fhi"):
        assert SmsMessage.objects.get(send=send).state == MessageState.DELIVERED


def test_inbound_mms_with_picture_becomes_inquiry(settings, platform_http) -> None:  # type: ignore[no-untyped-def]
    from contactcenter.selectors import inquiry_picture, message_inquiries

    settings.SMS_INBOUND_KEY = "mms-key"
    url = f"{platform_http.base}/sms/inbound/mms"
    form = {"key": "mms-key", "from": "+4790000002", "to": "+4721077010", "text": "Bilde av utslettet"}
    reply = httpx.post(url, data=form, files={"bilde": ("utslett.png", PNG, "image/png")})
    assert reply.status_code == 200
    assert httpx.post(url, data={**form, "key": "feil"}, files={"bilde": ("x.png", PNG, "image/png")}).status_code == 403
    with schema_context("fhi"):
        row = next(i for i in message_inquiries() if i["from_number"] == "+4790000002")
        assert row["channel"] == "mms" and row["has_picture"] and row["message"] == "Bilde av utslettet"
        assert inquiry_picture(inquiry_id=row["id"]) == (PNG, "image/png")
    with schema_context("nkh"):
        assert message_inquiries() == []
