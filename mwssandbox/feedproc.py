"""Processing a submitted feed the way MWS did: results computed from the feed, catalogue changed.

XML feeds (AmazonEnvelope, reference 3.9) are read twice with a hardened streaming parser: once
to make sure the whole document is well-formed, because MWS rejected a malformed document as a
whole and changed nothing, then message by message to check and apply each one. Neither pass
keeps more than one message in memory, and no DTD, entity or external resource is ever loaded:
a document with a DOCTYPE is refused outright. The processing report is the XML ProcessingReport
of reference 3.7.

Flat-file feeds (tab-separated) are decoded with the charset their Content-Type declares, or the
marketplace's, and answered with the flat-file processing report of reference 3.8, numbered by
original record.

Result message codes. 5000 on MessageID 0 for an unparseable document comes from the reference;
13013, 99001, 8105 and 8560 are the codes real processing reports used for these cases, and
their wording follows the real reports as closely as it is known. The rest of the mapping is
the sandbox's own choice, made where the reference is silent:

===== ========= ==============================================================================
code  type      when
===== ========= ==============================================================================
5000  Error     document not well-formed, DOCTYPE present, or envelope unusable (MessageID 0)
5000  Error     message body or MessageType not of the type the feed type carries
5000  Warning   an update identical to the one an earlier feed made: skipped, naming that feed
13013 Error     SKU (or ParentSKU) unknown in every marketplace the feed addresses
99001 Error     a required value is missing
8105  Error     a value is malformed or out of range: negative quantity, price of 0 or less,
                more decimals than the currency has, wrong currency, unknown enumeration
8560  Error     a new SKU without the product id or title needed to create it
===== ========= ==============================================================================

Messages with a warning count as successful, as in real reports.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

from lxml import etree

from mwssandbox.catalogue import (
    CONDITION_CODES,
    MFN_CHANNEL,
    PRODUCT_ID_TYPES,
    Catalogue,
    Listing,
    valid_sku,
)

ERROR = "Error"
WARNING = "Warning"

# XML feed types and the MessageType each carries (reference 3.2 and 3.9).
XML_FEED_MESSAGE_TYPES: dict[str, str] = {
    "_POST_PRODUCT_DATA_": "Product",
    "_POST_INVENTORY_AVAILABILITY_DATA_": "Inventory",
    "_POST_PRODUCT_PRICING_DATA_": "Price",
    "_POST_PRODUCT_OVERRIDES_DATA_": "Override",
    "_POST_PRODUCT_IMAGE_DATA_": "ProductImage",
    "_POST_PRODUCT_RELATIONSHIP_DATA_": "Relationship",
    "_POST_ORDER_ACKNOWLEDGEMENT_DATA_": "OrderAcknowledgement",
    "_POST_ORDER_FULFILLMENT_DATA_": "OrderFulfillment",
    "_POST_PAYMENT_ADJUSTMENT_DATA_": "OrderAdjustment",
}
# Feeds that describe products, the only ones PurgeAndReplace applies to.
INVENTORY_LOADER = "_POST_FLAT_FILE_INVLOADER_DATA_"
LISTINGS_FILE = "_POST_FLAT_FILE_LISTINGS_DATA_"
PRICE_AND_QUANTITY_FILE = "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_"
PRODUCT_FEEDS = frozenset({"_POST_PRODUCT_DATA_", LISTINGS_FILE, INVENTORY_LOADER})
XML_CONTENT_TYPE = "text/xml;charset=UTF-8"


@dataclass(frozen=True)
class MessageResult:
    message_id: int  # XML MessageID, or the flat file's original-record-number
    sku: str | None
    result_code: str  # "Error" or "Warning"
    message_code: int
    description: str


@dataclass(frozen=True)
class FeedOutcome:
    messages_processed: int
    messages_successful: int
    messages_with_error: int
    messages_with_warning: int
    results: tuple[MessageResult, ...]
    document: bytes  # the processing report body, as GetFeedSubmissionResult returns it
    content_type: str


def process_feed(
    feed_type: str,
    body_path: Path,
    *,
    content_type: str,
    catalogues: Mapping[str, Catalogue],
    purge_and_replace: bool,
    submission_id: str,
    now: datetime | None = None,
) -> FeedOutcome:
    """Check ``body_path`` as a ``feed_type`` feed, apply what succeeds, and report.

    ``catalogues`` are the seller's catalogues in the marketplaces the feed addresses, by
    marketplace id; ``now`` dates the listings the feed creates (default: the current time).
    """
    job = _Job(
        feed_type=feed_type,
        catalogues=[catalogues[key] for key in sorted(catalogues)],
        purge=purge_and_replace and feed_type in PRODUCT_FEEDS,
        submission_id=submission_id,
        now=now or datetime.now(UTC),
    )
    if "_FLAT_FILE_" in feed_type:
        return _process_flat_file(job, body_path, content_type)
    with body_path.open("rb") as stream:
        looks_like_xml = _starts_with_markup(stream.read(4096))
    if feed_type in XML_FEED_MESSAGE_TYPES or looks_like_xml:
        return _process_xml(job, body_path)
    # A document feed (a VAT invoice PDF, say) is taken as one message, accepted whole.
    return _xml_outcome(job, processed=1, results=[], seller=None)


@dataclass
class _Job:
    feed_type: str
    catalogues: list[Catalogue]
    purge: bool
    submission_id: str
    now: datetime

    def holding(self, sku: str) -> list[Catalogue]:
        return [catalogue for catalogue in self.catalogues if sku in catalogue]

    def purge_catalogues(self) -> None:
        for catalogue in self.catalogues:
            catalogue.purge()


def _starts_with_markup(head: bytes) -> bool:
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if head.startswith(bom):
            return True
    return head.lstrip().startswith(b"<")


# ---------------------------------------------------------------------------------------------
# Checks shared by XML messages and flat-file records


class _Issues:
    """The results one message or record collects."""

    def __init__(self) -> None:
        self.sku: str | None = None
        self.order: tuple[str, str] | None = None  # (order-id, order-item-id) of order feeds
        self.items: list[tuple[str, int, str]] = []

    def error(self, code: int, description: str) -> None:
        self.items.append((ERROR, code, description))

    def warning(self, code: int, description: str) -> None:
        self.items.append((WARNING, code, description))

    def missing(self, name: str) -> None:
        self.error(99001, f'A value is required for the "{name}" field.')

    def invalid(self, name: str, value: str, rule: str) -> None:
        self.error(
            8105,
            "The data you provided for an attribute does not match the list of valid values. "
            f'The value "{value}" of "{name}" is not valid: {rule}.',
        )

    def unknown_sku(self) -> None:
        self.error(
            13013,
            "There is no record of the SKU corresponding to this update on your account. "
            "This commonly occurs when there are other issues on your SKU.",
        )

    def identical(self, feed: str) -> None:
        self.warning(
            5000,
            f"The update for Sku '{self.sku}' was skipped because it is identical to the update "
            f"in feed '{feed}'.",
        )

    def cannot_create(self, missing: list[str]) -> None:
        attributes = ", ".join(missing)
        self.error(
            8560,
            f"SKU {self.sku}, Missing Attributes {attributes}. SKU {self.sku} doesn't match any "
            "ASINs. Make sure that all standard product ids (such as UPC, ISBN, EAN, or JAN "
            "codes) are correct. To create a new ASIN, include the following attributes: "
            f"{attributes}.",
        )

    @property
    def failed(self) -> bool:
        return any(kind == ERROR for kind, _, _ in self.items)

    def results(self, message_id: int) -> list[MessageResult]:
        return [
            MessageResult(message_id, self.sku, kind, code, description)
            for kind, code, description in self.items
        ]


def _check_sku(issues: _Issues, sku: str, field_name: str = "SKU") -> bool:
    if not sku:
        issues.missing(field_name)
        return False
    if not valid_sku(sku):
        issues.invalid(field_name, sku, "1 to 40 characters, no control characters")
        return False
    return True


_WHOLE_NUMBER = re.compile(r"\+?\d{1,9}")
_DAYS = re.compile(r"\d{1,2}")


def _quantity(issues: _Issues, name: str, text: str) -> int | None:
    if _WHOLE_NUMBER.fullmatch(text):
        return int(text)
    issues.invalid(name, text, "a whole number of 0 or more")
    return None


def _latency(issues: _Issues, name: str, text: str) -> int | None:
    if _DAYS.fullmatch(text) and 1 <= int(text) <= 30:
        return int(text)
    issues.invalid(name, text, "a whole number of days from 1 to 30")
    return None


def _price(issues: _Issues, name: str, text: str, catalogue: Catalogue) -> Decimal | None:
    decimals = catalogue.locale.decimals
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount <= 0 or amount >= 10**9:
        issues.invalid(name, text, "a price greater than 0")
        return None
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimals:
        issues.invalid(name, text, f"at most {decimals} decimal places in {catalogue.currency}")
        return None
    return amount.quantize(Decimal(1).scaleb(-decimals))


def _product_id(issues: _Issues, id_type: str, value: str) -> str | None:
    """The flat-file product-id-type code of a StandardProductID, if the id is well-formed."""
    patterns = {
        "ASIN": r"[A-Z0-9]{10}",
        "ISBN": r"\d{9}[\dX]|\d{13}",
        "UPC": r"\d{12}",
        "EAN": r"\d{13}",
        "JAN": r"\d{13}",
        "GTIN": r"\d{14}",
    }
    pattern = patterns.get(id_type)
    if pattern is None:
        issues.invalid("StandardProductID/Type", id_type, ", ".join(patterns))
        return None
    if not re.fullmatch(pattern, value):
        issues.invalid("StandardProductID/Value", value, f"a well-formed {id_type}")
        return None
    # JAN and GTIN codes are EANs to the listings reports.
    return PRODUCT_ID_TYPES.get(id_type, PRODUCT_ID_TYPES["EAN"])


@dataclass
class _Inventory:
    """An inventory update as both feed formats express it."""

    quantity: int | None = None
    latency: int | None = None
    channel: str | None = None  # "MFN", "AFN" or None (keep)
    available: bool | None = None

    def apply(self, job: _Job, issues: _Issues, sku: str, targets: list[Catalogue]) -> None:
        changes = []
        for catalogue in targets:
            current = catalogue.get(sku)
            if current is None:
                continue
            channel = current.fulfillment_channel
            if self.channel == "AFN":
                channel = catalogue.locale.afn_channel
            elif self.channel == "MFN":
                channel = MFN_CHANNEL
            quantity = self.quantity
            if quantity is None and self.available is not None:
                quantity = max(current.quantity, 1) if self.available else 0
            changes.append((catalogue, current, quantity, channel))
        if changes and all(
            _same_inventory(current, quantity, self.latency, channel)
            for _, current, quantity, channel in changes
        ):
            issues.identical(changes[0][1].inventory_feed or "")
            return
        for catalogue, _, quantity, channel in changes:
            catalogue.set_inventory(
                sku,
                quantity=quantity,
                fulfillment_latency=self.latency,
                fulfillment_channel=channel,
                feed=job.submission_id,
            )


def _same_inventory(
    current: Listing, quantity: int | None, latency: int | None, channel: str
) -> bool:
    """Whether an update only repeats what an earlier feed already set."""
    return (
        current.inventory_feed is not None
        and quantity in (None, current.quantity)
        and latency in (None, current.fulfillment_latency)
        and channel == current.fulfillment_channel
    )


def _apply_price(
    job: _Job, issues: _Issues, sku: str, prices: list[tuple[Catalogue, Decimal]]
) -> None:
    listings = [(catalogue, catalogue.get(sku), price) for catalogue, price in prices]
    if all(
        listing is not None and listing.price_feed is not None and listing.price == price
        for _, listing, price in listings
    ):
        first = listings[0][1]
        issues.identical(first.price_feed if first is not None and first.price_feed else "")
        return
    for catalogue, _, price in listings:
        catalogue.set_price(sku, price, feed=job.submission_id)


# ---------------------------------------------------------------------------------------------
# XML feeds


class _Rejected(Exception):
    """The document as a whole cannot be processed: one 5000 error on MessageID 0."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass
