"""SMS text rules (GSM 03.38 / UCS-2, segments, templates), number parsing, file import dry run and Kannel's
rendered config: pure functions, no gateway."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from outbound.imports import rows_from_file
from outbound.kannel_conf import KannelConfig, KannelSmsc, render_kannel_conf
from outbound.numbers import number_normalise
from outbound.text import sms_shape, template_fill


def test_norwegian_letters_stay_gsm_and_segments_are_counted() -> None:
    assert sms_shape("Blåbærsyltetøy på Ærøy, Øst-Åsen").encoding == "gsm"
    assert sms_shape("x" * 160).segments == 1 and sms_shape("x" * 161).segments == 2
    assert sms_shape("€" * 80).units == 160  # extension characters count twice
    assert sms_shape("Hei – ÆØÅ").encoding == "ucs2" and sms_shape("–" * 70).segments == 1
    assert sms_shape("–" * 71).segments == 2


def test_template_variables_and_missing_ones() -> None:
    assert template_fill("Hei {navn}, timen er {tid}.", {"navn": "Åse", "tid": "09:30"}) == "Hei Åse, timen er 09:30."
    with pytest.raises(KeyError):
        template_fill("Hei {navn}", {"nummer": "+4791234567"})


def test_numbers_are_normalised_or_refused_in_norwegian() -> None:
    assert number_normalise("912 34 567") == number_normalise("0047 91234567") == "+4791234567"
    assert number_normalise("4791234567") == "+4791234567"
    with pytest.raises(ValueError, match="ikke et"):
        number_normalise("hei")


def test_csv_import_dry_run_gives_per_row_errors() -> None:
    data = "Navn;Nummer;Tid\nÅse Ødegård;91234567;09:30\nPer;abc;10:00\nKari;+4791234568;11:00\n".encode()
    result = rows_from_file(name="liste.csv", data=data)
    assert [r["nummer"] for r in result.rows] == ["+4791234567", "+4791234568"]
    assert result.rows[0]["navn"] == "Åse Ødegård" and result.rows[0]["tid"] == "09:30"
    assert result.errors == ["Rad 3: «abc» er ikke et telefonnummer."]


def test_excel_import_and_wrong_file_type() -> None:
    wb = Workbook()
    wb.active.append(["telefon", "navn"])
    wb.active.append([91234567, "Øystein"])
    wb.active.append(["", "tom"])
    wb.active.append(["123", "kort"])
    buf = io.BytesIO()
    wb.save(buf)
    result = rows_from_file(name="liste.xlsx", data=buf.getvalue())
    assert [(r["nummer"], r["navn"]) for r in result.rows] == [("+4791234567", "Øystein")]
    assert len(result.errors) == 2 and result.errors[0].startswith("Rad 3:")
    with pytest.raises(ValueError, match="CSV"):
        rows_from_file(name="liste.pdf", data=b"%PDF")


def test_kannel_config_is_rendered_and_refuses_injection() -> None:
    cfg = KannelConfig(admin_port=13000, admin_password="a", smsbox_port=13001, sendsms_port=13013,
                       sendsms_user="platform", sendsms_password="pw", inbound_url="http://127.0.0.1:8000/sms/in?t=%a",
                       smscs=(KannelSmsc("fake", port=10000),))
    text = render_kannel_conf(cfg)
    assert "group = sendsms-user" in text and 'get-url = "http://127.0.0.1:8000/sms/in?t=%a"' in text
    with pytest.raises(ValueError):
        render_kannel_conf(KannelConfig(**{**cfg.__dict__, "sendsms_password": "pw\ngroup = core"}))
    with pytest.raises(ValueError):
        render_kannel_conf(KannelConfig(**{**cfg.__dict__, "inbound_url": 'http://x/"a'}))
