"""Previews read only the beginning of a report and decode it as reports.reading does: the
declared charset, else the report's marketplace's, a UTF-8 byte order mark winning."""

from __future__ import annotations

import codecs

import pytest

from reports import preview as preview_module
from reports.preview import preview_report
from tests.factories import (
    ReportFactory,
    ReportRequestFactory,
    SellerFactory,
    SellerMarketplaceFactory,
)

pytestmark = pytest.mark.django_db

HEADER = "item-name\tseller-sku\tprice\n"


JP = "A1VC38T7YXB528"


def test_the_marketplace_is_the_requests_first():
    request = ReportRequestFactory(marketplace_ids=[JP, "ATVPDKIKX0DER"])
    SellerMarketplaceFactory(seller=request.seller, marketplace_id="A1PA6795UKMFR9")
    report = ReportFactory(seller=request.seller, request=request)
    assert report.marketplace_id == JP


def test_without_request_marketplaces_it_is_the_sellers_first_participation():
    seller = SellerFactory(region="EU")
    SellerMarketplaceFactory(seller=seller, marketplace_id="A1PA6795UKMFR9")
    SellerMarketplaceFactory(seller=seller, marketplace_id="A13V1IB3VIYZZH")
    request = ReportRequestFactory(seller=seller, marketplace_ids=[])
    assert ReportFactory(seller=seller, request=request).marketplace_id == "A1PA6795UKMFR9"
    assert ReportFactory(seller=seller).marketplace_id == "A1PA6795UKMFR9"


@pytest.mark.parametrize(
    ("region", "marketplace_id"),
    [("NA", "ATVPDKIKX0DER"), ("EU", "A1F83G8C2ARO7P"), ("FE", JP), ("CN", "AAHKV2X7AFYLW")],
)
def test_else_it_is_the_default_marketplace_of_the_sellers_region(region, marketplace_id):
    report = ReportFactory(seller=SellerFactory(region=region))
    assert report.marketplace_id == marketplace_id


def test_an_undeclared_jp_report_previews_in_windows_31j():
    body = (HEADER + "日本語の商品名【限定①】\tSKU-1\t1000\n").encode("cp932")
    seller = SellerFactory(region="FE")
    SellerMarketplaceFactory(seller=seller, marketplace_id=JP, country_code="JP")
    preview = preview_report(ReportFactory(seller=seller, charset="", body=body))
    assert preview.encoding == "cp932"
    assert preview.rows == [["日本語の商品名【限定①】", "SKU-1", "1000"]]


def test_an_undeclared_us_report_previews_in_windows_1252():
    body = (HEADER + "Café “crème” €\tSKU-1\t3.00\n").encode("cp1252")
    preview = preview_report(ReportFactory(charset="", body=body))
    assert preview.encoding == "cp1252"
    assert preview.rows == [["Café “crème” €", "SKU-1", "3.00"]]


def test_an_unknown_declared_charset_falls_back_to_the_marketplace():
    body = (HEADER + "商品\tSKU-1\t1000\n").encode("cp932")
    report = ReportFactory(seller=SellerFactory(region="FE"), charset="x-unheard-of", body=body)
    preview = preview_report(report)
    assert preview.encoding == "cp932"
    assert preview.rows == [["商品", "SKU-1", "1000"]]


def test_utf8_with_bom_loses_the_bom_whatever_was_declared():
    body = codecs.BOM_UTF8 + (HEADER + "Café crème\tSKU-1\t3.00\n").encode()
    report = ReportFactory(charset="windows-1252", body=body)
    preview = preview_report(report)
    assert preview.encoding == "utf-8"
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
