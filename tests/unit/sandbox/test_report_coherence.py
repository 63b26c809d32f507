"""Generated reports agree with one another, as one seller's real reports do.

A settlement adds up to its total and settles orders that the orders reports list; its flat,
V2 and XML forms are one settlement; inventory reports list the AFN listings of the listings
reports with the same stock. Bodies are parsed here with csv and lxml only.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from lxml import etree

from mwssandbox.catalogue import Catalogue
from mwssandbox.reportgen import (
    UNDECLARED_CHARSET_REPORT_TYPES,
    GeneratedReport,
    build_report,
)

US, DE, JP = "ATVPDKIKX0DER", "A1PA6795UKMFR9", "A1VC38T7YXB528"
FLAT = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_"
FLAT_V2 = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_"
XML = "_GET_V2_SETTLEMENT_REPORT_DATA_XML_"
BY_UPDATE = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_"
BY_DATE = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_"
XML_BY_UPDATE = "_GET_XML_ALL_ORDERS_DATA_BY_LAST_UPDATE_"
FLAT_ORDERS = "_GET_FLAT_FILE_ORDERS_DATA_"
START = datetime(2020, 6, 4, tzinfo=UTC)
END = START + timedelta(days=14)
# Longest time from purchase to shipment, and from shipment to refund, of the sandbox's orders.
SHIPPING = timedelta(days=3)
REFUNDING = timedelta(days=21)
# Every column of the flat settlement that holds an amount (the summary's total aside).
FLAT_AMOUNTS = (
    "shipment-fee-amount", "order-fee-amount", "price-amount", "item-related-fee-amount",
    "misc-fee-amount", "other-fee-amount", "direct-payment-amount", "other-amount",
)  # fmt: skip


def catalogue(marketplace_id: str = US, size: int = 400) -> Catalogue:
    return Catalogue.generate("A1SELLER", marketplace_id, seed=3, size=size)


def build(
    report_type: str,
    source: Catalogue,
    start: datetime = START,
    end: datetime = END,
    target_bytes: int | None = None,
) -> GeneratedReport:
    return build_report(
        report_type,
        catalogue=source,
        marketplace_id=source.marketplace_id,
        seed=11,
        start_date=start,
        end_date=end,
        target_bytes=target_bytes,
    )


def table(generated: GeneratedReport) -> list[dict[str, str]]:
    text = b"".join(generated.chunks()).decode(generated.charset)
    return list(csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))


def settlement(report_type: str, source: Catalogue, **window: datetime) -> list[dict[str, str]]:
    """The detail rows of a flat settlement, each with the summary's values filled in."""
    summary, *details = table(build(report_type, source, **window))
    assert not summary["transaction-type"]
    return [{**row, **{k: v for k, v in summary.items() if v}} for row in details]


def flat_total(rows: list[dict[str, str]], report_type: str) -> Decimal:
    columns = FLAT_AMOUNTS if report_type == FLAT else ("amount",)
    return sum((Decimal(row[name]) for row in rows for name in columns if row[name]), Decimal(0))


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace(" UTC", "+00:00"))


def by_order(rows: list[dict[str, str]], key: str = "amazon-order-id") -> dict[str, dict]:
    found = {row[key]: row for row in rows}
    assert len(found) == len(rows)  # one item per order in the sandbox
    return found


def price_lines(rows: list[dict[str, str]], report_type: str) -> dict[tuple[str, str], Decimal]:
    """(order id, transaction type) -> {price type: amount} of a flat settlement's price lines."""
    lines: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        if report_type == FLAT and row["price-type"]:
            lines[(row["order-id"], row["transaction-type"])][row["price-type"]] = Decimal(
                row["price-amount"]
            )
        elif report_type == FLAT_V2 and row["amount-type"] == "ItemPrice":
            lines[(row["order-id"], row["transaction-type"])][row["amount-description"]] = Decimal(
                row["amount"]
            )
    return lines


# Totals --------------------------------------------------------------------------------------


