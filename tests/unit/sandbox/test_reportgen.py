"""Generated reports: headers, charsets, windows, sizes, streaming and determinism."""

from __future__ import annotations

import base64
import hashlib
import os
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psutil
import pytest
from lxml import etree

from mwssandbox.catalogue import Catalogue
from mwssandbox.reportgen import (
    CHUNK_SIZE,
    SUPPORTED_REPORT_TYPES,
    GeneratedReport,
    build_report,
)

US = "ATVPDKIKX0DER"
CA = "A2EUQ1WTGCTBG2"
DE = "A1PA6795UKMFR9"
UK = "A1F83G8C2ARO7P"
JP = "A1VC38T7YXB528"
SG = "A19VAU5U5O7RUS"
START = datetime(2020, 6, 1, tzinfo=UTC)
END = datetime(2020, 6, 3, tzinfo=UTC)

# Header lines as the reference (section 2.17) gives them.
HEADERS = {
    "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_": "sku\tasin\tprice\tquantity",
    "_GET_MERCHANT_LISTINGS_DATA_": (
        "item-name\titem-description\tlisting-id\tseller-sku\tprice\tquantity\topen-date\t"
        "image-url\titem-is-marketplace\tproduct-id-type\tzshop-shipping-fee\titem-note\t"
        "item-condition\tzshop-category1\tzshop-browse-path\tzshop-storefront-feature\tasin1\t"
        "asin2\tasin3\twill-ship-internationally\texpedited-shipping\tzshop-boldface\t"
        "product-id\tbid-for-featured-placement\tadd-delete\tpending-quantity\t"
        "fulfillment-channel\tBusiness Price\tQuantity Price Type\tQuantity Lower Bound 1\t"
        "Quantity Price 1\tQuantity Lower Bound 2\tQuantity Price 2\tQuantity Lower Bound 3\t"
        "Quantity Price 3\tQuantity Lower Bound 4\tQuantity Price 4\tQuantity Lower Bound 5\t"
        "Quantity Price 5\tmerchant-shipping-group\tProgressive Price Type\t"
        "Progressive Lower Bound 1\tProgressive Price 1\tProgressive Lower Bound 2\t"
        "Progressive Price 2\tProgressive Lower Bound 3\tProgressive Price 3"
    ),
    "_GET_MERCHANT_LISTINGS_ALL_DATA_": (
        "item-name\titem-description\tlisting-id\tseller-sku\tprice\tquantity\topen-date\t"
        "image-url\titem-is-marketplace\tproduct-id-type\tzshop-shipping-fee\titem-note\t"
        "item-condition\tzshop-category1\tzshop-browse-path\tzshop-storefront-feature\tasin1\t"
        "asin2\tasin3\twill-ship-internationally\texpedited-shipping\tzshop-boldface\t"
        "product-id\tbid-for-featured-placement\tadd-delete\tpending-quantity\t"
        "fulfillment-channel\tmerchant-shipping-group\tstatus"
    ),
    "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_": (
        "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\t"
        "fulfillment-channel\tsales-channel\torder-channel\turl\tship-service-level\t"
        "product-name\tsku\tasin\titem-status\tquantity\tcurrency\titem-price\titem-tax\t"
        "shipping-price\tshipping-tax\tgift-wrap-price\tgift-wrap-tax\titem-promotion-discount\t"
        "ship-promotion-discount\tship-city\tship-state\tship-postal-code\tship-country\t"
        "promotion-ids\tis-business-order\tpurchase-order-number\tprice-designation"
    ),
    "_GET_AFN_INVENTORY_DATA_": (
        "seller-sku\tfulfillment-channel-sku\tasin\tcondition-type\tWarehouse-Condition-code\t"
        "Quantity Available"
    ),
    "_GET_AFN_INVENTORY_DATA_BY_COUNTRY_": (
        "seller-sku\tfulfillment-channel-sku\tasin\tcondition-type\tcountry\t"
        "quantity-for-local-fulfillment"
    ),
    "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_": (
        "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\t"
        "currency\ttransaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\t"
        "marketplace-name\tshipment-fee-type\tshipment-fee-amount\torder-fee-type\t"
        "order-fee-amount\tfulfillment-id\tposted-date\torder-item-code\t"
        "merchant-order-item-id\tmerchant-adjustment-item-id\tsku\tquantity-purchased\t"
        "price-type\tprice-amount\titem-related-fee-type\titem-related-fee-amount\t"
        "misc-fee-amount\tother-fee-amount\tother-fee-reason-description\t"
        "direct-payment-type\tdirect-payment-amount\tother-amount"
    ),
    "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_": (
        "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\t"
        "currency\ttransaction-type\torder-id\tmerchant-order-id\tadjustment-id\tshipment-id\t"
        "marketplace-name\tamount-type\tamount-description\tamount\tfulfillment-id\t"
        "posted-date\tposted-date-time\torder-item-code\tmerchant-order-item-id\t"
        "merchant-adjustment-item-id\tsku\tquantity-purchased\tpromotion-id"
    ),
}
HEADERS["_GET_MERCHANT_LISTINGS_INACTIVE_DATA_"] = HEADERS["_GET_MERCHANT_LISTINGS_ALL_DATA_"]
HEADERS["_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_"] = (
    HEADERS["_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_"] + "\tis-sold-by-ab"
)
# The docs' GetReport example (reference 2.11) and Seller Central's Manage FBA Inventory file.
HEADERS["_GET_FLAT_FILE_ORDERS_DATA_"] = (
    "order-id\torder-item-id\tpurchase-date\tpayments-date\tbuyer-email\tbuyer-name\t"
    "buyer-phone-number\tsku\tproduct-name\tquantity-purchased\tcurrency\titem-price\t"
    "item-tax\tshipping-price\tshipping-tax\tship-service-level\trecipient-name\t"
    "ship-address-1\tship-address-2\tship-address-3\tship-city\tship-state\t"
    "ship-postal-code\tship-country\tship-phone-number\tdelivery-start-date\t"
    "delivery-end-date\tdelivery-time-zone\tdelivery-Instructions"
)
HEADERS["_GET_FBA_MYI_ALL_INVENTORY_DATA_"] = HEADERS[
    "_GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA_"
] = (
    "sku\tfnsku\tasin\tproduct-name\tcondition\tyour-price\tmfn-listing-exists\t"
    "mfn-fulfillable-quantity\tafn-listing-exists\tafn-warehouse-quantity\t"
    "afn-fulfillable-quantity\tafn-unsellable-quantity\tafn-reserved-quantity\t"
    "afn-total-quantity\tper-unit-volume\tafn-inbound-working-quantity\t"
    "afn-inbound-shipped-quantity\tafn-inbound-receiving-quantity"
)
FLAT_TYPES = sorted(HEADERS)
XML_TYPES = ["_GET_XML_ALL_ORDERS_DATA_BY_LAST_UPDATE_", "_GET_XML_ALL_ORDERS_DATA_BY_ORDER_DATE_"]
XML_SETTLEMENT = "_GET_V2_SETTLEMENT_REPORT_DATA_XML_"


