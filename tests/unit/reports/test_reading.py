"""reports.reading: every report type into typed rows, streamed, with its charset and problems."""

from __future__ import annotations

import codecs
import io
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from mwssandbox.catalogue import Catalogue
from mwssandbox.reportgen import (
    ALL_ORDERS_BY_ORDER_DATE_HEADER,
    ALL_ORDERS_HEADER,
    SETTLEMENT_FLAT_V2_HEADER,
    SUPPORTED_REPORT_TYPES,
    build_report,
)
from reports.reading import (
    ALL_ORDERS_COLUMNS,
    FAMILIES,
    MAX_PROBLEMS,
    SETTLEMENT_CATEGORIES,
    SETTLEMENT_V2_COLUMNS,
    ColumnType,
    NotTabular,
    Problem,
    SettlementAmount,
    SettlementSummary,
    SettlementTally,
    UnsafeXML,
    fallback_charset,
    family_of,
    python_encoding,
    read_report,
    settlement_amounts,
    summarize_settlement,
    to_datetime,
    to_decimal,
)

US = "ATVPDKIKX0DER"
CA = "A2EUQ1WTGCTBG2"
UK = "A1F83G8C2ARO7P"
DE = "A1PA6795UKMFR9"
JP = "A1VC38T7YXB528"
SG = "A19VAU5U5O7RUS"
AU = "A39IBJ37TRP1C6"
START = datetime(2020, 6, 1, tzinfo=UTC)
END = datetime(2020, 6, 8, tzinfo=UTC)

LISTINGS = "_GET_MERCHANT_LISTINGS_DATA_"
OPEN_LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"
ORDERS = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_"
SETTLEMENT = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_"
SETTLEMENT_V2 = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_"
SETTLEMENT_XML = "_GET_V2_SETTLEMENT_REPORT_DATA_XML_"
XML_ORDERS = "_GET_XML_ALL_ORDERS_DATA_BY_ORDER_DATE_"
GENERIC = "_GET_FLAT_FILE_SALES_TAX_DATA_"


def read(report_type: str, text: str | bytes, **kwargs: str | None):
    body = text.encode() if isinstance(text, str) else text
    return read_report(report_type, io.BytesIO(body), **kwargs)