class _Envelope:
    message_type: str | None = None
    merchant: str | None = None
    purge: bool = False
    messages: int = 0


_DISALLOWED_DOCTYPE = (
    'DOCTYPE is disallowed when the feature "http://apache.org/xml/features/'
    'disallow-doctype-decl" set to true.'
)


# The envelope's own children; the parser reports nothing else, which saves an event for every
# element inside every message.
_ENVELOPE_CHILDREN = ("Header", "MessageType", "PurgeAndReplace", "Message")


def _iterparse(stream: IO[bytes], tags: tuple[str, ...]) -> etree.iterparse:
    """lxml's streaming parser with everything that could reach outside the document off,
    reporting the end of elements named ``tags``."""
    return etree.iterparse(
        stream,
        events=("end",),
        tag=tags,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


def _read_envelope(body_path: Path) -> _Envelope:
    """First pass: the whole document must parse; collect what precedes the messages."""
    envelope = _Envelope()
    # lxml keeps a per-thread log of parser errors; start it empty so that what it holds after
    # a failure belongs to this document.
    etree.clear_error_log()
    with body_path.open("rb") as stream:
        parser = _iterparse(stream, _ENVELOPE_CHILDREN)
        checked = False
        try:
            for _, element in parser:
                if not checked:
                    _check_root(element.getroottree(), body_path)
                    checked = True
                if _is_envelope_child(element):
                    _read_envelope_child(envelope, element)
                    _forget(element)
        except etree.XMLSyntaxError as error:
            line, column, message = _syntax_error(error)
            raise _Rejected(
                f"XML Parsing Error at Line {line}, Column {column}: {message}"
            ) from None
    root = parser.root
    if not checked:
        _check_root(root.getroottree(), body_path)
    if envelope.message_type is None:
        raise _Rejected(_envelope_error(root, "MessageType is missing"))
    if envelope.messages == 0:
        raise _Rejected(_envelope_error(root, "the document holds no Message"))
    return envelope


def _check_root(tree: etree._ElementTree, body_path: Path) -> None:
    _refuse_doctype(tree, body_path)
    root = tree.getroot()
    if root.tag != "AmazonEnvelope":
        raise _Rejected(_envelope_error(root, "the root element must be AmazonEnvelope"))


def _is_envelope_child(element: etree._Element) -> bool:
    parent = element.getparent()
    return parent is not None and parent.getparent() is None


def _forget(element: etree._Element) -> None:
    """Drop a handled child of the envelope, and what came before it, to keep memory flat."""
    element.clear()
    parent = element.getparent()
    while element.getprevious() is not None:
        del parent[0]


def _read_envelope_child(envelope: _Envelope, element: etree._Element) -> None:
    if element.tag == "Message":
        envelope.messages += 1
    elif element.tag == "MessageType":
        envelope.message_type = (element.text or "").strip()
    elif element.tag == "PurgeAndReplace":
        envelope.purge = (element.text or "").strip() in ("true", "1")
    elif element.tag == "Header":
        envelope.merchant = (element.findtext("MerchantIdentifier") or "").strip() or None


def _syntax_error(error: etree.XMLSyntaxError) -> tuple[int, int, str]:
    """(line, column, message) of the parser's first complaint about the document."""
    entries = list(error.error_log)
    if entries:
        # lxml's own summary ("no element found" at 0:0) can hide libxml2's precise error.
        first = entries[0]
        return max(first.line, 1), max(first.column, 1), first.message
    line, column = error.position
    # lxml appends ", line L, column C" to the message; the report states the position itself.
    message = re.sub(r", line \d+, column \d+$", "", str(error.msg))
    return max(line, 1), max(column, 1), message


def _envelope_error(element: etree._Element, problem: str) -> str:
    return (
        "The XML you submitted is ill-formed at the Amazon Envelope XML level at (or near) "
        f"line {element.sourceline or 1}: {problem}."
    )


def _refuse_doctype(tree: etree._ElementTree, body_path: Path) -> None:
    """A DOCTYPE can declare entities (billion laughs) or point outside (XXE): refuse it."""
    info = tree.docinfo
    if not info.doctype and info.internalDTD is None:
        return
    with body_path.open("rb") as stream:
        head = stream.read(65536)
    offset = head.find(b"<!DOCTYPE")
    line, column = (1, 1)
    if offset >= 0:
        line = head.count(b"\n", 0, offset) + 1
        column = offset - (head.rfind(b"\n", 0, offset) + 1) + 1
    raise _Rejected(f"XML Parsing Error at Line {line}, Column {column}: {_DISALLOWED_DOCTYPE}")


def _process_xml(job: _Job, body_path: Path) -> FeedOutcome:
    try:
        envelope = _read_envelope(body_path)
    except _Rejected as rejected:
        result = MessageResult(0, None, ERROR, 5000, rejected.description)
        return _xml_outcome(job, processed=0, results=[result], seller=None, failed=1)
    if job.purge or (envelope.purge and job.feed_type in PRODUCT_FEEDS):
        job.purge_catalogues()
    expected = XML_FEED_MESSAGE_TYPES.get(job.feed_type)
    results: list[MessageResult] = []
    failed = warned = processed = 0
    with body_path.open("rb") as stream:
        for _, element in _iterparse(stream, ("Message",)):
            if not _is_envelope_child(element):
                continue
            issues, message_id = _process_message(job, envelope, expected, element)
            processed += 1
            failed += issues.failed
            warned += bool(issues.items) and not issues.failed
            results.extend(issues.results(message_id))
            _forget(element)
    return _xml_outcome(
        job,
        processed=processed,
        results=results,
        seller=envelope.merchant,
        failed=failed,
        warned=warned,
    )


class _Fields:
    """The child elements of an element by tag, gathered once: ElementPath lookups such as
    findtext cost more than the rest of a message's processing."""

    def __init__(self, element: etree._Element) -> None:
        self.element = element
        self._children: dict[str, etree._Element] = {}
        for child in element:
            if isinstance(child.tag, str):
                self._children.setdefault(child.tag, child)

    def child(self, name: str) -> etree._Element | None:
        return self._children.get(name)

    def text(self, path: str) -> str:
        name, _, rest = path.partition("/")
        child = self._children.get(name)
        if child is None:
            return ""
        if rest:
            return _Fields(child).text(rest)
        return (child.text or "").strip()


_OPERATIONS = ("Update", "Delete", "PartialUpdate")
_MESSAGE_ID = re.compile(r"\d{1,20}")


def _process_message(
    job: _Job, envelope: _Envelope, expected: str | None, message: etree._Element
) -> tuple[_Issues, int]:
    issues = _Issues()
    fields = _Fields(message)
    id_text = fields.text("MessageID")
    message_id = int(id_text) if _MESSAGE_ID.fullmatch(id_text) else 0
    if not id_text:
        issues.missing("MessageID")
    elif not message_id:
        issues.invalid("MessageID", id_text, "a number of 1 to 20 digits")
    operation = fields.text("OperationType") or "Update"
    if operation not in _OPERATIONS:
        issues.invalid("OperationType", operation, ", ".join(_OPERATIONS))
    body = next(
        (
            child
            for child in message
            if isinstance(child.tag, str) and child.tag not in ("MessageID", "OperationType")
        ),
        None,
    )
    message_type = envelope.message_type or ""
    carried = expected or message_type
    content = _Fields(body) if body is not None else None
    if content is not None:
        issues.sku = content.text("SKU") or None
    if message_type != carried:
        issues.error(
            5000,
            _envelope_error(
                message,
                f'MessageType "{message_type}" is not valid in a {job.feed_type} feed, which '
                f'carries "{carried}" messages',
            ),
        )
    elif body is None:
        issues.missing(carried)
    elif body.tag != carried:
        issues.error(
            5000,
            _envelope_error(body, f'element "{body.tag}" found where "{carried}" was expected'),
        )
    if issues.failed or content is None:
        return issues, message_id
    handler = _HANDLERS.get(carried, _check_reference)
    handler(job, issues, operation, content)
    return issues, message_id


def _inventory_message(job: _Job, issues: _Issues, operation: str, body: _Fields) -> None:
    sku = body.text("SKU")
    if not _check_sku(issues, sku):
        return
    targets = job.holding(sku)
    if not targets:
        issues.unknown_sku()
        return
    if operation == "Delete":
        for catalogue in targets:
            catalogue.delete(sku)
        return
    update = _Inventory()
    quantity, available = body.text("Quantity"), body.text("Available")
    lookup, latency = body.text("Lookup"), body.text("FulfillmentLatency")
    switch, center = body.text("SwitchFulfillmentTo"), body.text("FulfillmentCenterID")
    if not (quantity or available or lookup or latency):
        issues.missing("Quantity")
    if quantity:
        update.quantity = _quantity(issues, "Quantity", quantity)
    if available:
        if available not in ("true", "false", "1", "0"):
            issues.invalid("Available", available, "true or false")
        update.available = available in ("true", "1")
    if lookup and lookup != "FulfillmentNetwork":
        issues.invalid("Lookup", lookup, "FulfillmentNetwork")
    if latency:
        update.latency = _latency(issues, "FulfillmentLatency", latency)
    if switch and switch not in ("MFN", "AFN"):
        issues.invalid("SwitchFulfillmentTo", switch, "MFN or AFN")
    # Amazon's network holds the stock when asked to look it up or when the fulfilment centre
    # is Amazon's; a merchant quantity makes the listing merchant-fulfilled again.
    if switch == "AFN" or lookup == "FulfillmentNetwork" or center.startswith("AMAZON_"):
        update.channel = "AFN"
    elif switch == "MFN" or quantity or available:
        update.channel = "MFN"
    if not issues.failed:
        update.apply(job, issues, sku, targets)


def _price_message(job: _Job, issues: _Issues, operation: str, body: _Fields) -> None:
    sku = body.text("SKU")
    if not _check_sku(issues, sku):
        return
    targets = job.holding(sku)
    if not targets:
        issues.unknown_sku()
        return
    standard = body.child("StandardPrice")
    amount = (standard.text or "").strip() if standard is not None else ""
    if standard is None or not amount:
        issues.missing("StandardPrice")
        return
    currency = (standard.get("currency") or "").strip()
    if not currency:
        issues.missing("currency")
        return
    matching = [c for c in targets if currency in (c.currency, "DEFAULT")]
    if not matching:
        wanted = " or ".join(sorted({c.currency for c in targets}))
        issues.invalid("currency", currency, f"the marketplace currency, {wanted}")
        return
    prices = []
    for catalogue in matching:
        price = _price(issues, "StandardPrice", amount, catalogue)
        if price is None:
            return
        prices.append((catalogue, price))
    _apply_price(job, issues, sku, prices)


def _product_message(job: _Job, issues: _Issues, operation: str, body: _Fields) -> None:
    sku = body.text("SKU")
    if not _check_sku(issues, sku):
        return
    targets = job.holding(sku)
    if operation in ("Delete", "PartialUpdate") and not targets:
        issues.unknown_sku()
        return
    if operation == "Delete":
        for catalogue in targets:
            catalogue.delete(sku)
        return
    id_type, id_value = (
        body.text("StandardProductID/Type"),
        body.text("StandardProductID/Value"),
    )
    product_id_type = None
    if id_type or id_value:
        product_id_type = _product_id(issues, id_type, id_value)
    condition_name = body.text("Condition/ConditionType")
    condition = CONDITION_CODES.get(condition_name) if condition_name else None
    if condition_name and condition is None:
        issues.invalid("ConditionType", condition_name, ", ".join(CONDITION_CODES))
    title = body.text("DescriptionData/Title") or None
    if issues.failed:
        return
    if len(targets) < len(job.catalogues):
        missing = [
            name
            for name, value in (("standard_product_id", product_id_type), ("item_name", title))
            if value is None
        ]
        if missing:
            issues.cannot_create(missing)
            return
    for catalogue in job.catalogues:
        catalogue.upsert_product(
            sku,
            title=title,
            brand=body.text("DescriptionData/Brand") or None,
            description=body.text("DescriptionData/Description") or None,
            product_id=id_value or None,
            product_id_type=product_id_type,
            condition=condition,
            opened=job.now,
        )


# The element that names the listing, by message type; order messages name an order instead.
_REFERENCES = {
    "Override": "SKU",
    "ProductImage": "SKU",
    "Relationship": "ParentSKU",
    "OrderAcknowledgement": "AmazonOrderID",
    "OrderFulfillment": "AmazonOrderID",
    "OrderAdjustment": "AmazonOrderID",
}


def _check_reference(job: _Job, issues: _Issues, operation: str, body: _Fields) -> None:
    """Messages the catalogue does not model: what they refer to must at least be given."""
    name = _REFERENCES.get(str(body.element.tag))
    if name is None:
        return
    value = body.text(name)
    if name == "AmazonOrderID":
        if not value and not body.text("MerchantOrderID"):
            issues.missing(name)
        return
    issues.sku = value or None
    if _check_sku(issues, value, name) and not job.holding(value):
        issues.unknown_sku()


_Handler = Callable[[_Job, _Issues, str, _Fields], None]
_HANDLERS: dict[str, _Handler] = {
    "Inventory": _inventory_message,
    "Price": _price_message,
    "Product": _product_message,
}


def _xml_outcome(
    job: _Job,
    *,
    processed: int,
    results: list[MessageResult],
    seller: str | None,
    failed: int = 0,
    warned: int = 0,
) -> FeedOutcome:
    successful = processed - failed
    merchant = job.catalogues[0].seller_id if job.catalogues else seller or ""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">',
        "\t<Header>",
        "\t\t<DocumentVersion>1.02</DocumentVersion>",
        f"\t\t<MerchantIdentifier>{escape(merchant)}</MerchantIdentifier>",
        "\t</Header>",
        "\t<MessageType>ProcessingReport</MessageType>",
        "\t<Message>",
        "\t\t<MessageID>1</MessageID>",
        "\t\t<ProcessingReport>",
        f"\t\t\t<DocumentTransactionID>{escape(job.submission_id)}</DocumentTransactionID>",
        "\t\t\t<StatusCode>Complete</StatusCode>",
        "\t\t\t<ProcessingSummary>",
        f"\t\t\t\t<MessagesProcessed>{processed}</MessagesProcessed>",
        f"\t\t\t\t<MessagesSuccessful>{max(successful, 0)}</MessagesSuccessful>",
        f"\t\t\t\t<MessagesWithError>{failed}</MessagesWithError>",
        f"\t\t\t\t<MessagesWithWarning>{warned}</MessagesWithWarning>",
        "\t\t\t</ProcessingSummary>",
    ]
    for result in results:
        lines += [
            "\t\t\t<Result>",
            f"\t\t\t\t<MessageID>{result.message_id}</MessageID>",
            f"\t\t\t\t<ResultCode>{result.result_code}</ResultCode>",
            f"\t\t\t\t<ResultMessageCode>{result.message_code}</ResultMessageCode>",
            f"\t\t\t\t<ResultDescription>{escape(result.description)}</ResultDescription>",
        ]
        if result.sku:
            lines += [
                "\t\t\t\t<AdditionalInfo>",
                f"\t\t\t\t\t<SKU>{escape(result.sku)}</SKU>",
                "\t\t\t\t</AdditionalInfo>",
            ]
        lines.append("\t\t\t</Result>")
    lines += ["\t\t</ProcessingReport>", "\t</Message>", "</AmazonEnvelope>", ""]
    return FeedOutcome(
        messages_processed=processed,
        messages_successful=max(successful, 0),
        messages_with_error=failed,
        messages_with_warning=warned,
        results=tuple(results),
        document="\n".join(lines).encode("utf-8"),
        content_type=XML_CONTENT_TYPE,
    )