def catalogue(marketplace_id: str = US, size: int = 300, seed: int = 7) -> Catalogue:
    return Catalogue.generate("A1SELLER", marketplace_id, seed=seed, size=size)


def report(
    report_type: str,
    source: Catalogue,
    *,
    seed: int = 7,
    start: datetime | None = START,
    end: datetime | None = END,
    target_bytes: int | None = None,
) -> GeneratedReport:
    return build_report(
        report_type,
        catalogue=source,
        marketplace_id=source.marketplace_id,
        seed=seed,
        target_bytes=target_bytes,
        start_date=start,
        end_date=end,
    )


def body(generated: GeneratedReport) -> bytes:
    return b"".join(generated.chunks())


def rows(generated: GeneratedReport) -> list[list[str]]:
    text = body(generated).decode(generated.charset)
    return [line.split("\t") for line in text.split("\n")[:-1]]


def column(table: list[list[str]], name: str) -> list[str]:
    index = table[0].index(name)
    return [row[index] for row in table[1:]]


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_supported_types_cover_the_issue() -> None:
    assert set(FLAT_TYPES) | set(XML_TYPES) | {XML_SETTLEMENT} == SUPPORTED_REPORT_TYPES


@pytest.mark.parametrize("report_type", FLAT_TYPES)
def test_flat_reports_start_with_the_real_header_and_keep_to_its_columns(
    report_type: str,
) -> None:
    table = rows(report(report_type, catalogue()))

    assert "\t".join(table[0]) == HEADERS[report_type]
    assert len(table) > 5
    assert all(len(row) == len(table[0]) for row in table)