def tsv(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


# ---------------------------------------------------------------------------------------------
# Sandbox output: every typed reader, several marketplaces, no problems


def _sandbox(report_type: str, marketplace_id: str, **kwargs):
    catalogue = Catalogue.generate("A3SELLER", marketplace_id, seed=7, size=120)
    return build_report(
        report_type,
        catalogue=catalogue,
        marketplace_id=marketplace_id,
        seed=7,
        start_date=START,
        end_date=END,
        **kwargs,
    )


def _declared(content_type: str) -> str | None:
    return content_type.partition("charset=")[2] or None


@pytest.mark.parametrize("marketplace_id", [US, CA, UK, DE, JP, SG])
@pytest.mark.parametrize("report_type", sorted(SUPPORTED_REPORT_TYPES))
def test_sandbox_reports_read_without_problems(report_type, marketplace_id):
    generated = _sandbox(report_type, marketplace_id)
    body = b"".join(generated.chunks())
    reading = read_report(
        report_type,
        io.BytesIO(body),
        charset=_declared(generated.content_type),
        marketplace_id=marketplace_id,
    )
    rows = list(reading)
    assert rows, "the sandbox report has rows"
    assert reading.problems == []
    assert reading.problem_count == 0
    assert reading.family != "generic"
    if not generated.content_type.startswith("text/xml"):
        header = body.removeprefix(codecs.BOM_UTF8).split(b"\n", 1)[0].decode("ascii")
        assert reading.columns == header.split("\t")
        assert reading.encoding == codecs.lookup(generated.charset.removesuffix("-sig")).name
    # Decoded right: no replacement character and no mojibake anywhere.
    text = "".join(str(value) for row in rows for value in row.values())
    assert "\ufffd" not in text
    assert "Ã" not in text


@pytest.mark.parametrize("marketplace_id", [US, JP, DE])
def test_sandbox_orders_are_typed(marketplace_id):
    for report_type in (ORDERS, "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_", XML_ORDERS):
        generated = _sandbox(report_type, marketplace_id)
        reading = read_report(
            report_type,
            io.BytesIO(b"".join(generated.chunks())),
            charset=_declared(generated.content_type),
            marketplace_id=marketplace_id,
        )
        rows = list(reading)
        for row in rows:
            assert isinstance(row["purchase-date"], datetime)
            assert row["purchase-date"].tzinfo is not None
            assert START - timedelta(days=4) <= row["purchase-date"] <= END
            assert isinstance(row["quantity"], int)
            assert row["item-price"] is None or isinstance(row["item-price"], Decimal)
        assert any(isinstance(row["item-price"], Decimal) for row in rows)


def test_sandbox_xml_orders_agree_with_the_flat_file_columns():
    generated = _sandbox(XML_ORDERS, JP)
    reading = read_report(XML_ORDERS, io.BytesIO(b"".join(generated.chunks())))
    assert reading.columns == list(ALL_ORDERS_BY_ORDER_DATE_HEADER)
    assert list(ALL_ORDERS_HEADER) == ALL_ORDERS_COLUMNS
    names = {row["product-name"] for row in reading}
    assert any("\u3040" <= char <= "\u30ff" for name in names for char in name), "Japanese"


def test_sandbox_ca_listings_with_a_bom_lose_it():
    generated = _sandbox(LISTINGS, CA)
    body = b"".join(generated.chunks())
    assert body.startswith(codecs.BOM_UTF8)
    reading = read_report(LISTINGS, io.BytesIO(body), charset=None, marketplace_id=CA)
    assert reading.encoding == "utf-8"
    assert reading.columns[0] == "item-name"
    rows = list(reading)
    assert isinstance(rows[0]["open-date"], datetime)
    assert all(row["price"] is None or isinstance(row["price"], Decimal) for row in rows)


@pytest.mark.parametrize("report_type", [SETTLEMENT, SETTLEMENT_V2])
@pytest.mark.parametrize("marketplace_id", [US, UK, JP, AU])
def test_sandbox_settlements_reconcile(report_type, marketplace_id):
    generated = _sandbox(report_type, marketplace_id)
    reading = read_report(
        report_type,
        io.BytesIO(b"".join(generated.chunks())),
        charset=_declared(generated.content_type),
        marketplace_id=marketplace_id,
    )
    summary = summarize_settlement(reading)
    assert summary.reconciles
    assert summary.line_count > 0
    assert summary.start == START
    assert summary.end == END
    assert summary.deposit_date == END + timedelta(days=2)
    assert set(summary.by_category) <= set(SETTLEMENT_CATEGORIES)
    assert sum(summary.by_category.values()) == summary.computed_total
    assert sum(summary.by_transaction_type.values()) == summary.computed_total
    assert summary.by_amount_type["price"]["Principal"] > 0
    assert summary.by_amount_type["fee"]["Commission"] < 0


def test_both_flat_layouts_of_the_same_lines_summarize_alike():
    rows = {
        SETTLEMENT: tsv(
            "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\t"
            "total-amount\tcurrency\ttransaction-type\tsku\tprice-type\tprice-amount\t"
            "item-related-fee-type\titem-related-fee-amount\tother-amount",
            "42\t2020-06-01T00:00:00+00:00\t2020-06-15T00:00:00+00:00\t"
            "2020-06-17T00:00:00+00:00\t7.50\tUSD\t\t\t\t\t\t\t",
            "\t\t\t\t\t\tOrder\tSKU-1\tPrincipal\t10.00\t\t\t",
            "\t\t\t\t\t\tOrder\tSKU-1\t\t\tCommission\t-1.50\t",
            "\t\t\t\t\t\tSubscription Fee\t\t\t\t\t\t-1.00",
        ),
        SETTLEMENT_V2: tsv(
            "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\t"
            "total-amount\tcurrency\ttransaction-type\tsku\tamount-type\tamount-description\t"
            "amount",
            "42\t2020-06-01 00:00:00 UTC\t2020-06-15 00:00:00 UTC\t2020-06-17 00:00:00 UTC\t"
            "7.50\tUSD\t\t\t\t\t",
            "\t\t\t\t\t\tOrder\tSKU-1\tItemPrice\tPrincipal\t10.00",
            "\t\t\t\t\t\tOrder\tSKU-1\tItemFees\tCommission\t-1.50",
            "\t\t\t\t\t\tSubscription Fee\t\tother-transaction\tSubscription Fee\t-1.00",
        ),
    }
    summaries = [summarize_settlement(read(kind, text)) for kind, text in rows.items()]
    assert summaries[0].to_json() == summaries[1].to_json()
    assert summaries[0].by_category == {
        "price": Decimal("10.00"),
        "fee": Decimal("-1.50"),
        "other": Decimal("-1.00"),
    }


# ---------------------------------------------------------------------------------------------
# Charsets

HEADER = "item-name\tseller-sku\tprice\tquantity"


@pytest.mark.parametrize(
    ("declared", "codec"),
    [
        ("windows-1252", "cp1252"),
        ("windows-31j", "cp932"),
        ("Windows-31J", "cp932"),
        ("Shift_JIS", "cp932"),
        ("UTF-8", "utf-8"),
        ("utf-8", "utf-8"),
        ("iso-8859-1", "cp1252"),
        ('"UTF-8"', "utf-8"),
        ("", None),
        ("   ", None),
        (None, None),
        ("no-such-charset", None),
    ],
)
def test_declared_charsets_map_to_codecs(declared, codec):
    assert python_encoding(declared) == codec


@pytest.mark.parametrize(
    ("marketplace_id", "codec"),
    [
        (JP, "cp932"),
        (SG, "utf-8"),
        (AU, "utf-8"),
        ("AAHKV2X7AFYLW", "utf-8"),
        (US, "cp1252"),
        (CA, "cp1252"),
        (UK, "cp1252"),
        (DE, "cp1252"),
        (None, "cp1252"),
        ("NOT-A-MARKETPLACE", "cp1252"),
    ],
)
def test_fallback_charset_per_marketplace(marketplace_id, codec):
    assert fallback_charset(marketplace_id) == codec


JP_ROW = "日本語の商品名【限定①】\tSKU-1\t1,000\t3"


def test_declared_windows_31j_with_japanese_names():
    body = tsv(HEADER, JP_ROW).encode("cp932")
    reading = read(LISTINGS, body, charset="windows-31j", marketplace_id=US)
    assert reading.encoding == "cp932"
    assert list(reading) == [
        {
            "item-name": "日本語の商品名【限定①】",
            "seller-sku": "SKU-1",
            "price": 1000,
            "quantity": 3,
        }
    ]


def test_undeclared_jp_report_reads_as_windows_31j():
    body = tsv(HEADER, JP_ROW).encode("cp932")
    reading = read(LISTINGS, body, charset=None, marketplace_id=JP)
    assert reading.encoding == "cp932"
    assert next(iter(reading))["item-name"] == "日本語の商品名【限定①】"
    assert reading.problems == []


def test_undeclared_report_of_a_latin_marketplace_reads_as_windows_1252():
    body = tsv(HEADER, "Café “Lumière” €\tSKU-1\t3.00\t1").encode("cp1252")
    for marketplace_id in (US, UK, DE, None):
        reading = read(LISTINGS, body, charset="", marketplace_id=marketplace_id)
        assert reading.encoding == "cp1252"
        assert next(iter(reading))["item-name"] == "Café “Lumière” €"


def test_undeclared_report_of_singapore_reads_as_utf8():
    body = tsv(HEADER, "Café Lumière 日本\tSKU-1\t3.00\t1").encode("utf-8")
    reading = read(LISTINGS, body, marketplace_id=SG)
    assert reading.encoding == "utf-8"
    assert next(iter(reading))["item-name"] == "Café Lumière 日本"


def test_declared_charset_wins_over_the_marketplace():
    body = tsv(HEADER, "Café\tSKU-1\t3.00\t1").encode("utf-8")
    reading = read(LISTINGS, body, charset="UTF-8", marketplace_id=JP)
    assert reading.encoding == "utf-8"
    assert next(iter(reading))["item-name"] == "Café"


def test_unknown_declared_charset_falls_back_to_the_marketplace():
    body = tsv(HEADER, JP_ROW).encode("cp932")
    reading = read(LISTINGS, body, charset="x-unheard-of", marketplace_id=JP)
    assert reading.encoding == "cp932"
    assert next(iter(reading))["item-name"] == "日本語の商品名【限定①】"


@pytest.mark.parametrize(("declared", "marketplace_id"), [("windows-1252", US), (None, JP)])
def test_a_utf8_bom_wins_over_declared_and_marketplace(declared, marketplace_id):
    body = codecs.BOM_UTF8 + tsv(HEADER, "Café 日本\tSKU-1\t3.00\t1").encode("utf-8")
    reading = read(LISTINGS, body, charset=declared, marketplace_id=marketplace_id)
    assert reading.encoding == "utf-8"
    assert reading.columns == ["item-name", "seller-sku", "price", "quantity"]
    assert next(iter(reading))["item-name"] == "Café 日本"


def test_undecodable_bytes_are_replaced_the_row_kept_and_the_line_recorded():
    body = tsv(HEADER, "Plain\tSKU-1\t1.00\t1").encode() + tsv(JP_ROW).encode("cp932")
    reading = read(LISTINGS, body, charset="utf-8")
    rows = list(reading)
    assert len(rows) == 2
    assert "\ufffd" in str(rows[1]["item-name"])
    assert rows[1]["seller-sku"] == "SKU-1"
    assert [(p.line, p.skipped) for p in reading.problems] == [(3, False)]
    assert "utf-8" in reading.problems[0].reason
    assert reading.skipped_count == 0


def test_japanese_cut_across_read_chunks_still_decodes():
    rows = [f"商品{n:05d} 日本語\tSKU-{n}\t{n}\t1" for n in range(20_000)]
    body = tsv(HEADER, *rows).encode("cp932")
    reading = read(LISTINGS, body, marketplace_id=JP)
    names = [row["item-name"] for row in reading]
    assert names[12_345] == "商品12345 日本語"
    assert reading.problem_count == 0


# ---------------------------------------------------------------------------------------------
# Values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-04-24T07:52:49+00:00", datetime(2020, 4, 24, 7, 52, 49, tzinfo=UTC)),
        ("2020-04-24T07:52:49Z", datetime(2020, 4, 24, 7, 52, 49, tzinfo=UTC)),
        ("2020-04-24T09:52:49+02:00", datetime(2020, 4, 24, 7, 52, 49, tzinfo=UTC)),
        ("2020-05-01 10:00:00 PST", datetime(2020, 5, 1, 18, 0, tzinfo=UTC)),
        ("2020-06-02 03:09:20 PDT", datetime(2020, 6, 2, 10, 9, 20, tzinfo=UTC)),
        ("2020-05-01 10:00:00 JST", datetime(2020, 5, 1, 1, 0, tzinfo=UTC)),
        ("2020-06-02 10:23:11 UTC", datetime(2020, 6, 2, 10, 23, 11, tzinfo=UTC)),
        ("2020-06-02 10:23:11 GMT", datetime(2020, 6, 2, 10, 23, 11, tzinfo=UTC)),
        ("2020-06-02 10:23:11 BST", datetime(2020, 6, 2, 9, 23, 11, tzinfo=UTC)),
        ("2020-01-02 10:23:11 CET", datetime(2020, 1, 2, 9, 23, 11, tzinfo=UTC)),
        ("2020-06-02 10:23:11 CEST", datetime(2020, 6, 2, 8, 23, 11, tzinfo=UTC)),
        ("15/04/2020 15:15:46 BST", datetime(2020, 4, 15, 14, 15, 46, tzinfo=UTC)),
        ("24.04.2020", datetime(2020, 4, 24, tzinfo=UTC)),
        ("24.04.2020 07:52:49 UTC", datetime(2020, 4, 24, 7, 52, 49, tzinfo=UTC)),
        ("2020-05-01 10:00:00 +0900", datetime(2020, 5, 1, 1, 0, tzinfo=UTC)),
        ("2020-05-01", datetime(2020, 5, 1, tzinfo=UTC)),
    ],
)
def test_date_formats(text, expected):
    moment = to_datetime(text)
    assert moment == expected
    assert moment.tzinfo is not None


