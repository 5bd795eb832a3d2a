"""Phone provisioning as a phone sees it: Yealink and Snom fetch their files over real HTTP by MAC address, with
their own User-Agent, and get the vendors' documented keys rendered from the phone's tier; only a phone that
shows its secret gets credentials, every fetch is logged, unknown MACs are listed for the admin to claim; and a
phone set up from the served file registers to a real Asterisk."""

from __future__ import annotations

import shutil
import tempfile
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from asterisk_conf import naming
from asterisk_conf.runtime import find_asterisk
from switchboard.tiers import TIERS
from tests.harness.asterisk_harness import prepare
from tests.harness.baresip_harness import Baresip, find_baresip
from tests.harness.http_app import serve_app

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

YEALINK_UA = "Yealink SIP-T46U 108.86.0.20 {mac}"
SNOM_UA = "Mozilla/4.0 (compatible; snomD735-SIP 10.1.141.13 1.1.5-IFX-05.01.12 {mac})"
MACS = {"simple": "00:15:65:aa:00:01", "standard": "00:15:65:aa:00:02", "advanced": "00:04:13:aa:00:03"}


@pytest.fixture(scope="module")
def web(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The real ASGI application over HTTP on 127.0.0.1 (what a phone on the network reaches)."""
    with django_db_blocker.unblock(), serve_app() as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def phones(settings):  # type: ignore[no-untyped-def]
    """One FHI phone of each tier with a MAC address; put back as they were afterwards (agency schemas are not
    flushed between transactional tests)."""
    from switchboard import services
    from switchboard.models import Phone, ProvisioningFetch, UnknownDevice

    settings.PROVISIONING_SIP_HOST, settings.PROVISIONING_SIP_PORT = "127.0.0.1", 5060
    with schema_context("fhi"):
        chosen = {tier: Phone.objects.select_related("extension__person").filter(tier=tier, is_active=True)
                  .order_by("id").first() for tier in TIERS}
        for tier, phone in chosen.items():
            phone.mac_address = MACS[tier]
            services.config_object_save(obj=phone)
    yield chosen
    from django.db import connection

    connection.set_schema_to_public()  # the test client leaves the connection in fhi; the flush must not follow it
    for slug in ("fhi", "nkh"):
        with schema_context(slug):
            Phone.objects.filter(mac_address__in=MACS.values()).update(mac_address="")
            ProvisioningFetch.objects.all().delete()
            UnknownDevice.objects.all().delete()


def fetch(url: str, *, ua: str, host: str = "fhi.localhost") -> tuple[int, str]:
    req = urllib.request.Request(url, headers={"User-Agent": ua, "Host": host})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def yealink_keys(text: str) -> dict[str, str]:
    lines = text.splitlines()
    assert lines[0] == "#!version:1.0.0.1", "Yealink leser bare filer som starter med versjonslinjen"
    keys = {}
    for line in lines[1:]:
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition(" = ")
            keys[key] = value
    return keys


def _ext_numbers(slug: str) -> list[str]:
    from switchboard.models import Extension

    with schema_context(slug):
        return list(Extension.objects.order_by("number").values_list("number", flat=True))


def test_yealink_gets_its_tiers_config_by_mac(web, phones):
    for tier, phone in phones.items():
        mac = MACS[tier].replace(":", "")
        status, text = fetch(f"{web}/prov/{phone.provisioning_secret}/{mac}.cfg", ua=YEALINK_UA.format(mac=mac))
        assert status == 200, text[:500]
        keys = yealink_keys(text)
        spec = TIERS[tier]
        assert keys["account.1.enable"] == "1"
        assert keys["account.1.user_name"] == keys["account.1.auth_name"] == naming.endpoint_name("fhi", phone.pk)
        assert keys["account.1.password"] == phone.sip_password
        assert keys["account.1.sip_server.1.address"] == "127.0.0.1"
        assert keys["account.1.sip_server.1.port"] == "5060"
        assert keys["account.1.label"] == phone.extension.number
        types = {k: v for k, v in keys.items() if k.startswith("linekey.") and k.endswith(".type")}
        assert list(types.values()).count("15") == spec.lines  # line keys
        blf = [keys[k.replace(".type", ".value")] for k, v in types.items() if v == "16"]
        others = [n for n in _ext_numbers("fhi") if n != phone.extension.number]
        assert blf == others[:spec.blf_keys]
        record = [keys[k.replace(".type", ".value")] for k, v in types.items() if v == "11"]
        assert record == (["*3"] if spec.record_key else [])
        assert ("account.1.codec.g722.enable" in keys) == ("g722" in spec.audio_codecs)


def test_snom_gets_documented_xml_settings(web, phones):
    phone = phones["standard"]
    mac = MACS["standard"].replace(":", "").upper()  # Snom puts its MAC in upper case into {mac}
    status, text = fetch(f"{web}/prov/{phone.provisioning_secret}/{mac}.xml", ua=SNOM_UA.format(mac=mac))
    assert status == 200, text[:500]
    root = ET.fromstring(text.encode())
    assert root.tag == "settings"
    settings_el = root.find("phone-settings")

    def setting(name: str) -> str:
        el = settings_el.find(f"{name}[@idx='1']")
        assert el is not None, name
        return el.text or ""

    assert setting("user_active") == "on"
    assert setting("user_name") == naming.endpoint_name("fhi", phone.pk)
    assert setting("user_pass") == phone.sip_password
    assert setting("user_host") == "127.0.0.1:5060"
    assert setting("user_realname") == str(phone.extension.person)  # Norwegian name, intact
    fkeys = root.find("functionKeys").findall("fkey")
    assert [int(k.get("idx")) for k in fkeys] == list(range(len(fkeys)))
    values = [k.text for k in fkeys]
    assert values.count("line") == TIERS["standard"].lines
    others = [n for n in _ext_numbers("fhi") if n != phone.extension.number][:TIERS["standard"].blf_keys]
    assert [v for v in values if v.startswith("blf ")] == [f"blf <sip:{n}@127.0.0.1>" for n in others]


def _one_char_off(secret: str) -> str:
    """The secret with its last character changed (to another one: a random secret may end in the first pick)."""
    return secret[:-1] + ("y" if secret.endswith("x") else "x")


def test_no_credentials_without_the_phones_secret_and_every_fetch_logged(web, phones, admin_client):
    from switchboard.models import ProvisioningFetch, UnknownDevice

    simple, standard = phones["simple"], phones["standard"]
    mac = MACS["simple"].replace(":", "")
    attempts = [
        f"{web}/prov/{mac}.cfg",  # the bare URL a DHCP boot server would hand out
        f"{web}/prov/{standard.provisioning_secret}/{mac}.cfg",  # another phone's secret
        f"{web}/prov/{_one_char_off(simple.provisioning_secret)}/{mac}.cfg",
    ]
    for url in attempts:
        status, text = fetch(url, ua=YEALINK_UA.format(mac=mac))
        assert status == 404
        assert simple.sip_password not in text and "account.1" not in text
    # The same phone's secret and MAC, but asked at NKH's address: NKH has no such phone.
    status, text = fetch(f"{web}/prov/{simple.provisioning_secret}/{mac}.cfg", ua=YEALINK_UA.format(mac=mac),
                         host="nkh.localhost")
    assert status == 404 and simple.sip_password not in text
    with schema_context("fhi"):
        outcomes = list(ProvisioningFetch.objects.filter(mac_address=MACS["simple"]).order_by("at", "id")
                        .values_list("outcome", "phone_id", "user_agent"))
        assert [o[:2] for o in outcomes] == [("denied", simple.pk)] * 3
        assert outcomes[0][2] == YEALINK_UA.format(mac=mac)
    with schema_context("nkh"):
        assert UnknownDevice.objects.filter(mac_address=MACS["simple"]).exists()


def test_unknown_mac_gets_404_and_is_listed_for_the_admin_to_claim(web, phones, client):
    from django.contrib.auth import get_user_model

    from switchboard import services
    from switchboard.models import Extension, Phone, UnknownDevice

    new_mac = "00:15:65:bb:cc:dd"
    for _ in range(2):
        status, _text = fetch(f"{web}/prov/001565BBCCDD.cfg", ua=YEALINK_UA.format(mac="001565bbccdd"))
        assert status == 404
    with schema_context("fhi"):
        device = UnknownDevice.objects.get(mac_address=new_mac)
        assert device.fetches == 2 and device.vendor == "yealink" and "SIP-T46U" in device.user_agent
        client.force_login(get_user_model().objects.get(username="admin"))  # the session lives in fhi's schema
    page = client.get("/admin/switchboard/unknowndevice/", HTTP_HOST="fhi.localhost").content.decode()
    assert new_mac in page and f"/admin/switchboard/phone/add/?mac_address={new_mac}" in page
    form = client.get(f"/admin/switchboard/phone/add/?mac_address={new_mac}", HTTP_HOST="fhi.localhost").content
    assert new_mac.encode() in form
    with schema_context("fhi"):  # the admin claims it: a phone with that MAC; the device leaves the list
        phone = services.phone_create(extension=Extension.objects.order_by("number").first(), tier="simple",
                                      mac_address=new_mac)
        assert not UnknownDevice.objects.filter(mac_address=new_mac).exists()
    try:
        status, text = fetch(f"{web}/prov/{phone.provisioning_secret}/001565bbccdd.cfg",
                             ua=YEALINK_UA.format(mac="001565bbccdd"))
        assert status == 200 and phone.sip_password in text
        with schema_context("fhi"):
            old = phone.provisioning_secret
            services.phone_rotate_provisioning_secret(phone=phone)
        assert fetch(f"{web}/prov/{old}/001565bbccdd.cfg", ua=YEALINK_UA.format(mac="001565bbccdd"))[0] == 404
    finally:
        with schema_context("fhi"):
            Phone.objects.filter(pk=phone.pk).delete()


def test_admin_shows_provisioning_url_and_duplicate_mac_is_refused(phones, client):
    from django.contrib.auth import get_user_model

    from switchboard.models import Phone

    with schema_context("fhi"):
        client.force_login(get_user_model().objects.get(username="admin"))
        other = Phone.objects.exclude(pk__in=[p.pk for p in phones.values()]).first()
    phone = phones["advanced"]
    page = client.get(f"/admin/switchboard/phone/{phone.pk}/change/", HTTP_HOST="fhi.localhost").content.decode()
    assert f"http://fhi.localhost/prov/{phone.provisioning_secret}/" in page
    response = client.post(f"/admin/switchboard/phone/{other.pk}/change/", {
        "extension": other.extension_id, "tier": other.tier, "label": other.label, "mac_address": MACS["advanced"],
        "is_active": "on"}, HTTP_HOST="fhi.localhost")
    assert response.status_code == 200
    assert "En annen telefon har allerede denne MAC-adressen." in response.content.decode()


@pytest.mark.asterisk
@pytest.mark.baresip
@pytest.mark.skipif(find_asterisk() is None, reason="Ingen Asterisk funnet (ASTERISK_BIN, PATH eller /opt/asterisk)")
@pytest.mark.skipif(find_baresip() is None, reason="baresip er ikke installert (apt install baresip-core)")
def test_phone_set_up_from_provisioning_registers_to_real_asterisk(web, phones, settings, tmp_path):
    base = Path(tempfile.mkdtemp(prefix="pbx-prov-ast-"))
    asterisk = prepare(base)
    assert asterisk is not None
    asterisk.start()
    try:
        settings.PROVISIONING_SIP_PORT = asterisk.profile.sip_port
        phone = phones["advanced"]
        mac = MACS["advanced"].replace(":", "").upper()
        status, text = fetch(f"{web}/prov/{phone.provisioning_secret}/{mac}.xml", ua=SNOM_UA.format(mac=mac))
        assert status == 200
        root = ET.fromstring(text.encode())
        user = root.find("phone-settings/user_name[@idx='1']").text
        password = root.find("phone-settings/user_pass[@idx='1']").text
        host, port = root.find("phone-settings/user_host[@idx='1']").text.rsplit(":", 1)
        assert host == "127.0.0.1"
        ua = Baresip(tmp_path / "snom", username=user, password=password, sip_port=int(port),
                     rtp_base=int(__import__("os").environ.get("TEST_RTP_START", "26000")) + 900)
        try:
            contacts = ""
            for _ in range(50):
                contacts = asterisk.cli("pjsip show contacts")
                if f"{user}/sip:" in contacts:
                    break
                time.sleep(0.2)
            assert f"{user}/sip:" in contacts
        finally:
            ua.stop()
    finally:
        asterisk.stop()
        shutil.rmtree(base, ignore_errors=True)