@pytest.mark.parametrize(
    "report_type", [*FLAT_TYPES, *XML_TYPES, XML_SETTLEMENT, "_GET_SELLER_FEEDBACK_DATA_"]
)
def test_reports_are_deterministic_for_a_seed_and_re_iterable(report_type: str) -> None:
    first = report(report_type, catalogue())
    again = report(report_type, catalogue())

    assert body(first) == body(again)
    assert body(first) == body(first)
    assert first.digest() == again.digest()


@pytest.mark.parametrize(
    "report_type",
    [
        "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_",
        "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_",
        "_GET_XML_ALL_ORDERS_DATA_BY_LAST_UPDATE_",
        XML_SETTLEMENT,
        "_GET_FLAT_FILE_ORDERS_DATA_",
    ],
)
def test_another_seed_gives_other_transactions(report_type: str) -> None:
    assert body(report(report_type, catalogue(), seed=7)) != body(
        report(report_type, catalogue(), seed=8)
    )


def test_digest_is_size_and_base64_md5_of_the_streamed_body() -> None:
    generated = report("_GET_MERCHANT_LISTINGS_DATA_", catalogue())
    data = body(generated)

    assert generated.digest() == (
        len(data),
        base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode(),
    )


def test_a_type_without_a_generator_or_layout_is_a_generic_tab_separated_report() -> None:
    generated = report("FeedSummaryReport", catalogue())
    table = rows(generated)

    assert generated.content_type == "text/plain;charset=windows-1252"
    assert table[0] == [
        "date",
        "seller-sku",
        "asin",
        "product-name",
        "quantity",
        "currency",
        "amount",
    ]
    assert len(table) > 5
    assert all(len(row) == 7 for row in table)
    assert all(START <= parse_iso(row[0]) <= END for row in table[1:])


# Charsets ------------------------------------------------------------------------------------


def test_us_reports_are_windows_1252_and_say_so() -> None:
    generated = report("_GET_MERCHANT_LISTINGS_DATA_", catalogue(US))
    data = body(generated)

    assert generated.content_type == "text/plain;charset=windows-1252"
    assert generated.charset == "cp1252"
    assert "é".encode("cp1252") in data
    assert "é".encode() not in data
    assert any(char in data.decode("cp1252") for char in "éüñøÆ")


def test_the_euro_sign_is_the_windows_1252_byte_not_latin_1() -> None:
    generated = report("_GET_MERCHANT_LISTINGS_ALL_DATA_", catalogue(DE))
    data = body(generated)

    assert b"\x80" in data  # "€" exists in windows-1252 only
    assert "€" in data.decode(generated.charset)


def test_japanese_reports_are_windows_31j() -> None:
    generated = report("_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_", catalogue(JP))
    table = rows(generated)

    assert generated.content_type == "text/plain;charset=windows-31j"
    assert generated.charset == "cp932"
    assert {"東京都", "大阪府"} & set(column(table, "ship-state"))
    assert set(column(table, "currency")) == {"JPY"}
    assert all("." not in price for price in column(table, "item-price"))


