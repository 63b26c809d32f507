"""Previews read only the beginning of a report and decode it with its declared charset."""

from __future__ import annotations

import codecs

import pytest

from reports import preview as preview_module
from reports.preview import preview_report, python_encoding
from tests.factories import ReportFactory

pytestmark = pytest.mark.django_db

HEADER = "item-name\tseller-sku\tprice\n"


@pytest.mark.parametrize(
    ("declared", "codec"),
    [
        ("windows-1252", "cp1252"),
        ("windows-31j", "cp932"),
        ("Windows-31J", "cp932"),
        ("Shift_JIS", "cp932"),
        ("UTF-8", "utf-8"),
        ("", "cp1252"),
        ("no-such-charset", "cp1252"),
    ],
)
def test_declared_charsets_map_to_codecs(declared, codec):
    assert python_encoding(declared) == codec


def test_utf8_with_bom_loses_the_bom_whatever_was_declared():
    body = codecs.BOM_UTF8 + (HEADER + "Café crème\tSKU-1\t3.00\n").encode()
    report = ReportFactory(charset="utf-8", body=body)
    preview = preview_report(report)
    assert preview.headers[0] == "item-name"
    assert preview.rows == [["Café crème", "SKU-1", "3.00"]]


def test_japanese_text_in_windows_31j():
    body = (HEADER + "日本語の商品名\tSKU-1\t1000\n").encode("cp932")
    preview = preview_report(ReportFactory(charset="windows-31j", body=body))
    assert preview.rows == [["日本語の商品名", "SKU-1", "1000"]]


def test_only_the_beginning_of_a_large_report_is_read(monkeypatch):
    monkeypatch.setattr(preview_module, "PREVIEW_BYTES", 4096)
    line = "名前\tSKU\t1\n"
    body = (HEADER + line * 5000).encode("cp932")
    preview = preview_report(ReportFactory(charset="windows-31j", body=body), rows=10_000)
    assert preview.truncated
    assert all(row == ["名前", "SKU", "1"] for row in preview.rows), "no half line, no mojibake"
    assert len(preview.rows) < 4096 // len(line.encode("cp932"))


def test_xml_reports_are_pretty_printed_even_when_cut_off(monkeypatch):
    monkeypatch.setattr(preview_module, "PREVIEW_BYTES", 300)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Message><Order>'
        "<AmazonOrderId>111-1</AmazonOrderId><Item><SKU>A</SKU></Item></Order></Message>"
        + "<Message><Order><AmazonOrderId>111-2</AmazonOrderId></Order></Message>" * 50
        + "</AmazonEnvelope>"
    ).encode()
    report = ReportFactory(report_type="_GET_XML_ALL_ORDERS_DATA_BY_ORDER_DATE_", body=body)
    preview = preview_report(report)
    assert preview.format == "xml"
    assert preview.truncated
    lines = preview.text.splitlines()
    assert lines[:4] == [
        "<AmazonEnvelope>",
        "  <Message>",
        "    <Order>",
        "      <AmazonOrderId>111-1</AmazonOrderId>",
    ]


def test_xml_entities_are_not_expanded():
    body = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "expanded">]><r><a>&x;</a></r>'
    report = ReportFactory(report_type="_GET_XML_BROWSE_TREE_DATA_", body=body)
    assert "expanded" not in preview_report(report).text
