"""Every report type the sandbox knows has a body of its own kind: the header its layout
declares, records drawn from the seller's catalogue and dated inside the window."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from lxml import etree

from mwssandbox.catalogue import Catalogue
from mwssandbox.enums import ALL_REPORT_TYPES, FEED_SUMMARY_REPORT_TYPE
from mwssandbox.reportbodies import LAYOUTS, FlatLayout, JsonLayout, XmlLayout
from mwssandbox.reportgen import SUPPORTED_REPORT_TYPES, GeneratedReport, build_report

US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"
JP = "A1VC38T7YXB528"
START = datetime(2020, 6, 1, tzinfo=UTC)
END = datetime(2020, 6, 3, tzinfo=UTC)


def generate(
    report_type: str, marketplace_id: str = US, *, target_bytes: int | None = None
) -> tuple[GeneratedReport, Catalogue]:
    source = Catalogue.generate("A1SELLER", marketplace_id, seed=3, size=120)
    made = build_report(
        report_type,
        catalogue=source,
        marketplace_id=marketplace_id,
        seed=11,
        target_bytes=target_bytes,
        start_date=START,
        end_date=END,
    )
    return made, source


def body_text(made: GeneratedReport) -> str:
    return b"".join(made.chunks()).decode(made.charset)


def test_every_known_type_has_a_generator_or_a_layout() -> None:
    # Feed summaries are written by feed processing; every other type is built on request.
    assert set(LAYOUTS) == ALL_REPORT_TYPES - SUPPORTED_REPORT_TYPES - {FEED_SUMMARY_REPORT_TYPE}
    assert not set(LAYOUTS) & SUPPORTED_REPORT_TYPES


FLAT = sorted(t for t, layout in LAYOUTS.items() if isinstance(layout, FlatLayout))
XML = sorted(t for t, layout in LAYOUTS.items() if isinstance(layout, XmlLayout))
JSON = sorted(t for t, layout in LAYOUTS.items() if isinstance(layout, JsonLayout))


@pytest.mark.parametrize("marketplace_id", [US, DE, JP])
@pytest.mark.parametrize("report_type", FLAT)
def test_flat_bodies_start_with_the_declared_header(report_type: str, marketplace_id: str) -> None:
    layout = LAYOUTS[report_type]
    assert isinstance(layout, FlatLayout)
    made, source = generate(report_type, marketplace_id)
    table = list(
        csv.reader(io.StringIO(body_text(made)), delimiter=layout.delimiter, quoting=csv.QUOTE_NONE)
    )

    assert tuple(table[0]) == layout.header
    assert len(table) > 2
    assert all(len(row) == len(layout.header) for row in table)
    assert made.content_type.startswith("text/plain;charset=")
    assert not made.is_empty
    skus = {listing.sku for listing in source.snapshot()}
    sku_columns = [i for i, name in enumerate(layout.header) if "sku" in name.lower()]
    for index in sku_columns:
        name = layout.header[index].lower()
        if "fnsku" in name or "channel-sku" in name:
            continue
        assert {row[index] for row in table[1:]} <= skus


@pytest.mark.parametrize("report_type", XML)
def test_xml_bodies_are_documents_of_the_declared_records(report_type: str) -> None:
    layout = LAYOUTS[report_type]
    assert isinstance(layout, XmlLayout)
    made, _ = generate(report_type, DE)
    root = etree.fromstring(b"".join(made.chunks()))

    assert made.content_type == "text/xml;charset=UTF-8"
    assert root.tag == layout.root
    records = root.findall(layout.record)
    assert records
    for record in records:
        assert [child.tag for child in record] == list(layout.fields)


@pytest.mark.parametrize("report_type", JSON)
def test_json_bodies_list_the_declared_members(report_type: str) -> None:
    layout = LAYOUTS[report_type]
    assert isinstance(layout, JsonLayout)
    made, _ = generate(report_type)
    document = json.loads(body_text(made))

    assert made.content_type.startswith("application/json")
    assert document[layout.records]
    assert all(list(item) == list(layout.fields) for item in document[layout.records])


def test_records_are_dated_inside_the_window_and_priced_in_the_local_currency() -> None:
    made, source = generate("_GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_SALES_DATA_", DE)
    reader = csv.DictReader(io.StringIO(body_text(made)), delimiter="\t")
    by_sku = {listing.sku: listing for listing in source.snapshot()}
    rows = list(reader)

    assert rows
    for row in rows:
        assert START <= datetime.fromisoformat(row["shipment-date"]) <= END
        assert row["currency"] == "EUR"
        assert by_sku[row["sku"]].fnsku == row["fnsku"]
        assert by_sku[row["sku"]].asin == row["asin"]


def test_bodies_are_deterministic_and_depend_on_the_seed() -> None:
    first, _ = generate("_GET_FBA_REIMBURSEMENTS_DATA_")
    again, _ = generate("_GET_FBA_REIMBURSEMENTS_DATA_")
    assert body_text(first) == body_text(again)
    assert first.digest() == again.digest()


@pytest.mark.parametrize("report_type", ["_GET_VAT_TRANSACTION_DATA_", "_GET_PENDING_ORDERS_DATA_"])
def test_a_target_size_repeats_records_until_it_is_reached(report_type: str) -> None:
    target = 300_000
    made, _ = generate(report_type, target_bytes=target)
    size = sum(len(chunk) for chunk in made.chunks())

    assert target <= size < target + 4096
    assert made.digest()[0] == size
    if report_type == "_GET_PENDING_ORDERS_DATA_":
        assert etree.fromstring(b"".join(made.chunks())).tag == "AmazonEnvelope"


def test_an_empty_catalogue_gives_a_header_only_body() -> None:
    source = Catalogue.generate("A1SELLER", US, seed=3, size=0)
    made = build_report(
        "_GET_FBA_REIMBURSEMENTS_DATA_",
        catalogue=source,
        marketplace_id=US,
        seed=1,
        start_date=START,
        end_date=END,
    )
    assert made.is_empty
    assert body_text(made).splitlines() == [
        "\t".join(LAYOUTS["_GET_FBA_REIMBURSEMENTS_DATA_"].header)
    ]