# ---------------------------------------------------------------------------------------------
# Flat-file feeds

# Column names as the flat-file templates spell them, compared in lower case with "_" as "-":
# inventory loader, price-and-quantity and category ("TemplateType=") listings files.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "item-sku", "seller-sku"),
    "price": ("price", "standard-price"),
    "quantity": ("quantity",),
    "latency": ("leadtime-to-ship", "handling-time", "fulfillment-latency"),
    "action": ("add-delete", "update-delete"),
    "product_id": ("product-id", "external-product-id"),
    "product_id_type": ("product-id-type", "external-product-id-type"),
    "title": ("item-name",),
    "brand": ("brand-name",),
    "description": ("product-description", "item-description"),
    "condition": ("item-condition", "condition-type"),
    "channel": ("fulfillment-channel", "fulfillment-center-id"),
    "order_id": ("order-id", "amazon-order-id"),
    "order_item_id": ("order-item-id",),
}
# Inventory loader product-id-type codes, as StandardProductID types.
_ID_TYPE_CODES = {"1": "ASIN", "2": "ISBN", "3": "UPC", "4": "EAN"}

# Charset names clients declared for flat files (reference 3.3), as Python codecs. ISO-8859-1
# is read as windows-1252, its superset, which is what such files really were.
_CHARSETS = {
    "iso-8859-1": "cp1252",
    "iso_8859_1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "windows-1252": "cp1252",
    "cp1252": "cp1252",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "windows-31j": "cp932",
    "cp932": "cp932",
    "utf-8": "utf-8-sig",
    "utf8": "utf-8-sig",
    "utf-16": "utf-16",
}