def test_fixed_offsets_are_kept():
    assert to_datetime("2020-05-01 10:00:00 JST").utcoffset() == timedelta(hours=9)
    assert to_datetime("2020-05-01 10:00:00 PST").tzinfo == timezone(timedelta(hours=-8))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("yesterday", "'yesterday' is not a date"),
        ("2020-13-01", "'2020-13-01' is not a date"),
        ("31.02.2020", "'31.02.2020' is not a date"),
        ("2020-05-01 10:00:00 XYZ", "unknown time zone 'XYZ'"),
    ],
)
def test_bad_dates_say_why(text, reason):
    with pytest.raises(ValueError, match=reason):
        to_datetime(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.99", "12.99"),
        ("-1234.56", "-1234.56"),
        ("+3", "3"),
        ("0", "0"),
        ("1,234.56", "1234.56"),
        ("-1,234,567.00", "-1234567.00"),
        ("1.234,56", "1234.56"),
        ("-1.234.567,89", "-1234567.89"),
        ("12,34", "12.34"),
        ("-0,5", "-0.5"),
        ("1,234", "1234"),
        ("4103294", "4103294"),
    ],
)
def test_amount_formats(text, expected):
    assert to_decimal(text) == Decimal(expected)
    assert str(to_decimal(text)) == expected


@pytest.mark.parametrize(
    "text", ["12,3x", "NaN", "Infinity", "1e5", "1_000", "1.2.3", "--1", "€5", "١٢"]
)
def test_bad_amounts_are_refused(text):
    with pytest.raises(ValueError, match="is not an amount"):
        to_decimal(text)