def test_amazon_ca_merchant_listings_are_utf8_with_a_byte_order_mark() -> None:
    listings = report("_GET_MERCHANT_LISTINGS_DATA_", catalogue(CA))
    inventory = report("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", catalogue(CA))
    data = body(listings)

    assert listings.content_type == "text/plain;charset=utf-8"
    assert data.startswith(b"\xef\xbb\xbfitem-name\t")
    assert data.count(b"\xef\xbb\xbf") == 1
    assert data.decode(listings.charset).startswith("item-name\t")
    assert inventory.content_type == "text/plain;charset=windows-1252"
    assert body(inventory).startswith(b"sku\t")


def test_far_east_reports_are_utf8() -> None:
    generated = report("_GET_MERCHANT_LISTINGS_DATA_", catalogue(SG))

    assert generated.content_type == "text/plain;charset=UTF-8"
    assert "é" in body(generated).decode("utf-8")


def test_xml_reports_are_well_formed_utf8_with_consecutive_message_ids() -> None:
    generated = report("_GET_XML_ALL_ORDERS_DATA_BY_LAST_UPDATE_", catalogue(DE))
    root = etree.fromstring(body(generated))
    messages = root.findall("Message")

    assert generated.content_type == "text/xml;charset=UTF-8"
    assert root.findtext("MessageType") == "AllOrdersReport"
    assert [int(m.findtext("MessageID")) for m in messages] == list(range(1, len(messages) + 1))
    assert len(messages) > 5
    assert {m.findtext("Order/SalesChannel") for m in messages} == {"Amazon.de"}
    updated = [parse_iso(m.findtext("Order/LastUpdatedDate")) for m in messages]
    assert all(START <= moment <= END for moment in updated)
    assert updated == sorted(updated)


# Windows -------------------------------------------------------------------------------------


def test_orders_by_last_update_fall_inside_the_window_in_time_order() -> None:
    table = rows(report("_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_", catalogue()))
    updated = [parse_iso(value) for value in column(table, "last-updated-date")]
    purchased = [parse_iso(value) for value in column(table, "purchase-date")]

    assert all(START <= moment <= END for moment in updated)
    assert updated == sorted(updated)
    assert all(p <= u for p, u in zip(purchased, updated, strict=True))
    assert len(set(column(table, "amazon-order-id"))) == len(table) - 1


def test_orders_by_order_date_are_bought_inside_the_window() -> None:
    table = rows(report("_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_", catalogue()))
    purchased = [parse_iso(value) for value in column(table, "purchase-date")]
    updated = [parse_iso(value) for value in column(table, "last-updated-date")]

    assert all(START <= moment <= END for moment in purchased)
    assert all(p <= u <= END for p, u in zip(purchased, updated, strict=True))


def test_overlapping_windows_agree_on_the_orders_they_share() -> None:
    source = catalogue()
    middle = START + timedelta(days=1)
    early = rows(report(ORDERS, source, start=START, end=middle + timedelta(hours=12)))
    late = rows(report(ORDERS, source, start=middle, end=END))

    def shared(table: list[list[str]]) -> set[str]:
        index = table[0].index("last-updated-date")
        cutoff = middle + timedelta(hours=12)
        return {"\t".join(row) for row in table[1:] if middle <= parse_iso(row[index]) <= cutoff}

    assert shared(early)
    assert shared(early) == shared(late)


ORDERS = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_"


def test_a_report_without_dates_ends_now_and_covers_a_day() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    table = rows(report(ORDERS, catalogue(size=5000), start=None, end=None, target_bytes=50_000))
    after = datetime.now(UTC)
    updated = [parse_iso(value) for value in column(table, "last-updated-date")]

    assert before - timedelta(days=1) <= min(updated)
    assert max(updated) <= after