def _flat_codec(content_type: str, job: _Job, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    match = re.search(r"charset\s*=\s*\"?([\w.:-]+)", content_type, re.IGNORECASE)
    if match and match.group(1).lower() in _CHARSETS:
        return _CHARSETS[match.group(1).lower()]
    # No usable charset (official clients sent application/octet-stream): the region's.
    return job.catalogues[0].locale.charset if job.catalogues else "cp1252"


def _records(lines: Iterator[str]) -> tuple[dict[str, int], Iterator[tuple[int, list[str]]]]:
    """The column index of each known field, and the numbered data records after the header."""
    header = next(lines, "")
    if header.startswith("TemplateType="):
        # Category templates put a line of labels between the template line and the header.
        next(lines, None)
        header = next(lines, "")
    names = [name.strip().lower().replace("_", "-") for name in header.rstrip("\r\n").split("\t")]
    columns = {
        key: names.index(alias)
        for key, aliases in _COLUMNS.items()
        for alias in aliases
        if alias in names
    }

    def numbered() -> Iterator[tuple[int, list[str]]]:
        number = 0
        for line in lines:
            values = line.rstrip("\r\n").split("\t")
            if not any(value.strip() for value in values):
                continue
            number += 1
            yield number, values

    return columns, numbered()


@dataclass
class _Record:
    number: int
    values: list[str]
    columns: dict[str, int]

    def get(self, key: str) -> str:
        index = self.columns.get(key)
        if index is None or index >= len(self.values):
            return ""
        return self.values[index].strip()


def _order_feed(feed_type: str) -> bool:
    return "ORDER" in feed_type or "FULFILLMENT" in feed_type or "PAYMENT" in feed_type


def _process_flat_file(job: _Job, body_path: Path, content_type: str) -> FeedOutcome:
    order_feed = _order_feed(job.feed_type)
    key = "order_id" if order_feed else "sku"
    with body_path.open("rb") as raw:
        codec = _flat_codec(content_type, job, raw.read(4))
        raw.seek(0)
        # Undecodable bytes become U+FFFD, as on Amazon, where they surfaced as mangled values.
        text = io.TextIOWrapper(raw, encoding=codec, errors="replace", newline="")
        columns, records = _records(iter(text))
        rows: list[tuple[int, _Issues]] = []
        processed = failed = 0
        if key not in columns:
            # Without its key column no record can be matched: the file fails as a whole.
            issues = _Issues()
            issues.missing(_COLUMNS[key][0])
            rows.append((0, issues))
            failed = 1
        else:
            if job.purge:
                job.purge_catalogues()
            for number, values in records:
                record = _Record(number, values, columns)
                issues = _Issues()
                if order_feed:
                    issues.order = (record.get("order_id"), record.get("order_item_id"))
                    if not record.get("order_id"):
                        issues.missing("order-id")
                else:
                    _process_flat_record(job, issues, record)
                processed += 1
                failed += issues.failed
                if issues.items:
                    rows.append((number, issues))
    results = [result for number, issues in rows for result in issues.results(number)]
    successful = max(processed - failed, 0)
    document = _flat_report(job, processed, successful, rows, order_feed)
    codec_out, label = _report_charset(job)
    return FeedOutcome(
        messages_processed=processed,
        messages_successful=successful,
        messages_with_error=failed,
        messages_with_warning=sum(1 for _, issues in rows if issues.items and not issues.failed),
        results=tuple(results),
        document=document.encode(codec_out, errors="replace"),
        content_type=f"text/plain;charset={label}",
    )


def _process_flat_record(job: _Job, issues: _Issues, record: _Record) -> None:
    sku = record.get("sku")
    issues.sku = sku or None
    if not _check_sku(issues, sku, "sku"):
        return
    targets = job.holding(sku)
    action = record.get("action").lower()
    # Only the inventory loader (add-delete: a, d, x) and category templates (update-delete)
    # create and delete listings; other flat files change existing offers.
    if job.feed_type == INVENTORY_LOADER:
        actions, deleting, creating = ("", "a", "d", "x"), action in ("d", "x"), True
    elif job.feed_type == LISTINGS_FILE:
        actions = ("", "update", "partialupdate", "delete")
        deleting, creating = action == "delete", action != "partialupdate"
    else:
        actions, deleting, creating = ("",), False, False
    if action not in actions:
        issues.invalid(_COLUMNS["action"][0], action, ", ".join(filter(None, actions)))
        return
    if not targets and (deleting or not creating):
        issues.unknown_sku()
        return
    if deleting:
        for catalogue in targets:
            catalogue.delete(sku)
        return
    # The offer is checked first, so that a record with a bad price creates nothing.
    offer = _offer_from_record(job, issues, record, job.catalogues if creating else targets)
    if offer is None or (creating and not _product_from_record(job, issues, record, targets)):
        return
    inventory, prices = offer
    if prices:
        _apply_price(job, issues, sku, prices)
    if inventory is not None:
        inventory.apply(job, issues, sku, job.holding(sku))


def _product_from_record(
    job: _Job, issues: _Issues, record: _Record, targets: list[Catalogue]
) -> bool:
    """Create the listing where it is new (and, from a category template, update its product
    data where it exists); False when the record cannot do so."""
    sku = record.get("sku")
    id_value = record.get("product_id")
    id_type = record.get("product_id_type")
    id_type = _ID_TYPE_CODES.get(id_type, id_type.upper())
    title = record.get("title")
    condition = _flat_condition(issues, record.get("condition"))
    product_id_type = _product_id(issues, id_type, id_value) if id_value and id_type else None
    if issues.failed:
        return False
    new_in = [catalogue for catalogue in job.catalogues if catalogue not in targets]
    if new_in:
        wanted = [("external_product_id", product_id_type)]
        # The inventory loader offers products Amazon already has; only a category template
        # creates a product, and it needs a name for it.
        if job.feed_type == LISTINGS_FILE:
            wanted.append(("item_name", title or None))
        missing = [name for name, value in wanted if value is None]
        if missing:
            issues.cannot_create(missing)
            return False
        if job.feed_type == INVENTORY_LOADER and not record.get("price"):
            issues.missing("price")  # an offer cannot be created without one
            return False
    updated = job.catalogues if job.feed_type == LISTINGS_FILE else new_in
    for catalogue in updated:
        catalogue.upsert_product(
            sku,
            # Amazon titled an offer on an existing product from its catalogue page; the
            # sandbox has no such page, so the product id stands in.
            title=title or (None if catalogue in targets else f"{id_type} {id_value}"),
            brand=record.get("brand") or None,
            description=record.get("description") or None,
            product_id=id_value if product_id_type else None,
            product_id_type=product_id_type,
            condition=condition,
            opened=job.now,
        )
    return True


def _flat_condition(issues: _Issues, value: str) -> str | None:
    if not value:
        return None
    if value in CONDITION_CODES.values():
        return value
    by_name = {name.lower(): code for name, code in CONDITION_CODES.items()}
    code = by_name.get(value.lower().replace(" ", ""))
    if code is None:
        issues.invalid("condition-type", value, ", ".join(CONDITION_CODES))
    return code


def _offer_from_record(
    job: _Job, issues: _Issues, record: _Record, catalogues: list[Catalogue]
) -> tuple[_Inventory | None, list[tuple[Catalogue, Decimal]]] | None:
    """The stock and prices a record sets, checked; None when they are not valid."""
    price_text, quantity_text = record.get("price"), record.get("quantity")
    latency_text, channel_text = record.get("latency"), record.get("channel")
    if job.feed_type == PRICE_AND_QUANTITY_FILE and not (
        price_text or quantity_text or latency_text or channel_text
    ):
        issues.missing("quantity")
        return None
    inventory = _Inventory() if quantity_text or latency_text or channel_text else None
    if quantity_text and inventory:
        inventory.quantity = _quantity(issues, "quantity", quantity_text)
        inventory.channel = "MFN"
    if latency_text and inventory:
        inventory.latency = _latency(issues, "handling-time", latency_text)
    if channel_text and inventory:
        if channel_text == MFN_CHANNEL:
            inventory.channel = "MFN"
        elif channel_text.startswith("AMAZON_"):
            inventory.channel = "AFN"
        else:
            issues.invalid("fulfillment-channel", channel_text, "DEFAULT or AMAZON_NA/EU/FE")
    prices = []
    if price_text:
        for catalogue in catalogues:
            price = _price(issues, "price", price_text, catalogue)
            if price is None:
                break
            prices.append((catalogue, price))
    return None if issues.failed else (inventory, prices)


# Report wording by marketplace country (reference 3.8): JP and IT reports had their summary in
# their language; DE and FR reports named the error type in theirs.
_SUMMARY = {
    "JP": ("フィード処理結果\uff1a", "処理された件数", "成功した件数"),
    "IT": (
        "Riepilogo elaborazione feed:",
        "Numero record elaborati",
        "Numero record elaborati con successo",
    ),
}
_ENGLISH_SUMMARY = (
    "Feed Processing Summary:",
    "Number of records processed",
    "Number of records successful",
)
_RESULT_TYPES = {
    "DE": {ERROR: "Fehler", WARNING: "Warnung"},
    "FR": {ERROR: "Erreur", WARNING: "Avertissement"},
}


def _country(job: _Job) -> str:
    return job.catalogues[0].marketplace.country if job.catalogues else "US"


def _report_charset(job: _Job) -> tuple[str, str]:
    """(Python codec, Content-Type charset) of a flat-file processing report."""
    if not job.catalogues:
        return "cp1252", "windows-1252"
    locale = job.catalogues[0].locale
    return locale.charset, locale.charset_label


def _flat_report(
    job: _Job,
    processed: int,
    successful: int,
    rows: list[tuple[int, _Issues]],
    order_feed: bool,
) -> str:
    country = _country(job)
    title, processed_label, successful_label = _SUMMARY.get(country, _ENGLISH_SUMMARY)
    names = _RESULT_TYPES.get(country, {})
    lines = [
        title,
        f"\t{processed_label}\t\t{processed}",
        f"\t{successful_label}\t\t{successful}",
        "",
    ]
    if rows:
        key = "order-id\torder-item-id" if order_feed else "sku"
        lines.append(f"original-record-number\t{key}\terror-code\terror-type\terror-message")
        for number, issues in rows:
            reference = "\t".join(issues.order) if issues.order else issues.sku or ""
            for kind, code, description in issues.items:
                lines.append(
                    f"{number}\t{reference}\t{code}\t{names.get(kind, kind)}\t{description}"
                )
    return "\n".join(lines) + "\n"