def test_cells_are_stripped_empty_is_none_and_blank_lines_are_skipped():
    text = tsv(
        " item-name \tseller-sku\tprice\tquantity ",
        "",
        "  Widget  \t SKU-1 \t 3.50 \t 2 ",
        "   \t\t",
        "Gadget\tSKU-2\t\t",
        "",
    )
    reading = read(LISTINGS, text)
    assert reading.columns == ["item-name", "seller-sku", "price", "quantity"]
    assert list(reading.numbered()) == [
        (
            3,
            {"item-name": "Widget", "seller-sku": "SKU-1", "price": Decimal("3.50"), "quantity": 2},
        ),
        (5, {"item-name": "Gadget", "seller-sku": "SKU-2", "price": None, "quantity": None}),
    ]
    assert reading.problems == []


def test_crlf_line_ends_read_like_lf():
    text = "sku\tasin\tprice\tquantity\r\nSKU-1\tB01\t1.00\t5\r\n"
    assert list(read(OPEN_LISTINGS, text)) == [
        {"sku": "SKU-1", "asin": "B01", "price": Decimal("1.00"), "quantity": 5}
    ]


def test_short_rows_get_none_long_rows_are_problems():
    text = tsv(
        "sku\tasin\tprice\tquantity",
        "SKU-1\tB01",
        "SKU-2\tB02\t1.00\t5\textra",
        "SKU-3\tB03\t1.00\t5\t\t ",
    )
    reading = read(OPEN_LISTINGS, text)
    assert [row["sku"] for row in reading] == ["SKU-1", "SKU-3"]
    assert reading.problems == [Problem(3, "line 3: 5 cells for 4 columns")]


def test_bad_rows_are_recorded_with_their_line_and_never_stop_the_rest():
    text = tsv(
        "sku\tasin\tprice\tquantity",
        "SKU-1\tB01\t1.00\t5",
        "",
        "SKU-2\tB02\t12,3x\t5",
        "SKU-3\tB03\t2.00\tmany",
        "SKU-4\tB04\t3.00\t1",
    )
    reading = read(OPEN_LISTINGS, text)
    assert [row["sku"] for row in reading] == ["SKU-1", "SKU-4"]
    assert reading.problems == [
        Problem(4, "line 4: column price: '12,3x' is not an amount"),
        Problem(5, "line 5: column quantity: 'many' is not a whole number"),
    ]
    assert reading.problem_count == reading.skipped_count == 2
    assert reading.row_count == 2


def test_problems_are_capped_but_all_counted():
    bad = [f"SKU-{n}\tB0\tx{n}\t1" for n in range(MAX_PROBLEMS + 250)]
    reading = read(OPEN_LISTINGS, tsv("sku\tasin\tprice\tquantity", *bad, "SKU\tB\t1\t1"))
    assert [row["sku"] for row in reading] == ["SKU"]
    assert len(reading.problems) == MAX_PROBLEMS
    assert reading.problem_count == MAX_PROBLEMS + 250
    assert reading.problems[-1].line == MAX_PROBLEMS + 1


def test_a_reading_is_one_pass():
    reading = read(OPEN_LISTINGS, tsv("sku\tasin\tprice\tquantity", "S\tB\t1\t1"))
    assert len(list(reading)) == 1
    with pytest.raises(RuntimeError, match="one pass"):
        list(reading)


def test_an_empty_body_has_no_columns_and_no_rows():
    reading = read(GENERIC, b"")
    assert reading.columns == []
    assert list(reading) == []


# ---------------------------------------------------------------------------------------------
# Families and the generic reader


def test_families():
    assert family_of(SETTLEMENT) == family_of(SETTLEMENT_V2) == family_of(SETTLEMENT_XML)
    assert family_of(SETTLEMENT) == "settlement"
    for report_type in (ORDERS, "_GET_FLAT_FILE_ORDERS_DATA_", XML_ORDERS):
        assert family_of(report_type) == "orders"
    for report_type in (LISTINGS, OPEN_LISTINGS, "_GET_MERCHANT_LISTINGS_ALL_DATA_"):
        assert family_of(report_type) == "listings"
    for report_type in ("_GET_AFN_INVENTORY_DATA_", "_GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA_"):
        assert family_of(report_type) == "inventory"
    assert family_of("_GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA_") == "returns"
    assert family_of("_GET_FBA_REIMBURSEMENTS_DATA_") == "reimbursements"
    assert family_of(GENERIC) == "generic"
    assert set(FAMILIES) >= {family_of(t) for t in SUPPORTED_REPORT_TYPES}


def test_generic_reports_are_text():
    text = tsv("date\tamount\tquantity\tname", "2020-06-01\t12.50\t3\t Café ")
    reading = read(GENERIC, text, charset="utf-8")
    assert reading.family == "generic"
    assert set(reading.column_types.values()) == {ColumnType.TEXT}
    assert list(reading) == [
        {"date": "2020-06-01", "amount": "12.50", "quantity": "3", "name": "Café"}
    ]


def test_unknown_columns_of_a_typed_family_are_text():
    reading = read(OPEN_LISTINGS, tsv("sku\tprice\tsomething-new", "S\t1.00\t2.00"))
    assert reading.column_types == {
        "sku": ColumnType.TEXT,
        "price": ColumnType.DECIMAL,
        "something-new": ColumnType.TEXT,
    }
    assert next(iter(reading))["something-new"] == "2.00"