@pytest.mark.parametrize(
    ("report_type", "date_format"),
    [
        ("_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_", "%Y-%m-%dT%H:%M:%S%z"),
        ("_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_", "%Y-%m-%d %H:%M:%S UTC"),
    ],
)
def test_settlements_cover_the_window_and_their_total_adds_up(
    report_type: str, date_format: str
) -> None:
    table = rows(report(report_type, catalogue()))
    header, summary, details = table[0], table[1], table[2:]

    def moment(value: str) -> datetime:
        return datetime.strptime(value, date_format).replace(tzinfo=UTC)

    assert (moment(summary[1]), moment(summary[2])) == (START, END)
    assert summary[5] == "USD"
    assert all(value == "" for value in summary[6:])
    assert {row[0] for row in details} == {summary[0]}
    posted_column = "posted-date-time" if report_type.endswith("_V2_") else "posted-date"
    posted = [moment(row[header.index(posted_column)]) for row in details]
    assert all(START <= value <= END for value in posted)
    amount_columns = [
        index
        for index, name in enumerate(header)
        if name in {"amount", "price-amount", "item-related-fee-amount", "other-amount"}
    ]
    total = sum(Decimal(row[index]) for row in details for index in amount_columns if row[index])
    assert Decimal(summary[4]) == total
    assert {"Order", "Refund"} <= {row[6] for row in details}


def test_a_sized_settlement_still_adds_up() -> None:
    generated = report(
        "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_", catalogue(), target_bytes=3_000_000
    )
    table = rows(generated)
    amount = table[0].index("amount")

    assert Decimal(table[1][4]) == sum(Decimal(row[amount]) for row in table[2:])


def test_an_inverted_window_has_no_data() -> None:
    generated = report(ORDERS, catalogue(), start=END, end=START)

    assert generated.is_empty
    assert rows(generated) == [HEADERS[ORDERS].split("\t")]


def test_a_catalogue_without_listings_has_no_data() -> None:
    empty = catalogue(size=0)

    assert report("_GET_MERCHANT_LISTINGS_DATA_", empty).is_empty
    assert report(ORDERS, empty).is_empty
    assert report(ORDERS, empty, target_bytes=10_000).is_empty
    assert not report(ORDERS, catalogue()).is_empty


def test_a_report_for_another_marketplace_than_the_catalogue_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot make a report"):
        build_report(ORDERS, catalogue=catalogue(US), marketplace_id=DE, seed=1)


# Catalogue state -----------------------------------------------------------------------------


def test_listings_reports_show_the_catalogue_as_it_is_now() -> None:
    source = catalogue(size=50)
    target = next(item for item in source.listings() if item.is_active and not item.is_afn)
    before = rows(report("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", source))

    source.set_price(target.sku, Decimal("4.56"))
    source.set_inventory(target.sku, quantity=0)
    inventory = rows(report("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", source))
    active = rows(report("_GET_MERCHANT_LISTINGS_DATA_", source))
    inactive = rows(report("_GET_MERCHANT_LISTINGS_INACTIVE_DATA_", source))
    everything = rows(report("_GET_MERCHANT_LISTINGS_ALL_DATA_", source))

    assert [target.sku, target.asin, str(target.price), str(target.quantity)] in before
    assert [target.sku, target.asin, "4.56", "0"] in inventory
    assert target.sku not in column(active, "seller-sku")
    assert target.sku in column(inactive, "seller-sku")
    row = everything[column(everything, "seller-sku").index(target.sku) + 1]
    assert row[everything[0].index("status")] == "Inactive"


def test_a_built_report_keeps_the_state_it_was_built_from() -> None:
    source = catalogue(size=20)
    generated = report("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", source)
    first = body(generated)

    source.set_price(source.listings()[0].sku, Decimal("999.99"))

    assert body(generated) == first


