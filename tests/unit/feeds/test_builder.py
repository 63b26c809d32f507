"""The feed builder turns a small table into an envelope that passes the upload checks."""

from __future__ import annotations

import io

import pytest
from lxml import etree

from feeds.builder import RowsRefused, build_envelope, parse_rows
from feeds.checks import check_xml


def test_inventory_rows_with_a_header_and_optional_latency():
    rows = parse_rows("sku,quantity,latency\nA-1,5,2\nB-2,0\n", "inventory")
    assert [(r.sku, r.quantity, r.latency) for r in rows] == [("A-1", 5, 2), ("B-2", 0, None)]


def test_semicolon_and_tab_tables_are_read_too():
    assert parse_rows("A;1\nB;2", "inventory")[1].quantity == 2
    assert parse_rows("A\t9.99\tusd", "price")[0].currency == "USD"


def test_every_bad_line_is_named():
    with pytest.raises(RowsRefused) as caught:
        parse_rows("A,5\nB,-1\n,3\nC,1,0\nA,2\n" + "X" * 41 + ",1", "inventory")
    problems = caught.value.problems
    assert problems[0].startswith("Line 2: quantity “-1”")
    assert problems[1] == "Line 3: the SKU is missing"
    assert problems[2].startswith("Line 4: fulfillment latency “0”")
    assert problems[3] == "Line 5: SKU A is already on line 1; give each SKU once"
    assert "longer than 40" in problems[4]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("A,abc,USD", "not a number"),
        ("A,0,USD", "above 0"),
        ("A,1.999,USD", "at most two decimals"),
        ("A,1.99,XYZ", "must be one of"),
        ("A,1.99", "expected SKU, price and currency"),
    ],
)
def test_bad_prices_are_refused(line, expected):
    with pytest.raises(RowsRefused) as caught:
        parse_rows(line, "price")
    assert expected in caught.value.problems[0]


def test_an_empty_table_is_refused():
    with pytest.raises(RowsRefused):
        parse_rows(" \n", "inventory")
    with pytest.raises(RowsRefused):
        parse_rows("sku,quantity\n", "inventory")


def test_an_inventory_envelope_passes_the_checks_and_escapes_skus():
    rows = parse_rows("A&B<1>,5,2\nC,7", "inventory")
    document = build_envelope(rows, "inventory", "A1MERCHANT")
    assert check_xml(io.BytesIO(document), "Inventory").messages == 2
    root = etree.fromstring(document)
    assert root.findtext("Header/MerchantIdentifier") == "A1MERCHANT"
    first = root.find("Message")
    assert first.findtext("MessageID") == "1"
    assert first.findtext("Inventory/SKU") == "A&B<1>"
    assert first.findtext("Inventory/FulfillmentLatency") == "2"
    assert root.findall("Message")[1].find("Inventory/FulfillmentLatency") is None


def test_a_price_envelope_carries_the_currency():
    document = build_envelope(parse_rows("A,19.9,eur", "price"), "price", "M")
    assert check_xml(io.BytesIO(document), "Price").messages == 1
    price = etree.fromstring(document).find("Message/Price/StandardPrice")
    assert (price.text, price.get("currency")) == ("19.90", "EUR")