@pytest.mark.parametrize("report_type", [FLAT, FLAT_V2])
@pytest.mark.parametrize("marketplace_id", [US, DE, JP])
def test_every_amount_of_every_line_adds_up_to_the_total(
    report_type: str, marketplace_id: str
) -> None:
    rows = settlement(report_type, catalogue(marketplace_id))
    kinds = Counter(row["transaction-type"] for row in rows)

    assert {"Order", "Refund"} <= set(kinds)
    assert flat_total(rows, report_type) == Decimal(rows[0]["total-amount"])


def test_a_sized_flat_settlement_still_adds_up_over_every_amount_column() -> None:
    generated = build(FLAT, catalogue(), target_bytes=2_000_000)
    summary, *details = table(generated)

    assert len(details) > 5000
    assert flat_total(details, FLAT) == Decimal(summary["total-amount"])


# Settlements and orders ----------------------------------------------------------------------


@pytest.mark.parametrize("report_type", [FLAT, FLAT_V2])
def test_settled_orders_are_the_orders_reports_shipped_orders(report_type: str) -> None:
    source = catalogue()
    rows = settlement(report_type, source)
    updated = by_order(table(build(BY_UPDATE, source)))
    bought = by_order(table(build(BY_DATE, source, start=START - SHIPPING)))
    requested = by_order(table(build(FLAT_ORDERS, source, start=START - SHIPPING)), "order-id")
    prices = price_lines(rows, report_type)
    posted = "posted-date-time" if report_type == FLAT_V2 else "posted-date"
    orders = {row["order-id"]: row for row in rows if row["transaction-type"] == "Order"}

    assert len(orders) > 20
    for order_id, line in orders.items():
        for listed in (updated[order_id], bought[order_id]):
            assert listed["order-status"] == "Shipped"
            assert (listed["sku"], listed["quantity"]) == (line["sku"], line["quantity-purchased"])
            assert moment(listed["last-updated-date"]) == moment(line[posted])
            price = prices[(order_id, "Order")]
            assert Decimal(listed["item-price"]) == price["Principal"]
            assert Decimal(listed["item-tax"]) == price.get("Tax", 0)
            assert Decimal(listed["shipping-price"]) == price.get("Shipping", 0)
            assert Decimal(listed["shipping-tax"]) == price.get("ShippingTax", 0)
        assert requested[order_id]["sku"] == line["sku"]
        assert requested[order_id]["item-price"] == updated[order_id]["item-price"]
    # And the other way round: every order shipped in the period is settled in it.
    shipped = {key for key, row in updated.items() if row["order-status"] == "Shipped"}
    assert shipped == set(orders)


def test_the_xml_orders_report_lists_the_same_orders_as_the_flat_one() -> None:
    source = catalogue()
    flat = by_order(table(build(BY_UPDATE, source)))
    root = etree.fromstring(b"".join(build(XML_BY_UPDATE, source).chunks()))
    xml = {
        order.findtext("AmazonOrderID"): (
            order.findtext("OrderItem/SKU"),
            order.findtext("OrderItem/Quantity"),
            order.findtext("LastUpdatedDate"),
        )
        for order in root.iter("Order")
    }

    assert xml == {
        key: (row["sku"], row["quantity"], row["last-updated-date"]) for key, row in flat.items()
    }


@pytest.mark.parametrize("report_type", [FLAT, FLAT_V2])
def test_refunds_give_back_what_an_earlier_order_was_paid(report_type: str) -> None:
    source = catalogue()
    rows = settlement(report_type, source)
    bought = by_order(table(build(BY_DATE, source, start=START - SHIPPING - REFUNDING)))
    prices = price_lines(rows, report_type)
    posted = "posted-date-time" if report_type == FLAT_V2 else "posted-date"
    refunds = {row["order-id"]: row for row in rows if row["transaction-type"] == "Refund"}

    assert refunds
    for order_id, line in refunds.items():
        order = bought[order_id]
        assert order["order-status"] == "Shipped"
        assert (order["sku"], order["quantity"]) == (line["sku"], line["quantity-purchased"])
        assert prices[(order_id, "Refund")]["Principal"] == -Decimal(order["item-price"])
        assert moment(line[posted]) > moment(order["last-updated-date"])
        assert line["adjustment-id"]