def test_inventory_returns_and_reimbursements_are_typed():
    myi = read(
        "_GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA_",
        tsv(
            "sku\tfnsku\tasin\tproduct-name\tcondition\tyour-price\tafn-fulfillable-quantity\t"
            "afn-unsellable-quantity\tafn-inbound-shipped-quantity",
            "S-1\tX001\tB01\tWidget\tNew\t19.99\t12\t1\t40",
        ),
    )
    assert next(iter(myi)) == {
        "sku": "S-1",
        "fnsku": "X001",
        "asin": "B01",
        "product-name": "Widget",
        "condition": "New",
        "your-price": Decimal("19.99"),
        "afn-fulfillable-quantity": 12,
        "afn-unsellable-quantity": 1,
        "afn-inbound-shipped-quantity": 40,
    }
    returns = read(
        "_GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA_",
        tsv(
            "return-date\torder-id\tsku\tasin\tfnsku\tproduct-name\tquantity\t"
            "fulfillment-center-id\tdetailed-disposition\treason\tstatus",
            "2020-06-02T10:00:00+00:00\t111-1\tS-1\tB01\tX001\tWidget\t2\tPHX3\tSELLABLE\t"
            "NOT_AS_DESCRIBED\tUnit returned to inventory",
        ),
    )
    row = next(iter(returns))
    assert row["return-date"] == datetime(2020, 6, 2, 10, tzinfo=UTC)
    assert row["quantity"] == 2
    reimbursements = read(
        "_GET_FBA_REIMBURSEMENTS_DATA_",
        tsv(
            "approval-date\treimbursement-id\tsku\tcurrency-unit\tamount-per-unit\t"
            "amount-total\tquantity-reimbursed-cash\tquantity-reimbursed-total",
            "2020-06-02T10:00:00+00:00\t123\tS-1\tEUR\t9,50\t19,00\t2\t2",
        ),
    )
    row = next(iter(reimbursements))
    assert row["amount-total"] == Decimal("19.00")
    assert row["quantity-reimbursed-total"] == 2


def test_the_requested_flat_order_report_is_typed():
    # The header of the guide's GetReport example (reference 2.11).
    header = (
        "order-id\torder-item-id\tpurchase-date\tpayments-date\tbuyer-email\tbuyer-name\t"
        "buyer-phone-number\tsku\tproduct-name\tquantity-purchased\tcurrency\titem-price\t"
        "item-tax\tshipping-price\tshipping-tax\tship-service-level\trecipient-name\t"
        "ship-address-1\tship-address-2\tship-address-3\tship-city\tship-state\t"
        "ship-postal-code\tship-country\tship-phone-number\tdelivery-start-date\t"
        "delivery-end-date\tdelivery-time-zone\tdelivery-Instructions"
    )
    line = (
        "002-3275191-2204215\t43098624234\t2008-09-05T12:00:00-07:00\t"
        "2008-09-05T12:00:00-07:00\tbuyer@example.com\tJohn Doe\t206-555-1234\tSKU-1\t"
        "Widget\t2\tUSD\t25.98\t1.23\t4.99\t0.00\tStandard\tJohn Doe\t1 Main St\t\t\t"
        "Seattle\tWA\t98104\tUS\t206-555-1234\t\t\t\t"
    )
    reading = read("_GET_FLAT_FILE_ORDERS_DATA_", tsv(header, line), charset="windows-1252")
    row = next(iter(reading))
    assert reading.problems == []
    assert row["purchase-date"] == datetime(2008, 9, 5, 19, tzinfo=UTC)
    assert row["quantity-purchased"] == 2
    assert row["item-price"] == Decimal("25.98")
    assert row["order-item-id"] == "43098624234"
    assert row["delivery-start-date"] is None
    assert row["delivery-Instructions"] is None


def test_afn_inventory_columns_match_whatever_their_case():
    reading = read(
        "_GET_AFN_INVENTORY_DATA_",
        tsv(
            "seller-sku\tfulfillment-channel-sku\tasin\tcondition-type\t"
            "Warehouse-Condition-code\tQuantity Available",
            "S-1\tX001\tB01\tNewItem\tSELLABLE\t7",
        ),
    )
    assert next(iter(reading))["Quantity Available"] == 7


@pytest.mark.parametrize("report_type", ["_GET_XML_BROWSE_TREE_DATA_", "_GET_ORDERS_DATA_"])
def test_xml_types_without_a_reader_are_download_only(report_type):
    with pytest.raises(NotTabular, match="can only be downloaded"):
        read(report_type, b'<?xml version="1.0"?><Node/>')


def test_an_xml_body_of_an_unknown_type_is_not_read_as_rows():
    with pytest.raises(NotTabular):
        read(GENERIC, b'\xef\xbb\xbf  <?xml version="1.0"?><Report/>')


# ---------------------------------------------------------------------------------------------
# Settlements by hand, with known numbers

V2_HEADER = "\t".join(SETTLEMENT_FLAT_V2_HEADER)


def _v2_line(transaction: str, kind: str, description: str, amount: str, sku: str = "") -> str:
    values = dict.fromkeys(SETTLEMENT_FLAT_V2_HEADER, "")
    values |= {
        "transaction-type": transaction,
        "order-id": "111-1" if sku else "",
        "amount-type": kind,
        "amount-description": description,
        "amount": amount,
        "posted-date": "2020-06-03",
        "posted-date-time": "2020-06-03 10:00:00 UTC",
        "sku": sku,
        "quantity-purchased": "1" if sku else "",
    }
    # Real settlement files end values with blanks.
    return "\t".join(f"{value} " if value else "" for value in values.values())


def _v2_file(total: str) -> str:
    summary = dict.fromkeys(SETTLEMENT_FLAT_V2_HEADER, "")
    summary |= {
        "settlement-id": "11122233344",
        "settlement-start-date": "01.06.2020",
        "settlement-end-date": "15.06.2020",
        "deposit-date": "17.06.2020",
        "total-amount": total,
        "currency": "EUR",
    }
    return tsv(
        V2_HEADER,
        "\t".join(summary.values()),
        "",
        _v2_line("Order", "ItemPrice", "Principal", "20,00", "SKU-A"),
        _v2_line("Order", "ItemPrice", "Tax", "3,80", "SKU-A"),
        _v2_line("Order", "ItemFees", "Commission", "-3,00", "SKU-A"),
        _v2_line("Order", "ItemFees", "FBAPerUnitFulfillmentFee", "-2,50", "SKU-A"),
        _v2_line("Order", "Promotion", "Principal", "-1,00", "SKU-A"),
        _v2_line("Order", "ItemPrice", "Principal", "1.000,00", "SKU-B"),
        _v2_line("Order", "ItemFees", "Commission", "-150,00", "SKU-B"),
        "",
        _v2_line("Refund", "ItemPrice", "Principal", "-20,00", "SKU-A"),
        _v2_line("Refund", "ItemFees", "Commission", "3,00", "SKU-A"),
        _v2_line("Refund", "ItemFees", "RefundCommission", "-0,60", "SKU-A"),
        _v2_line("Subscription Fee", "other-transaction", "Subscription Fee", "-39,00"),
    )