def test_merchant_listings_render_listings_as_mws_did() -> None:
    source = catalogue(UK, size=40)
    table = rows(report("_GET_MERCHANT_LISTINGS_ALL_DATA_", source))
    by_sku = {listing.sku: listing for listing in source.listings()}

    for row in table[1:]:
        record = dict(zip(table[0], row, strict=True))
        listing = by_sku[record["seller-sku"]]
        assert record["item-name"] == listing.title
        assert record["asin1"] == listing.asin
        assert record["item-is-marketplace"] == "y"
        assert record["fulfillment-channel"] == listing.fulfillment_channel
        assert record["quantity"] == ("" if listing.is_afn else str(listing.quantity))
        # UK open dates: "15/04/2020 15:15:46 BST"
        opened = datetime.strptime(record["open-date"][:19], "%d/%m/%Y %H:%M:%S")
        assert record["open-date"][20:] in {"GMT", "BST"}
        assert abs(opened - listing.open_date.replace(tzinfo=None)) <= timedelta(hours=1)


def test_afn_inventory_lists_amazon_fulfilled_stock_only() -> None:
    source = catalogue(size=200)
    afn = {item.sku: item for item in source.listings() if item.is_afn}
    table = rows(report("_GET_AFN_INVENTORY_DATA_", source))
    sellable = [row for row in table[1:] if row[4] == "SELLABLE"]

    assert {row[0] for row in table[1:]} == set(afn)
    assert len(sellable) == len(afn)
    assert all(row[5] == str(afn[row[0]].quantity) for row in sellable)
    assert all(row[1] == afn[row[0]].fnsku for row in sellable)


def test_a_percent_sign_in_a_title_is_data_not_a_format_directive() -> None:
    source = catalogue(size=2)
    source.upsert_product(
        "PCT-1",
        title="100% Baumwolle, 50%% Rabatt",
        product_id="B0PCT00001",
        product_id_type="1",
        opened=START,
    )
    source.set_price("PCT-1", Decimal("9.99"))
    source.set_inventory("PCT-1", quantity=3)

    text = body(report(ORDERS, source, target_bytes=400_000)).decode("cp1252")

    assert "100% Baumwolle, 50%% Rabatt" in text


# Size and streaming --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "report_type",
    [
        ORDERS,
        "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_",
        "_GET_XML_ALL_ORDERS_DATA_BY_LAST_UPDATE_",
        "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_",
        "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_",
        "_GET_FLAT_FILE_ORDERS_DATA_",
        "_GET_SELLER_FEEDBACK_DATA_",
    ],
)
def test_target_bytes_is_reached_and_overshot_by_less_than_a_record(report_type: str) -> None:
    target = 2_000_000
    generated = report(report_type, catalogue(), target_bytes=target)
    chunks = list(generated.chunks())
    size = sum(len(chunk) for chunk in chunks)

    assert target <= size < target + 4096
    assert generated.digest()[0] == size
    assert max(len(chunk) for chunk in chunks) < CHUNK_SIZE + 4096
    assert all(len(chunk) >= CHUNK_SIZE for chunk in chunks[1:-1])


def test_a_sized_report_spreads_its_records_over_the_whole_window() -> None:
    table = rows(report(ORDERS, catalogue(), target_bytes=1_000_000))
    updated = [parse_iso(value) for value in column(table, "last-updated-date")]

    assert min(updated) - START < timedelta(minutes=5)
    assert END - max(updated) < timedelta(minutes=5)
    assert len(set(column(table, "amazon-order-id"))) == len(table) - 1


def test_a_300_mib_report_streams_fast_in_flat_memory() -> None:
    target = 300 * 2**20
    generated = report(ORDERS, catalogue(), target_bytes=target)
    process = psutil.Process(os.getpid())
    baseline = process.memory_info().rss
    peak = baseline
    size = 0
    # CPU time rather than wall time: other processes on the machine must not fail the test.
    started = time.process_time()
    for number, chunk in enumerate(generated.chunks()):
        size += len(chunk)
        if number % 64 == 0:
            peak = max(peak, process.memory_info().rss)
    cpu_seconds = time.process_time() - started

    assert target <= size < target + 4096
    assert peak - baseline < 32 * 2**20
    assert size / cpu_seconds > 40e6  # bytes per CPU second; several times that when idle
