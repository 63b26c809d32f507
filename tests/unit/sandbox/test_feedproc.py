"""Feed processing: results computed from the feed, catalogue changes, hardened XML parsing."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import psutil
import pytest
from lxml import etree

from mwssandbox.catalogue import Catalogue
from mwssandbox.enums import FEED_TYPES
from mwssandbox.feedproc import (
    XML_FEED_MESSAGE_TYPES,
    FeedOutcome,
    MessageResult,
    process_feed,
)
from mwssandbox.reportgen import build_report

US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"
IT = "APJ6JRA9NG5V4"
JP = "A1VC38T7YXB528"
NOW = datetime(2021, 5, 6, 7, 8, 9, tzinfo=UTC)
INVENTORY = "_POST_INVENTORY_AVAILABILITY_DATA_"
PRICING = "_POST_PRODUCT_PRICING_DATA_"
PRODUCT = "_POST_PRODUCT_DATA_"
PRICE_AND_QUANTITY = "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_"
INVENTORY_LOADER = "_POST_FLAT_FILE_INVLOADER_DATA_"
LISTINGS_FILE = "_POST_FLAT_FILE_LISTINGS_DATA_"


@pytest.fixture
def catalogue() -> Catalogue:
    return Catalogue.generate("A1SELLER", US, seed=11, size=30)


@pytest.fixture
def skus(catalogue: Catalogue) -> list[str]:
    return [listing.sku for listing in catalogue.listings()]


def envelope(message_type: str, *messages: str, extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">\n'
        "<Header><DocumentVersion>1.01</DocumentVersion>"
        "<MerchantIdentifier>M_SELLER_354577</MerchantIdentifier></Header>\n"
        f"<MessageType>{message_type}</MessageType>\n{extra}"
        + "".join(
            f"<Message><MessageID>{number}</MessageID>{body}</Message>\n"
            for number, body in enumerate(messages, start=1)
        )
        + "</AmazonEnvelope>\n"
    )


def submit(
    path: Path,
    feed_type: str,
    body: str | bytes,
    catalogues: dict[str, Catalogue],
    *,
    content_type: str = "text/xml",
    purge: bool = False,
    submission_id: str = "51793018437",
) -> FeedOutcome:
    path.write_bytes(body.encode() if isinstance(body, str) else body)
    return process_feed(
        feed_type,
        path,
        content_type=content_type,
        catalogues=catalogues,
        purge_and_replace=purge,
        submission_id=submission_id,
        now=NOW,
    )


def codes(outcome: FeedOutcome) -> list[tuple[int, str | None, str, int]]:
    return [(r.message_id, r.sku, r.result_code, r.message_code) for r in outcome.results]


def summary(outcome: FeedOutcome) -> tuple[int, int, int, int]:
    return (
        outcome.messages_processed,
        outcome.messages_successful,
        outcome.messages_with_error,
        outcome.messages_with_warning,
    )


def inventory(sku: str, *elements: str) -> str:
    return f"<Inventory><SKU>{sku}</SKU>{''.join(elements)}</Inventory>"


def price(sku: str, amount: str, currency: str = "USD") -> str:
    standard = f'<StandardPrice currency="{currency}">{amount}</StandardPrice>'
    return f"<Price><SKU>{sku}</SKU>{standard}</Price>"


def product(sku: str, *, title: str | None = None, asin: str | None = None, op: str = "") -> str:
    operation = f"<OperationType>{op}</OperationType>" if op else ""
    standard = (
        f"<StandardProductID><Type>ASIN</Type><Value>{asin}</Value></StandardProductID>"
        if asin
        else ""
    )
    description = f"<DescriptionData><Title>{title}</Title></DescriptionData>" if title else ""
    return f"{operation}<Product><SKU>{sku}</SKU>{standard}{description}</Product>"


def listings_report(catalogue: Catalogue, report_type: str) -> list[list[str]]:
    generated = build_report(
        report_type, catalogue=catalogue, marketplace_id=catalogue.marketplace_id, seed=1
    )
    text = b"".join(generated.chunks()).decode(generated.charset)
    return [line.split("\t") for line in text.split("\n")[:-1]]


# XML: results --------------------------------------------------------------------------------


def test_an_inventory_feed_reports_each_rejected_message_against_its_sku(
    tmp_path: Path, catalogue: Catalogue, skus: list[str]
) -> None:
    body = envelope(
        "Inventory",
        inventory(skus[0], "<Quantity>8</Quantity><FulfillmentLatency>1</FulfillmentLatency>"),
        inventory("NO-SUCH-SKU", "<Quantity>8</Quantity>"),
        inventory(skus[1], "<Quantity>-3</Quantity>"),
        inventory(skus[2]),
        inventory(skus[3], "<Quantity>5</Quantity><FulfillmentLatency>0</FulfillmentLatency>"),
        "<Inventory><Quantity>1</Quantity></Inventory>",
    )
    before = {sku: catalogue.get(sku) for sku in skus[1:4]}

    outcome = submit(tmp_path / "feed.xml", INVENTORY, body, {US: catalogue})

    assert summary(outcome) == (6, 1, 5, 0)
    assert codes(outcome) == [
        (2, "NO-SUCH-SKU", "Error", 13013),
        (3, skus[1], "Error", 8105),
        (4, skus[2], "Error", 99001),
        (5, skus[3], "Error", 8105),
        (6, None, "Error", 99001),
    ]
    assert '"-3" of "Quantity"' in outcome.results[1].description
    assert outcome.results[2].description == 'A value is required for the "Quantity" field.'
    assert outcome.results[4].description == 'A value is required for the "SKU" field.'
    changed = catalogue.get(skus[0])
    assert changed is not None
    assert (changed.quantity, changed.fulfillment_latency) == (8, 1)
    assert {sku: catalogue.get(sku) for sku in skus[1:4]} == before


def test_the_processing_report_has_the_shape_mws_sent(
    tmp_path: Path, catalogue: Catalogue, skus: list[str]
) -> None:
    body = envelope(
        "Inventory",
        inventory(skus[0], "<Quantity>2</Quantity>"),
        inventory("UNKNOWN-1", "<Quantity>2</Quantity>"),
    )

    outcome = submit(tmp_path / "feed.xml", INVENTORY, body, {US: catalogue}, submission_id="5179")
    root = etree.fromstring(outcome.document)
    report = root.find("Message/ProcessingReport")

    assert outcome.content_type == "text/xml;charset=UTF-8"
    assert outcome.document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope')
    assert b"\n\t<Header>\n\t\t<DocumentVersion>1.02</DocumentVersion>" in outcome.document
    assert root.findtext("Header/MerchantIdentifier") == "A1SELLER"
    assert root.findtext("MessageType") == "ProcessingReport"
    assert root.findtext("Message/MessageID") == "1"
    assert report is not None
    assert report.findtext("DocumentTransactionID") == "5179"
    assert report.findtext("StatusCode") == "Complete"
    assert [child.text for child in report.find("ProcessingSummary")] == ["2", "1", "1", "0"]
    assert [child.tag for child in report.find("ProcessingSummary")] == [
        "MessagesProcessed",
        "MessagesSuccessful",
        "MessagesWithError",
        "MessagesWithWarning",
    ]
    (result,) = report.findall("Result")
    assert [child.tag for child in result] == [
        "MessageID",
        "ResultCode",
        "ResultMessageCode",
        "ResultDescription",
        "AdditionalInfo",
    ]
    assert result.findtext("MessageID") == "2"
    assert result.findtext("ResultCode") == "Error"
    assert result.findtext("ResultMessageCode") == "13013"
    assert result.findtext("AdditionalInfo/SKU") == "UNKNOWN-1"


def test_an_inventory_feed_shows_up_in_the_next_listings_report(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    listing = next(item for item in catalogue.listings() if not item.is_afn and item.quantity)
    body = envelope("Inventory", inventory(listing.sku, "<Quantity>0</Quantity>"))

    submit(tmp_path / "feed.xml", INVENTORY, body, {US: catalogue})
    inventory_report = listings_report(catalogue, "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_")
    active = listings_report(catalogue, "_GET_MERCHANT_LISTINGS_DATA_")

    assert [listing.sku, listing.asin, str(listing.price), "0"] in inventory_report
    assert listing.sku not in [row[3] for row in active]


def test_inventory_can_hand_a_listing_to_amazon_and_back(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    sku = next(item.sku for item in catalogue.listings() if not item.is_afn)
    to_amazon = envelope(
        "Inventory",
        inventory(
            sku,
            "<FulfillmentCenterID>AMAZON_NA</FulfillmentCenterID>",
            "<Lookup>FulfillmentNetwork</Lookup>",
        ),
    )

    submit(tmp_path / "a.xml", INVENTORY, to_amazon, {US: catalogue})
    afn = catalogue.get(sku)
    submit(
        tmp_path / "b.xml",
        INVENTORY,
        envelope("Inventory", inventory(sku, "<Quantity>4</Quantity>")),
        {US: catalogue},
    )
    mfn = catalogue.get(sku)

    assert afn is not None
    assert afn.fulfillment_channel == "AMAZON_NA"
    assert mfn is not None
    assert (mfn.fulfillment_channel, mfn.quantity) == ("DEFAULT", 4)


def test_an_update_identical_to_an_earlier_feed_is_skipped_with_a_warning(
    tmp_path: Path, catalogue: Catalogue, skus: list[str]
) -> None:
    body = envelope("Inventory", inventory(skus[0], "<Quantity>9</Quantity>"))
    submit(tmp_path / "a.xml", INVENTORY, body, {US: catalogue}, submission_id="577398017648")

    again = submit(
        tmp_path / "b.xml", INVENTORY, body, {US: catalogue}, submission_id="577398017649"
    )

    assert summary(again) == (1, 1, 0, 1)
    assert again.results == (
        MessageResult(
            1,
            skus[0],
            "Warning",
            5000,
            f"The update for Sku '{skus[0]}' was skipped because it is identical to the update "
            "in feed '577398017648'.",
        ),
    )


def test_a_price_feed_checks_amounts_and_currency(
    tmp_path: Path, catalogue: Catalogue, skus: list[str]
) -> None:
    body = envelope(
        "Price",
        price(skus[0], "19.99"),
        price(skus[1], "-5.00"),
        price(skus[2], "0"),
        price(skus[3], "abc"),
        price(skus[4], "1.999"),
        price(skus[5], "10.00", currency="EUR"),
        price(skus[6], "7.50", currency="DEFAULT"),
        f"<Price><SKU>{skus[7]}</SKU></Price>",
        price("NOT-LISTED", "1.00"),
    )

    outcome = submit(tmp_path / "price.xml", PRICING, body, {US: catalogue})

    assert summary(outcome) == (9, 2, 7, 0)
    assert codes(outcome) == [
        (2, skus[1], "Error", 8105),
        (3, skus[2], "Error", 8105),
        (4, skus[3], "Error", 8105),
        (5, skus[4], "Error", 8105),
        (6, skus[5], "Error", 8105),
        (8, skus[7], "Error", 99001),
        (9, "NOT-LISTED", "Error", 13013),
    ]
    assert "USD" in outcome.results[4].description
    assert catalogue.get(skus[0]).price == Decimal("19.99")
    assert catalogue.get(skus[6]).price == Decimal("7.50")
    assert catalogue.get(skus[1]).price != Decimal("-5.00")


def test_yen_prices_have_no_decimals(tmp_path: Path) -> None:
    japan = Catalogue.generate("A1SELLER", JP, seed=1, size=3)
    sku = japan.listings()[0].sku
    body = envelope("Price", price(sku, "1980.50", "JPY"), price(sku, "1980", "JPY"))

    outcome = submit(tmp_path / "price.xml", PRICING, body, {JP: japan})

    assert codes(outcome) == [(1, sku, "Error", 8105)]
    assert japan.get(sku).price == Decimal(1980)


def test_a_price_feed_applies_to_each_marketplace_in_its_currency(tmp_path: Path) -> None:
    germany = Catalogue.generate("A1SELLER", DE, seed=1, size=3)
    italy = Catalogue.generate("A1SELLER", IT, seed=1, size=3)
    sku = germany.listings()[0].sku

    outcome = submit(
        tmp_path / "price.xml",
        PRICING,
        envelope("Price", price(sku, "12.00", "EUR")),
        {DE: germany, IT: italy},
    )

    assert summary(outcome) == (1, 1, 0, 0)
    assert germany.get(sku).price == italy.get(sku).price == Decimal("12.00")


def test_a_message_type_that_does_not_fit_the_feed_type_fails_every_message(
    tmp_path: Path, catalogue: Catalogue, skus: list[str]
) -> None:
    body = envelope("Price", price(skus[0], "1.00"), price(skus[1], "2.00"))
    before = catalogue.listings()

    outcome = submit(tmp_path / "feed.xml", INVENTORY, body, {US: catalogue})

    assert codes(outcome) == [(1, skus[0], "Error", 5000), (2, skus[1], "Error", 5000)]
    assert '"Inventory"' in outcome.results[0].description
    assert catalogue.listings() == before


def test_a_message_body_of_another_type_is_an_error(
    tmp_path: Path, catalogue: Catalogue, skus: list[str]
) -> None:
    body = envelope(
        "Inventory", inventory(skus[0], "<Quantity>1</Quantity>"), price(skus[1], "2.00")
    )

    outcome = submit(tmp_path / "feed.xml", INVENTORY, body, {US: catalogue})

    assert codes(outcome) == [(2, skus[1], "Error", 5000)]


def test_a_product_feed_creates_updates_and_deletes_listings(
    tmp_path: Path, catalogue: Catalogue, skus: list[str]
) -> None:
    body = envelope(
        "Product",
        product("NEW-SKU-1", title="Théière en fonte, 1,2 l", asin="B00NEWASIN"),
        product("NEW-SKU-2", title="No product id"),
        product(skus[0], title="Renamed"),
        product(skus[1], op="Delete"),
        product("GHOST", op="Delete"),
        product("GHOST", title="x", op="PartialUpdate"),
    )

    outcome = submit(tmp_path / "product.xml", PRODUCT, body, {US: catalogue})
    created = catalogue.get("NEW-SKU-1")
    everything = listings_report(catalogue, "_GET_MERCHANT_LISTINGS_ALL_DATA_")

    assert codes(outcome) == [
        (2, "NEW-SKU-2", "Error", 8560),
        (5, "GHOST", "Error", 13013),
        (6, "GHOST", "Error", 13013),
    ]
    assert outcome.results[0].description.startswith(
        "SKU NEW-SKU-2, Missing Attributes standard_product_id."
    )
    assert created is not None
    assert (created.asin, created.title, created.open_date) == (
        "B00NEWASIN",
        "Théière en fonte, 1,2 l",
        NOW,
    )
    assert catalogue.get(skus[0]).title == "Renamed"
    assert catalogue.get(skus[1]) is None
    row = next(row for row in everything if row[3] == "NEW-SKU-1")
    assert (row[0], row[-1]) == ("Théière en fonte, 1,2 l", "Inactive")


@pytest.mark.parametrize("how", ["parameter", "envelope"])
def test_purge_and_replace_on_a_product_feed_replaces_the_catalogue(
    tmp_path: Path, catalogue: Catalogue, how: str
) -> None:
    extra = "<PurgeAndReplace>true</PurgeAndReplace>\n" if how == "envelope" else ""
    body = envelope(
        "Product",
        product("ONLY-1", title="One", asin="B0ONLY0001"),
        product("ONLY-2", title="Two", asin="B0ONLY0002"),
        extra=extra,
    )

    submit(tmp_path / "p.xml", PRODUCT, body, {US: catalogue}, purge=how == "parameter")

    assert [listing.sku for listing in catalogue.listings()] == ["ONLY-1", "ONLY-2"]


def test_purge_and_replace_is_ignored_on_other_feeds(
    tmp_path: Path, catalogue: Catalogue, skus: list[str]
) -> None:
    body = envelope("Inventory", inventory(skus[0], "<Quantity>3</Quantity>"))

    submit(tmp_path / "i.xml", INVENTORY, body, {US: catalogue}, purge=True)

    assert len(catalogue) == 30


def test_messages_that_only_refer_to_a_listing_need_a_known_one(
    tmp_path: Path, catalogue: Catalogue, skus: list[str]
) -> None:
    body = envelope(
        "Relationship",
        f"<Relationship><ParentSKU>{skus[0]}</ParentSKU></Relationship>",
        "<Relationship><ParentSKU>NOPE</ParentSKU></Relationship>",
    )

    outcome = submit(tmp_path / "r.xml", "_POST_PRODUCT_RELATIONSHIP_DATA_", body, {US: catalogue})

    assert codes(outcome) == [(2, "NOPE", "Error", 13013)]


def test_a_document_feed_is_accepted_whole(tmp_path: Path, catalogue: Catalogue) -> None:
    outcome = submit(
        tmp_path / "invoice.pdf", "_UPLOAD_VAT_INVOICE_", b"%PDF-1.4\n%\xe2\xe3", {US: catalogue}
    )

    assert summary(outcome) == (1, 1, 0, 0)
    assert outcome.results == ()


# XML: documents refused as a whole -----------------------------------------------------------


def test_malformed_xml_is_error_5000_on_message_0_and_changes_nothing(
    tmp_path: Path, catalogue: Catalogue, skus: list[str]
) -> None:
    body = envelope("Inventory", inventory(skus[0], "<Quantity>1</Quantity>"))
    broken = body.replace("</AmazonEnvelope>", "<Message><MessageID>2</Message></AmazonEnvelope>")
    before = catalogue.listings()

    outcome = submit(tmp_path / "bad.xml", INVENTORY, broken, {US: catalogue})
    report = etree.fromstring(outcome.document).find("Message/ProcessingReport")

    assert summary(outcome) == (0, 0, 1, 0)
    assert codes(outcome) == [(0, None, "Error", 5000)]
    assert outcome.results[0].description.startswith("XML Parsing Error at Line 6, Column ")
    assert "mismatch" in outcome.results[0].description
    assert catalogue.listings() == before
    assert report is not None
    assert report.findtext("Result/MessageID") == "0"
    assert report.find("Result/AdditionalInfo") is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("", "XML Parsing Error at Line 1"),
        ("<AmazonEnvelope><MessageType>Inventory</MessageType>", "XML Parsing Error at Line 1"),
        ("<AmazonEnvelope>&nbsp;</AmazonEnvelope>", "Entity 'nbsp' not defined"),
        ("<Feed><Message/></Feed>", "the root element must be AmazonEnvelope"),
        ("<AmazonEnvelope><Message/></AmazonEnvelope>", "MessageType is missing"),
        (
            "<AmazonEnvelope><MessageType>Inventory</MessageType></AmazonEnvelope>",
            "holds no Message",
        ),
    ],
)
def test_unusable_documents_are_rejected_whole(
    tmp_path: Path, catalogue: Catalogue, body: str, expected: str
) -> None:
    outcome = submit(tmp_path / "bad.xml", INVENTORY, body, {US: catalogue})

    assert codes(outcome) == [(0, None, "Error", 5000)]
    assert expected in outcome.results[0].description


def test_a_doctype_is_refused(tmp_path: Path, catalogue: Catalogue, skus: list[str]) -> None:
    body = envelope("Inventory", inventory(skus[0], "<Quantity>1</Quantity>")).replace(
        "<AmazonEnvelope ",
        '<!DOCTYPE AmazonEnvelope SYSTEM "amzn-envelope.dtd">\n<AmazonEnvelope ',
        1,
    )

    outcome = submit(tmp_path / "doctype.xml", INVENTORY, body, {US: catalogue})

    assert codes(outcome) == [(0, None, "Error", 5000)]
    assert outcome.results[0].description.startswith(
        "XML Parsing Error at Line 2, Column 1: DOCTYPE is disallowed"
    )
    assert catalogue.listings() == Catalogue.generate("A1SELLER", US, seed=11, size=30).listings()


def test_billion_laughs_is_refused_at_once(tmp_path: Path, catalogue: Catalogue) -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    body = (
        f'<?xml version="1.0"?>\n<!DOCTYPE AmazonEnvelope [{entities}]>\n'
        "<AmazonEnvelope><MessageType>Inventory</MessageType>"
        "<Message><MessageID>1</MessageID><Inventory><SKU>&lol9;</SKU></Inventory></Message>"
        "</AmazonEnvelope>"
    )
    started = time.process_time()

    outcome = submit(tmp_path / "lol.xml", INVENTORY, body, {US: catalogue})

    assert time.process_time() - started < 1
    assert codes(outcome) == [(0, None, "Error", 5000)]
    assert "DOCTYPE is disallowed" in outcome.results[0].description
    assert b"lollol" not in outcome.document


@pytest.fixture
def watched_file(tmp_path: Path) -> Iterator[tuple[Path, list[bytes]]]:
    """A named pipe standing in for a secret file: whoever opens it to read is noticed.

    Opening a FIFO for writing without blocking succeeds only while a reader has it open, so a
    thread that keeps trying records every attempt the parser makes to read it.
    """
    fifo = tmp_path / "secret"
    os.mkfifo(fifo)
    opened: list[bytes] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            try:
                descriptor = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.001)
                continue
            opened.append(b"opened")
            # The reader may be gone already; it opened the file all the same.
            with contextlib.suppress(BrokenPipeError):
                os.write(descriptor, b"TOP-SECRET")
            os.close(descriptor)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    yield fifo, opened
    stop.set()
    watcher.join()


def test_the_watched_file_notices_a_parser_that_reads_it(
    watched_file: tuple[Path, list[bytes]],
) -> None:
    fifo, opened = watched_file
    body = f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{fifo}">]><r>&x;</r>'.encode()

    # the control: a parser left at its permissive settings does read the file
    etree.fromstring(body, etree.XMLParser(resolve_entities=True, load_dtd=True))
    time.sleep(0.05)

    assert opened


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE AmazonEnvelope [<!ENTITY xxe SYSTEM "file://{fifo}">]>',
        '<!DOCTYPE AmazonEnvelope [<!ENTITY % xxe SYSTEM "file://{fifo}"> %xxe;]>',
        '<!DOCTYPE AmazonEnvelope SYSTEM "file://{fifo}">',
    ],
    ids=["general-entity", "parameter-entity", "external-dtd"],
)
def test_external_entities_are_refused_and_nothing_is_read(
    tmp_path: Path,
    catalogue: Catalogue,
    skus: list[str],
    watched_file: tuple[Path, list[bytes]],
    doctype: str,
) -> None:
    fifo, opened = watched_file
    body = (
        f"{doctype.format(fifo=fifo)}\n<AmazonEnvelope><MessageType>Inventory</MessageType>"
        f"<Message><MessageID>1</MessageID><Inventory><SKU>{skus[0]}</SKU>"
        "<Quantity>1</Quantity></Inventory></Message>"
        "<Message><MessageID>2</MessageID><Inventory><SKU>&xxe;</SKU></Inventory></Message>"
        "</AmazonEnvelope>"
    )

    outcome = submit(tmp_path / "xxe.xml", INVENTORY, body, {US: catalogue})
    time.sleep(0.05)

    assert opened == []
    assert codes(outcome) == [(0, None, "Error", 5000)]
    assert b"TOP-SECRET" not in outcome.document
    assert catalogue.listings() == Catalogue.generate("A1SELLER", US, seed=11, size=30).listings()


def test_a_large_feed_is_processed_in_flat_memory(
    tmp_path: Path, catalogue: Catalogue, skus: list[str]
) -> None:
    path = tmp_path / "large.xml"
    count = 25_000
    with path.open("w") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope>\n')
        out.write("<Header><DocumentVersion>1.01</DocumentVersion></Header>\n")
        out.write("<MessageType>Inventory</MessageType>\n")
        for number in range(1, count + 1):
            sku = skus[number % 5]
            out.write(
                f"<Message><MessageID>{number}</MessageID><OperationType>Update</OperationType>"
                f"<Inventory><SKU>{sku}</SKU><Quantity>{number}</Quantity>"
                "<FulfillmentLatency>2</FulfillmentLatency></Inventory></Message>\n"
            )
        out.write("</AmazonEnvelope>\n")
    process = psutil.Process(os.getpid())
    baseline = process.memory_info().rss
    peak = [baseline]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.01):
            peak.append(process.memory_info().rss)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        outcome = process_feed(
            INVENTORY,
            path,
            content_type="text/xml",
            catalogues={US: catalogue},
            purge_and_replace=False,
            submission_id="1",
        )
    finally:
        done.set()
        sampler.join()

    assert path.stat().st_size > 4_500_000
    assert summary(outcome) == (count, count, 0, 0)
    assert catalogue.get(skus[0]).quantity == count
    assert max(peak) - baseline < 16 * 2**20


# Flat files ----------------------------------------------------------------------------------


def test_a_price_and_quantity_file_gets_the_flat_processing_report(
    tmp_path: Path, catalogue: Catalogue, skus: list[str]
) -> None:
    body = (
        "sku\tprice\tminimum-seller-allowed-price\tmaximum-seller-allowed-price\tquantity\t"
        "handling-time\tfulfillment-channel\n"
        f"{skus[0]}\t12.50\t\t\t7\t2\t\n"
        "UNKNOWN-9\t1.00\t\t\t1\t\t\n"
        "\n"
        f"{skus[1]}\t-1\t\t\t\t\t\n"
        f"{skus[2]}\t\t\t\t\t\t\n"
        f"{skus[3]}\t\t\t\t12\t\t\n"
    )

    outcome = submit(
        tmp_path / "pq.txt",
        PRICE_AND_QUANTITY,
        body.encode("cp1252"),
        {US: catalogue},
        content_type="text/tab-separated-values; charset=iso-8859-1",
    )

    assert summary(outcome) == (5, 2, 3, 0)
    assert codes(outcome) == [
        (2, "UNKNOWN-9", "Error", 13013),
        (3, skus[1], "Error", 8105),
        (4, skus[2], "Error", 99001),
    ]
    assert outcome.content_type == "text/plain;charset=windows-1252"
    assert outcome.document.decode("cp1252") == (
        "Feed Processing Summary:\n"
        "\tNumber of records processed\t\t5\n"
        "\tNumber of records successful\t\t2\n"
        "\n"
        "original-record-number\tsku\terror-code\terror-type\terror-message\n"
        f"2\tUNKNOWN-9\t13013\tError\t{outcome.results[0].description}\n"
        f"3\t{skus[1]}\t8105\tError\t{outcome.results[1].description}\n"
        f"4\t{skus[2]}\t99001\tError\t{outcome.results[2].description}\n"
    )
    first = catalogue.get(skus[0])
    assert first is not None
    assert (first.price, first.quantity, first.fulfillment_latency) == (Decimal("12.50"), 7, 2)
    assert catalogue.get(skus[3]).quantity == 12


def test_a_flat_file_without_errors_has_no_table(
    tmp_path: Path, catalogue: Catalogue, skus: list[str]
) -> None:
    body = f"sku\tprice\tquantity\n{skus[0]}\t3.00\t1\n{skus[1]}\t4.00\t2\n"

    outcome = submit(
        tmp_path / "ok.txt",
        PRICE_AND_QUANTITY,
        body,
        {US: catalogue},
        content_type="text/tab-separated-values",
    )

    assert outcome.document == (
        b"Feed Processing Summary:\n\tNumber of records processed\t\t2\n"
        b"\tNumber of records successful\t\t2\n\n"
    )


def test_a_flat_file_without_a_sku_column_fails_whole(tmp_path: Path, catalogue: Catalogue) -> None:
    outcome = submit(
        tmp_path / "x.txt", PRICE_AND_QUANTITY, "price\tquantity\n1.00\t1\n", {US: catalogue}
    )

    assert codes(outcome) == [(0, None, "Error", 99001)]
    assert summary(outcome) == (0, 0, 1, 0)


def test_the_inventory_loader_adds_offers_and_deletes_them(
    tmp_path: Path, catalogue: Catalogue, skus: list[str]
) -> None:
    body = (
        "sku\tproduct-id\tproduct-id-type\tprice\titem-condition\tquantity\tadd-delete\t"
        "leadtime-to-ship\n"
        "LOADED-1\tB0LOADED01\t1\t15.00\t11\t6\ta\t3\n"
        "LOADED-2\t\t\t15.00\t11\t6\ta\t\n"
        "LOADED-3\t012345678905\t3\t\t11\t6\ta\t\n"
        f"{skus[0]}\t\t\t\t\t\td\t\n"
        "NEVER-THERE\t\t\t\t\t\tx\t\n"
        f"{skus[1]}\t\t\t\t\t\tq\t\n"
    )

    outcome = submit(tmp_path / "inv.txt", INVENTORY_LOADER, body, {US: catalogue})
    loaded = catalogue.get("LOADED-1")

    assert codes(outcome) == [
        (2, "LOADED-2", "Error", 8560),
        (3, "LOADED-3", "Error", 99001),
        (5, "NEVER-THERE", "Error", 13013),
        (6, skus[1], "Error", 8105),
    ]
    assert loaded is not None
    assert (loaded.asin, loaded.price, loaded.quantity, loaded.fulfillment_latency) == (
        "B0LOADED01",
        Decimal("15.00"),
        6,
        3,
    )
    assert loaded.is_active
    assert catalogue.get(skus[0]) is None


def test_a_japanese_category_template_is_read_as_windows_31j(tmp_path: Path) -> None:
    japan = Catalogue.generate("A1SELLER", JP, seed=1, size=3)
    body = (
        "TemplateType=Home\tVersion=2014.0409\n"
        "出品者SKU\t商品名\t商品コード\t商品コードのタイプ\t価格\t在庫数\t"
        "アップデート・削除\n"
        "item_sku\titem_name\texternal_product_id\texternal_product_id_type\t"
        "standard_price\tquantity\tupdate_delete\n"
        "JP-NEW-1\t南部鉄器 急須 0.65L\t4901234567894\tEAN\t4980\t3\tUpdate\n"
        "JP-NEW-2\t\t4901234567894\tEAN\t4980\t3\tUpdate\n"
    )

    outcome = submit(
        tmp_path / "jp.txt",
        LISTINGS_FILE,
        body.encode("cp932"),
        {JP: japan},
        content_type="text/tab-separated-values; charset=Shift_JIS",
    )
    report = listings_report(japan, "_GET_MERCHANT_LISTINGS_DATA_")

    assert codes(outcome) == [(2, "JP-NEW-2", "Error", 8560)]
    assert outcome.content_type == "text/plain;charset=windows-31j"
    text = outcome.document.decode("cp932")
    assert text.startswith("フィード処理結果\uff1a\n\t処理された件数\t\t2\n\t成功した件数\t\t1\n\n")
    row = next(row for row in report if row[3] == "JP-NEW-1")
    assert (row[0], row[4], row[5]) == ("南部鉄器 急須 0.65L", "4980", "3")


# An en dash and a euro sign: bytes 0x96 and 0x80 in windows-1252, control codes in ISO-8859-1.
GERMAN_TITLE = "Würfelbecher aus Edelstahl \u2013 25 €"


def test_a_flat_file_without_a_declared_charset_is_read_in_the_region_charset(
    tmp_path: Path,
) -> None:
    germany = Catalogue.generate("A1SELLER", DE, seed=1, size=3)
    body = (
        "item_sku\titem_name\texternal_product_id\texternal_product_id_type\tstandard_price\t"
        "quantity\n"
        "DE-NEW-1\tKäsereibe\t4001234567891\tEAN\t25,00\t1\n"
        f"DE-NEW-2\t{GERMAN_TITLE}\t4001234567891\tEAN\t9.90\t1\n"
    )

    outcome = submit(
        tmp_path / "de.txt",
        LISTINGS_FILE,
        body.encode("cp1252"),
        {DE: germany},
        content_type="application/octet-stream",
    )

    assert codes(outcome) == [(1, "DE-NEW-1", "Error", 8105)]
    assert "\tFehler\t" in outcome.document.decode("cp1252")
    assert germany.get("DE-NEW-1") is None
    created = germany.get("DE-NEW-2")
    assert created is not None
    assert (created.title, created.price) == (GERMAN_TITLE, Decimal("9.90"))


def test_an_italian_report_has_an_italian_summary(tmp_path: Path) -> None:
    italy = Catalogue.generate("A1SELLER", IT, seed=1, size=3)
    sku = italy.listings()[0].sku

    outcome = submit(
        tmp_path / "it.txt", PRICE_AND_QUANTITY, f"sku\tquantity\n{sku}\t4\n", {IT: italy}
    )

    assert outcome.document.decode("cp1252") == (
        "Riepilogo elaborazione feed:\n\tNumero record elaborati\t\t1\n"
        "\tNumero record elaborati con successo\t\t1\n\n"
    )


def test_an_order_file_reports_by_order_id(tmp_path: Path, catalogue: Catalogue) -> None:
    body = (
        "order-id\torder-item-id\tquantity\tship-date\tcarrier-code\ttracking-number\n"
        "113-1234567-1234567\t12345678901234\t1\t2021-05-06\tUPS\t1Z999\n"
        "\t22345678901234\t1\t2021-05-06\tUPS\t1Z998\n"
    )

    outcome = submit(
        tmp_path / "ship.txt", "_POST_FLAT_FILE_FULFILLMENT_DATA_", body, {US: catalogue}
    )

    assert summary(outcome) == (2, 1, 1, 0)
    assert outcome.document.decode("cp1252").endswith(
        "original-record-number\torder-id\torder-item-id\terror-code\terror-type\terror-message\n"
        '2\t\t22345678901234\t99001\tError\tA value is required for the "order-id" field.\n'
    )


# Every feed type ------------------------------------------------------------------------------


def _any_body(feed_type: str, sku: str) -> tuple[bytes, str]:
    """A small body of the kind each feed type carries, and its Content-Type."""
    if feed_type == "_UPLOAD_VAT_INVOICE_":
        return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/octet-stream"
    if feed_type in XML_FEED_MESSAGE_TYPES:
        kind = XML_FEED_MESSAGE_TYPES[feed_type]
        return envelope(kind, f"<{kind}><SKU>{sku}</SKU></{kind}>").encode(), "text/xml"
    if feed_type in ("_POST_STD_ACES_DATA_", "_POST_EASYSHIP_DOCUMENTS_") or not any(
        marker in feed_type for marker in ("FLAT_FILE", "UIEE", "RFQ")
    ):
        return envelope("Other", f"<Item><SKU>{sku}</SKU></Item>").encode(), "text/xml"
    if "ORDER" in feed_type or "FULFILLMENT" in feed_type or "ADJUSTMENT" in feed_type:
        row = f"order-id\tsku\tquantity\n111-1234567-1234567\t{sku}\t1\n"
    else:
        row = f"sku\tquantity\n{sku}\t1\n"
    return row.encode(), "text/tab-separated-values; charset=iso-8859-1"


@pytest.mark.parametrize("feed_type", sorted(FEED_TYPES))
def test_every_feed_type_is_processed_into_a_report(
    tmp_path: Path, catalogue: Catalogue, skus: list[str], feed_type: str
) -> None:
    body, content_type = _any_body(feed_type, skus[0])
    outcome = submit(tmp_path / "feed", feed_type, body, {US: catalogue}, content_type=content_type)
    assert outcome.messages_processed >= 1
    assert outcome.document