def test_settlement_summary_totals_on_known_numbers():
    summary = summarize_settlement(read(SETTLEMENT_V2, _v2_file("810,70")))
    assert summary.settlement_id == "11122233344"
    assert summary.currency == "EUR"
    assert summary.start == datetime(2020, 6, 1, tzinfo=UTC)
    assert summary.end == datetime(2020, 6, 15, tzinfo=UTC)
    assert summary.deposit_date == datetime(2020, 6, 17, tzinfo=UTC)
    assert summary.total_amount == Decimal("810.70")
    assert summary.computed_total == Decimal("810.70")
    assert summary.reconciles
    assert summary.line_count == 11
    assert summary.by_transaction_type == {
        "Order": Decimal("867.30"),
        "Refund": Decimal("-17.60"),
        "Subscription Fee": Decimal("-39.00"),
    }
    assert summary.by_category == {
        "price": Decimal("1003.80"),
        "fee": Decimal("-153.10"),
        "promotion": Decimal("-1.00"),
        "other": Decimal("-39.00"),
    }
    assert summary.by_amount_type == {
        "price": {"Principal": Decimal("1000.00"), "Tax": Decimal("3.80")},
        "fee": {
            "Commission": Decimal("-150.00"),
            "FBAPerUnitFulfillmentFee": Decimal("-2.50"),
            "RefundCommission": Decimal("-0.60"),
        },
        "promotion": {"Principal": Decimal("-1.00")},
        "other": {"Subscription Fee": Decimal("-39.00")},
    }
    assert summary.by_sku == {"SKU-A": Decimal("-0.30"), "SKU-B": Decimal("850.00")}


def test_a_settlement_that_does_not_add_up_does_not_reconcile():
    summary = summarize_settlement(read(SETTLEMENT_V2, _v2_file("820,70")))
    assert not summary.reconciles
    assert summary.difference == Decimal("-10.00")
    assert summary.to_json()["reconciles"] is False


def test_summary_json_round_trip():
    summary = summarize_settlement(read(SETTLEMENT_V2, _v2_file("810,70")))
    data = summary.to_json()
    assert data["total_amount"] == "810.70"
    assert data["start"] == "2020-06-01T00:00:00+00:00"
    assert data["by_amount_type"]["fee"]["Commission"] == "-150.00"
    again = SettlementSummary.from_json(data)
    assert again == summary
    assert again.reconciles


def test_the_tally_summarizes_while_rows_stream():
    tally = SettlementTally()
    reading = read(SETTLEMENT_V2, _v2_file("810,70"))
    seen = 0
    for row in reading:
        tally.add(row)
        seen += 1
    assert seen == 12
    assert tally.summary() == summarize_settlement(read(SETTLEMENT_V2, _v2_file("810,70")))


def test_a_settlement_without_its_summary_line_says_so():
    text = tsv(V2_HEADER, _v2_line("Order", "ItemPrice", "Principal", "20,00", "SKU-A"))
    with pytest.raises(ValueError, match="no summary line"):
        summarize_settlement(read(SETTLEMENT_V2, text))


def test_a_bad_settlement_line_is_a_problem_and_the_rest_still_sums():
    text = _v2_file("810,70").replace("-39,00", "-39,0O")
    reading = read(SETTLEMENT_V2, text)
    summary = summarize_settlement(reading)
    assert summary.computed_total == Decimal("849.70")
    assert not summary.reconciles
    assert reading.problems == [Problem(15, "line 15: column amount: '-39,0O' is not an amount")]


def test_settlement_amounts_of_the_first_flat_layout():
    row: dict[str, object] = {
        "transaction-type": "Order",
        "shipment-fee-type": "FBA transportation fee",
        "shipment-fee-amount": Decimal("-1.00"),
        "order-fee-type": None,
        "order-fee-amount": None,
        "price-type": "Principal",
        "price-amount": Decimal("10.00"),
        "item-related-fee-type": "Commission",
        "item-related-fee-amount": Decimal("-1.50"),
        "promotion-type": "Shipping",
        "promotion-amount": Decimal("-0.50"),
        "misc-fee-amount": Decimal("-0.10"),
        "other-fee-amount": None,
        "direct-payment-amount": None,
        "other-amount": Decimal("2.00"),
    }
    assert settlement_amounts(row) == [
        SettlementAmount("price", "ItemPrice", "Principal", Decimal("10.00")),
        SettlementAmount("fee", "ItemFees", "Commission", Decimal("-1.50")),
        SettlementAmount("fee", "ShipmentFees", "FBA transportation fee", Decimal("-1.00")),
        SettlementAmount("promotion", "Promotion", "Shipping", Decimal("-0.50")),
        SettlementAmount("fee", "MiscFees", "Order", Decimal("-0.10")),
        SettlementAmount("other", "other-transaction", "Order", Decimal("2.00")),
    ]
    assert settlement_amounts({"settlement-id": "1", "total-amount": Decimal(5)}) == []


# ---------------------------------------------------------------------------------------------
# XML readers