def test_back_to_back_settlements_split_the_orders_between_them() -> None:
    source = catalogue()
    middle = START + timedelta(days=7)
    first = settlement(FLAT_V2, source, end=middle)
    second = settlement(FLAT_V2, source, start=middle)
    whole = settlement(FLAT_V2, source)

    def settled(rows: list[dict[str, str]]) -> Counter[tuple[str, str]]:
        return Counter((row["order-id"], row["transaction-type"]) for row in rows)

    assert first[0]["settlement-id"] != second[0]["settlement-id"]
    assert not set(settled(first)) & set(settled(second))
    assert settled(first) + settled(second) == settled(whole)
    total = Decimal(first[0]["total-amount"]) + Decimal(second[0]["total-amount"])
    assert total == Decimal(whole[0]["total-amount"])


def test_consecutive_settlements_vary_so_a_trend_shows() -> None:
    source = catalogue()
    periods = [(START + k * timedelta(14), START + (k + 1) * timedelta(14)) for k in range(5)]
    totals = [
        Decimal(settlement(FLAT, source, start=start, end=end)[0]["total-amount"])
        for start, end in periods
    ]

    assert len(set(totals)) == 5
    assert max(totals) - min(totals) > Decimal("0.05") * max(totals)


# One settlement, three formats ---------------------------------------------------------------


def test_flat_v2_and_xml_are_one_settlement() -> None:
    source = catalogue(DE)
    flat, flat_v2 = settlement(FLAT, source), settlement(FLAT_V2, source)
    root = etree.fromstring(b"".join(build(XML, source).chunks()))
    data = root.find("Message/SettlementReport/SettlementData")
    report = root.find("Message/SettlementReport")

    def per_order(rows: list[dict[str, str]], report_type: str) -> dict[tuple[str, str], Decimal]:
        columns = FLAT_AMOUNTS if report_type == FLAT else ("amount",)
        sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for row in rows:
            for name in columns:
                if row[name]:
                    sums[(row["order-id"], row["transaction-type"])] += Decimal(row[name])
        return dict(sums)

    xml_sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for element in report:
        if element.tag == "SettlementData":
            continue
        key = (element.findtext("AmazonOrderID") or "", element.tag)
        if element.tag == "OtherTransaction":
            key = ("", element.findtext("TransactionType"))
        for amount in element.iter("Amount"):
            assert amount.get("currency") == "EUR"
            xml_sums[key] += Decimal(amount.text)

    assert flat[0]["settlement-id"] == flat_v2[0]["settlement-id"]
    assert data.findtext("AmazonSettlementID") == flat[0]["settlement-id"]
    assert Decimal(data.findtext("TotalAmount")) == Decimal(flat[0]["total-amount"])
    assert data.find("TotalAmount").get("currency") == "EUR"
    assert Decimal(flat_v2[0]["total-amount"]) == Decimal(flat[0]["total-amount"])
    assert sum(xml_sums.values()) == Decimal(data.findtext("TotalAmount"))
    assert per_order(flat, FLAT) == per_order(flat_v2, FLAT_V2) == dict(xml_sums)
    assert moment(data.findtext("StartDate")) == START
    assert moment(data.findtext("EndDate")) == END
    assert moment(data.findtext("DepositDate")) > END