SETTLEMENT_XML_BODY = """<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M_1</MerchantIdentifier>
  </Header>
  <MessageType>SettlementReport</MessageType>
  <Message>
    <MessageID>1</MessageID>
    <SettlementReport>
      <SettlementData>
        <AmazonSettlementID>5555</AmazonSettlementID>
        <TotalAmount currency="JPY">{total}</TotalAmount>
        <StartDate>2020-06-01T00:00:00+00:00</StartDate>
        <EndDate>2020-06-15T00:00:00+00:00</EndDate>
        <DepositDate>2020-06-17T00:00:00+00:00</DepositDate>
      </SettlementData>
      <Order>
        <AmazonOrderID>250-1-1</AmazonOrderID>
        <ShipmentID>S1</ShipmentID>
        <MarketplaceName>Amazon.co.jp</MarketplaceName>
        <Fulfillment>
          <MerchantFulfillmentID>AFN</MerchantFulfillmentID>
          <PostedDate>2020-06-03T10:00:00+00:00</PostedDate>
          <Item>
            <AmazonOrderItemCode>11</AmazonOrderItemCode>
            <SKU>和-SKU</SKU>
            <Quantity>2</Quantity>
            <ItemPrice>
              <Component><Type>Principal</Type><Amount currency="JPY">2000</Amount></Component>
              <Component><Type>Tax</Type><Amount currency="JPY">200</Amount></Component>
            </ItemPrice>
            <ItemFees>
              <Fee><Type>Commission</Type><Amount currency="JPY">-300</Amount></Fee>
            </ItemFees>
            <Promotion>
              <MerchantPromotionID>PROMO-1</MerchantPromotionID>
              <Type>Principal</Type><Amount currency="JPY">-100</Amount>
            </Promotion>
          </Item>
        </Fulfillment>
      </Order>
      <Refund>
        <AmazonOrderID>250-1-1</AmazonOrderID>
        <AdjustmentID>A1</AdjustmentID>
        <MarketplaceName>Amazon.co.jp</MarketplaceName>
        <Fulfillment>
          <MerchantFulfillmentID>AFN</MerchantFulfillmentID>
          <PostedDate>2020-06-05T10:00:00+00:00</PostedDate>
          <AdjustedItem>
            <AmazonOrderItemCode>11</AmazonOrderItemCode>
            <SKU>和-SKU</SKU>
            <ItemPriceAdjustments>
              <Component><Type>Principal</Type><Amount currency="JPY">-1000</Amount></Component>
            </ItemPriceAdjustments>
            <ItemFeeAdjustments>
              <Fee><Type>Commission</Type><Amount currency="JPY">150</Amount></Fee>
            </ItemFeeAdjustments>
          </AdjustedItem>
        </Fulfillment>
      </Refund>
      <OtherTransaction>
        <TransactionType>Subscription Fee</TransactionType>
        <TransactionID>T1</TransactionID>
        <PostedDate>2020-06-10T00:00:00+00:00</PostedDate>
        <Amount currency="JPY">-4900</Amount>
      </OtherTransaction>
    </SettlementReport>
  </Message>
</AmazonEnvelope>
"""


def test_xml_settlement_rows_use_the_v2_flat_columns():
    reading = read(SETTLEMENT_XML, SETTLEMENT_XML_BODY.format(total="-3950"))
    assert reading.columns == SETTLEMENT_V2_COLUMNS == list(SETTLEMENT_FLAT_V2_HEADER)
    rows = list(reading)
    assert reading.problems == []
    assert len(rows) == 8
    first, principal = rows[0], rows[1]
    assert first["settlement-id"] == "5555"
    assert first["total-amount"] == Decimal("-3950")
    assert first["currency"] == "JPY"
    assert principal["transaction-type"] == "Order"
    assert principal["order-id"] == "250-1-1"
    assert principal["sku"] == "和-SKU"
    assert principal["quantity-purchased"] == 2
    assert principal["amount-type"] == "ItemPrice"
    assert principal["amount-description"] == "Principal"
    assert principal["amount"] == Decimal("2000")
    assert principal["posted-date"] == datetime(2020, 6, 3, 10, tzinfo=UTC)
    assert rows[4]["promotion-id"] == "PROMO-1"
    assert rows[5]["adjustment-id"] == "A1"
    assert rows[5]["transaction-type"] == "Refund"
    assert rows[-1]["amount-description"] == "Subscription Fee"
    summary = summarize_settlement(read(SETTLEMENT_XML, SETTLEMENT_XML_BODY.format(total="-3950")))
    assert summary.reconciles
    assert summary.by_category == {
        "price": Decimal("1200"),
        "fee": Decimal("-150"),
        "promotion": Decimal("-100"),
        "other": Decimal("-4900"),
    }
    assert summary.by_sku == {"和-SKU": Decimal("950")}


def test_xml_settlement_that_does_not_add_up():
    summary = summarize_settlement(read(SETTLEMENT_XML, SETTLEMENT_XML_BODY.format(total="0")))
    assert not summary.reconciles


XML_ORDERS_BODY = """<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope>
  <Header><DocumentVersion>1.00</DocumentVersion></Header>
  <MessageType>AllOrdersReport</MessageType>
  <Message>
    <MessageID>1</MessageID>
    <Order>
      <AmazonOrderID>302-1-1</AmazonOrderID>
      <PurchaseDate>2020-06-02T10:00:00+00:00</PurchaseDate>
      <LastUpdatedDate>2020-06-02T12:00:00+00:00</LastUpdatedDate>
      <OrderStatus>Shipped</OrderStatus>
      <SalesChannel>Amazon.de</SalesChannel>
      <FulfillmentData>
        <FulfillmentChannel>Amazon</FulfillmentChannel>
        <ShipServiceLevel>Standard</ShipServiceLevel>
        <Address><City>München</City><State>Bayern</State><PostalCode>80331</PostalCode>
          <Country>DE</Country></Address>
      </FulfillmentData>
      <IsBusinessOrder>false</IsBusinessOrder>
      <OrderItem>
        <ASIN>B01</ASIN><SKU>SKU-1</SKU><ItemStatus>Shipped</ItemStatus>
        <ProductName>Müller &amp; Söhne Tasse</ProductName><Quantity>2</Quantity>
        <ItemPrice>
          <Component><Type>Principal</Type><Amount currency="EUR">19.98</Amount></Component>
          <Component><Type>Tax</Type><Amount currency="EUR">3.80</Amount></Component>
          <Component><Type>Shipping</Type><Amount currency="EUR">0.00</Amount></Component>
        </ItemPrice>
        <Promotion><PromotionIDs>P1</PromotionIDs>
          <ItemPromotionDiscount>-1.00</ItemPromotionDiscount></Promotion>
        <Promotion><PromotionIDs>P2</PromotionIDs>
          <ItemPromotionDiscount>-0.50</ItemPromotionDiscount></Promotion>
      </OrderItem>
      <OrderItem>
        <ASIN>B02</ASIN><SKU>SKU-2</SKU><ItemStatus>Shipped</ItemStatus>
        <ProductName>Teller</ProductName><Quantity>{quantity}</Quantity>
      </OrderItem>
    </Order>
  </Message>
  <Message>
    <MessageID>2</MessageID>
    <Order>
      <AmazonOrderID>302-2-2</AmazonOrderID>
      <PurchaseDate>2020-06-02T11:00:00+00:00</PurchaseDate>
      <LastUpdatedDate>2020-06-02T11:00:00+00:00</LastUpdatedDate>
      <OrderStatus>Pending</OrderStatus>
      <OrderItem><ASIN>B03</ASIN><SKU>SKU-3</SKU><Quantity>1</Quantity></OrderItem>
    </Order>
  </Message>
</AmazonEnvelope>
"""