def test_the_xml_settlement_has_the_settlement_report_shape() -> None:
    generated = build(XML, catalogue())
    root = etree.fromstring(b"".join(generated.chunks()))
    order = root.find("Message/SettlementReport/Order")
    refund = root.find("Message/SettlementReport/Refund")

    assert generated.content_type == "text/xml;charset=UTF-8"
    assert root.findtext("MessageType") == "SettlementReport"
    assert order.findtext("Fulfillment/MerchantFulfillmentID") in {"AFN", "MFN"}
    types = [c.findtext("Type") for c in order.iterfind("Fulfillment/Item/ItemPrice/Component")]
    assert types[0] == "Principal"
    assert "Commission" in [f.findtext("Type") for f in order.iterfind(".//ItemFees/Fee")]
    assert refund.findtext("AdjustmentID")
    assert refund.find("Fulfillment/AdjustedItem/ItemPriceAdjustments/Component") is not None


def test_a_sized_xml_settlement_reaches_its_size_and_adds_up() -> None:
    target = 1_000_000
    data = b"".join(build(XML, catalogue(), target_bytes=target).chunks())
    root = etree.fromstring(data)
    amounts = [Decimal(a.text) for a in root.iter("Amount")]

    assert target <= len(data) < target + 4096
    assert sum(amounts) == Decimal(root.findtext(".//TotalAmount"))


# Charsets ------------------------------------------------------------------------------------


@pytest.mark.parametrize("report_type", sorted(UNDECLARED_CHARSET_REPORT_TYPES))
def test_some_flat_reports_declare_no_charset(report_type: str) -> None:
    assert build(report_type, catalogue(JP)).content_type == "text/plain"


@pytest.mark.parametrize(
    "report_type",
    [FLAT_ORDERS, "_GET_FBA_MYI_ALL_INVENTORY_DATA_", "_GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA_"],
)
def test_a_report_without_a_charset_is_still_in_the_marketplace_charset(report_type: str) -> None:
    data = b"".join(build(report_type, catalogue(JP)).chunks())

    assert any(char > "\x7f" for char in data.decode("cp932"))
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


# Inventory and listings ----------------------------------------------------------------------


def test_inventory_reports_list_the_afn_listings_with_the_same_stock() -> None:
    source = catalogue()
    listings = table(build("_GET_MERCHANT_LISTINGS_ALL_DATA_", source))
    afn = {row["seller-sku"]: row for row in listings if row["fulfillment-channel"] != "DEFAULT"}
    active = {sku for sku, row in afn.items() if row["status"] == "Active"}
    inventory = table(build("_GET_AFN_INVENTORY_DATA_", source))
    myi_all = {row["sku"]: row for row in table(build("_GET_FBA_MYI_ALL_INVENTORY_DATA_", source))}
    myi = table(build("_GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA_", source))
    stock = {
        (row["seller-sku"], row["Warehouse-Condition-code"]): int(row["Quantity Available"])
        for row in inventory
    }

    assert active
    assert set(active) != set(afn)
    assert {row["seller-sku"] for row in inventory} == set(myi_all) == set(afn)
    assert {row["sku"] for row in myi} == active
    for sku, row in myi_all.items():
        assert (row["asin"], row["afn-listing-exists"]) == (afn[sku]["asin1"], "Yes")
        assert row["fnsku"] == next(
            r["fulfillment-channel-sku"] for r in inventory if r["seller-sku"] == sku
        )
        assert int(row["afn-fulfillable-quantity"]) == stock[(sku, "SELLABLE")]
        assert int(row["afn-unsellable-quantity"]) == stock.get((sku, "UNSELLABLE"), 0)
        quantities = {
            name: int(value) for name, value in row.items() if name.endswith("-quantity") and value
        }
        assert quantities["afn-warehouse-quantity"] == (
            quantities["afn-fulfillable-quantity"]
            + quantities["afn-unsellable-quantity"]
            + quantities["afn-reserved-quantity"]
        )
        assert quantities["afn-total-quantity"] == quantities["afn-warehouse-quantity"] + sum(
            quantities[f"afn-inbound-{stage}-quantity"]
            for stage in ("working", "shipped", "receiving")
        )
        # Merchant reports leave the stock of Amazon-fulfilled listings to these reports.
        assert afn[sku]["quantity"] == ""