def test_xml_orders_give_one_row_per_item_keyed_by_flat_columns():
    reading = read("_GET_XML_ALL_ORDERS_DATA_BY_LAST_UPDATE_", XML_ORDERS_BODY.format(quantity=1))
    assert reading.columns == ALL_ORDERS_COLUMNS
    rows = list(reading)
    assert [(row["amazon-order-id"], row["sku"]) for row in rows] == [
        ("302-1-1", "SKU-1"),
        ("302-1-1", "SKU-2"),
        ("302-2-2", "SKU-3"),
    ]
    first = rows[0]
    assert first["purchase-date"] == datetime(2020, 6, 2, 10, tzinfo=UTC)
    assert first["ship-city"] == "München"
    assert first["product-name"] == "Müller & Söhne Tasse"
    assert first["quantity"] == 2
    assert first["currency"] == "EUR"
    assert first["item-price"] == Decimal("19.98")
    assert first["item-tax"] == Decimal("3.80")
    assert first["shipping-price"] == Decimal("0.00")
    assert first["item-promotion-discount"] == Decimal("-1.50")
    assert first["promotion-ids"] == "P1,P2"
    assert rows[1]["item-price"] is None
    assert rows[2]["order-status"] == "Pending"


def test_a_bad_xml_order_item_is_a_problem_with_its_line():
    reading = read(XML_ORDERS, XML_ORDERS_BODY.format(quantity="zwei"))
    assert [row["sku"] for row in reading] == ["SKU-1", "SKU-3"]
    assert reading.problems == [Problem(7, "line 7: column quantity: 'zwei' is not a whole number")]


def test_malformed_xml_keeps_the_rows_before_and_records_where_it_broke():
    body = XML_ORDERS_BODY.format(quantity=1).replace("<Message>\n    <MessageID>2", "<Message><<")
    reading = read(XML_ORDERS, body)
    assert [row["sku"] for row in reading] == ["SKU-1", "SKU-2"]
    assert reading.problem_count == 1
    assert "not well-formed" in reading.problems[0].reason


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "expanded">]><AmazonEnvelope>'
        b"<Message><Order><AmazonOrderID>&x;</AmazonOrderID></Order></Message></AmazonEnvelope>",
        b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "file:///etc/passwd"><AmazonEnvelope/>',
        b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        b"<AmazonEnvelope><Message><Order><AmazonOrderID>&b;</AmazonOrderID></Order></Message>"
        b"</AmazonEnvelope>",
    ],
)
@pytest.mark.parametrize("report_type", [XML_ORDERS, SETTLEMENT_XML])
def test_xml_with_a_doctype_is_refused(body, report_type):
    with pytest.raises(UnsafeXML, match="DOCTYPE"):
        read(report_type, body)


@pytest.mark.parametrize(
    "root",
    [
        b"<r><a>&x;</a></r>",
        b"<AmazonEnvelope><Message><Order><AmazonOrderID>&x;</AmazonOrderID></Order></Message>"
        b"</AmazonEnvelope>",
    ],
)
@pytest.mark.parametrize("report_type", [XML_ORDERS, SETTLEMENT_XML])
def test_a_doctype_after_a_long_head_is_still_refused(root, report_type):
    padding = b"<!--" + b" " * 70_000 + b"-->"
    body = b'<?xml version="1.0"?>' + padding + b'<!DOCTYPE r [<!ENTITY x "e">]>' + root
    reading = read(report_type, body)
    with pytest.raises(UnsafeXML):
        list(reading)


# ---------------------------------------------------------------------------------------------
# Streaming and the module's independence


class _Chunks:
    """A non-seekable binary stream over generated chunks: nothing is held whole."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out


@pytest.mark.parametrize(("report_type", "size"), [(ORDERS, 50_000_000), (XML_ORDERS, 10_000_000)])
def test_a_large_report_reads_with_bounded_memory(report_type, size):
    generated = build_report(
        report_type,
        catalogue=Catalogue.generate("A3SELLER", JP, seed=3, size=200),
        marketplace_id=JP,
        seed=3,
        start_date=datetime(2020, 1, 1, tzinfo=UTC),
        end_date=datetime(2020, 6, 1, tzinfo=UTC),
        target_bytes=size,
    )
    tracemalloc.start()
    try:
        reading = read_report(
            report_type,
            _Chunks(generated.chunks()),
            charset=_declared(generated.content_type),
            marketplace_id=JP,
        )
        rows = sum(1 for _ in reading)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows > size // 2000
    assert reading.problem_count == 0
    assert peak < 16 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB for a {size} byte report"


def test_reading_imports_no_django():
    code = (
        "import sys, reports.reading; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'celery')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={}
    )
    assert result.stdout.strip() == "[]"
