"""A sample file for every feed type the upload form offers, generated from the catalog.

A flat file's sample is its header row and one example record (the portal's checks refuse a
header without records, and an example shows what a value looks like); an XML feed's is the
smallest ``AmazonEnvelope`` of its ``MessageType`` with one message. Every sample passes
``feeds.checks.check_feed`` for its type, which the tests assert for the whole catalog.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from mwsportal.gateway.mws import FEED_TYPES, FeedTypeInfo

# Header and example record of each flat-file type: the columns of Amazon's templates that a
# minimal file of that type needs (Seller Central's "Inventory File Templates" and the order
# and FBA flat-file guides).
FLAT_FILE_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "_POST_FLAT_FILE_INVLOADER_DATA_": (
        ("sku", "ABC-123"),
        ("product-id", "B00EXAMPLE"),
        ("product-id-type", "1"),
        ("price", "19.99"),
        ("item-condition", "11"),
        ("quantity", "5"),
        ("add-delete", "a"),
        ("will-ship-internationally", "n"),
        ("expedited-shipping", "n"),
        ("item-note", ""),
        ("fulfillment-center-id", ""),
    ),
    "_POST_FLAT_FILE_LISTINGS_DATA_": (
        ("sku", "ABC-123"),
        ("product-id", "B00EXAMPLE"),
        ("product-id-type", "ASIN"),
        ("item-condition", "New"),
        ("price", "19.99"),
        ("quantity", "5"),
        ("update-delete", "Update"),
    ),
    "_POST_FLAT_FILE_BOOKLOADER_DATA_": (
        ("sku", "BOOK-001"),
        ("product-id", "9780000000002"),
        ("product-id-type", "2"),
        ("price", "12.50"),
        ("item-condition", "1"),
        ("quantity", "1"),
        ("add-delete", "a"),
        ("item-note", "Like new"),
    ),
    "_POST_FLAT_FILE_CONVERGENCE_LISTINGS_DATA_": (
        ("sku", "ABC-123"),
        ("product-id", "B00EXAMPLE"),
        ("product-id-type", "ASIN"),
        ("condition-type", "New"),
        ("standard-price", "19.99"),
        ("quantity", "5"),
        ("update-delete", "Update"),
    ),
    "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_": (
        ("sku", "ABC-123"),
        ("price", "19.99"),
        ("minimum-seller-allowed-price", ""),
        ("maximum-seller-allowed-price", ""),
        ("quantity", "5"),
        ("handling-time", "2"),
        ("fulfillment-channel", ""),
    ),
    "_POST_UIEE_BOOKLOADER_DATA_": (
        ("sku", "BOOK-001"),
        ("isbn", "9780000000002"),
        ("title", "An example book"),
        ("author", "A. Writer"),
        ("price", "12.50"),
        ("quantity", "1"),
        ("condition", "Very good"),
    ),
    "_POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA_": (
        ("order-id", "111-1234567-1234567"),
        ("order-item-id", "12345678901234"),
        ("merchant-order-id", ""),
        ("merchant-order-item-id", ""),
        ("cancel-reason", ""),
    ),
    "_POST_FLAT_FILE_PAYMENT_ADJUSTMENT_DATA_": (
        ("order-id", "111-1234567-1234567"),
        ("order-item-id", "12345678901234"),
        ("adjustment-reason-code", "CustomerReturn"),
        ("currency", "USD"),
        ("item-price-adj", "19.99"),
        ("item-tax-adj", "0.00"),
        ("shipping-price-adj", "0.00"),
        ("shipping-tax-adj", "0.00"),
    ),
    "_POST_FLAT_FILE_FULFILLMENT_DATA_": (
        ("order-id", "111-1234567-1234567"),
        ("order-item-id", "12345678901234"),
        ("quantity", "1"),
        ("ship-date", "2026-01-15"),
        ("carrier-code", "UPS"),
        ("carrier-name", ""),
        ("tracking-number", "1Z9999999999999999"),
        ("ship-method", "Ground"),
    ),
    "_POST_EXPECTED_SHIP_DATE_SOD_FLAT_FILE_": (
        ("order-id", "111-1234567-1234567"),
        ("order-item-id", "12345678901234"),
        ("expected-ship-date", "2026-01-20"),
    ),
    "_POST_FLAT_FILE_FULFILLMENT_ORDER_REQUEST_DATA_": (
        ("MerchantFulfillmentOrderID", "ORDER-1001"),
        ("DisplayableOrderID", "ORDER-1001"),
        ("DisplayableOrderDate", "2026-01-15T10:00:00"),
        ("MerchantSKU", "ABC-123"),
        ("Quantity", "1"),
        ("MerchantFulfillmentOrderItemID", "ITEM-1"),
        ("DisplayableOrderComment", "Thank you for your order"),
        ("DeliverySLA", "Standard"),
        ("AddressName", "Jane Doe"),
        ("AddressFieldOne", "1 Main Street"),
        ("AddressCity", "Seattle"),
        ("AddressStateOrRegion", "WA"),
        ("AddressPostalCode", "98101"),
        ("AddressCountryCode", "US"),
    ),
    # The order id alone is enough, but a flat file needs a tab in its header line to be read
    # as one, so the template keeps the optional comment column.
    "_POST_FLAT_FILE_FULFILLMENT_ORDER_CANCELLATION_REQUEST_DATA_": (
        ("MerchantFulfillmentOrderID", "ORDER-1001"),
        ("DisplayableOrderComment", "Cancelled at the customer's request"),
    ),
    "_POST_FLAT_FILE_FBA_CREATE_INBOUND_PLAN_": (
        ("MerchantSKU", "ABC-123"),
        ("Quantity", "24"),
        ("ShipFromName", "Example Warehouse"),
        ("ShipFromAddressLine1", "1 Main Street"),
        ("ShipFromCity", "Seattle"),
        ("ShipFromStateOrProvinceCode", "WA"),
        ("ShipFromPostalCode", "98101"),
        ("ShipFromCountryCode", "US"),
    ),
    "_POST_FLAT_FILE_FBA_UPDATE_INBOUND_PLAN_": (
        ("ShipmentId", "FBA15EXAMPLE"),
        ("MerchantSKU", "ABC-123"),
        ("Quantity", "24"),
    ),
    "_POST_FLAT_FILE_FBA_CREATE_REMOVAL_": (
        ("removal-order-id", "REMOVAL-1"),
        ("removal-disposition", "Return"),
        ("merchant-sku", "ABC-123"),
        ("sellable-quantity", "3"),
        ("unsellable-quantity", "0"),
    ),
    "_RFQ_UPLOAD_FEED_": (
        ("rfq-id", "RFQ-1001"),
        ("sku", "ABC-123"),
        ("quantity", "100"),
        ("unit-price", "17.50"),
        ("currency", "USD"),
    ),
}

# The message of each XML type: its MessageType and the body of one message, as (element,
# text) pairs or nested pairs. Types the catalog gives no MessageType for take the one named
# here, which their own guides use.
_PRODUCT = (
    ("SKU", "ABC-123"),
    ("StandardProductID", (("Type", "ASIN"), ("Value", "B00EXAMPLE"))),
    ("DescriptionData", (("Title", "Example product"),)),
)
XML_MESSAGES: dict[str, tuple[str, tuple]] = {
    "_POST_PRODUCT_DATA_": ("Product", _PRODUCT),
    "_POST_INVENTORY_AVAILABILITY_DATA_": (
        "Inventory",
        (("SKU", "ABC-123"), ("Quantity", "5"), ("FulfillmentLatency", "2")),
    ),
    "_POST_PRODUCT_PRICING_DATA_": (
        "Price",
        (("SKU", "ABC-123"), ("StandardPrice", "19.99", {"currency": "USD"})),
    ),
    "_POST_PRODUCT_OVERRIDES_DATA_": (
        "Override",
        (
            ("SKU", "ABC-123"),
            (
                "ShippingOverride",
                (("ShipOption", "Exp US Hawaii"), ("IsShippingRestricted", "true")),
            ),
        ),
    ),
    "_POST_PRODUCT_IMAGE_DATA_": (
        "ProductImage",
        (
            ("SKU", "ABC-123"),
            ("ImageType", "Main"),
            ("ImageLocation", "https://example.com/images/abc-123.jpg"),
        ),
    ),
    "_POST_PRODUCT_RELATIONSHIP_DATA_": (
        "Relationship",
        (("ParentSKU", "ABC"), ("Relation", (("SKU", "ABC-123"), ("Type", "Variation")))),
    ),
    "_POST_STD_ACES_DATA_": (
        "ACES",
        (("SKU", "ABC-123"), ("BaseVehicle", "5911"), ("PartType", "1896")),
    ),
    "_POST_ORDER_ACKNOWLEDGEMENT_DATA_": (
        "OrderAcknowledgement",
        (("AmazonOrderID", "111-1234567-1234567"), ("StatusCode", "Success")),
    ),
    "_POST_PAYMENT_ADJUSTMENT_DATA_": (
        "OrderAdjustment",
        (
            ("AmazonOrderID", "111-1234567-1234567"),
            (
                "AdjustedItem",
                (
                    ("AmazonOrderItemCode", "12345678901234"),
                    ("AdjustmentReason", "CustomerReturn"),
                    (
                        "ItemPriceAdjustments",
                        (
                            (
                                "Component",
                                (("Type", "Principal"), ("Amount", "19.99", {"currency": "USD"})),
                            ),
                        ),
                    ),
                ),
            ),
        ),
    ),
    "_POST_ORDER_FULFILLMENT_DATA_": (
        "OrderFulfillment",
        (
            ("AmazonOrderID", "111-1234567-1234567"),
            ("FulfillmentDate", "2026-01-15T10:00:00Z"),
            (
                "FulfillmentData",
                (("CarrierCode", "UPS"), ("ShipperTrackingNumber", "1Z9999999999999999")),
            ),
        ),
    ),
    "_POST_INVOICE_CONFIRMATION_DATA_": (
        "InvoiceConfirmation",
        (
            ("AmazonOrderID", "111-1234567-1234567"),
            ("InvoiceSentDate", "2026-01-15T10:00:00Z"),
        ),
    ),
    "_POST_EXPECTED_SHIP_DATE_SOD_": (
        "ExpectedShipDate",
        (
            ("AmazonOrderID", "111-1234567-1234567"),
            ("AmazonOrderItemCode", "12345678901234"),
            ("ExpectedShipDate", "2026-01-20"),
        ),
    ),
    "_POST_FULFILLMENT_ORDER_REQUEST_DATA_": (
        "FulfillmentOrderRequest",
        (
            ("MerchantFulfillmentOrderID", "ORDER-1001"),
            ("DisplayableOrderDate", "2026-01-15T10:00:00Z"),
            ("ShippingSpeedCategory", "Standard"),
            ("Item", (("MerchantSKU", "ABC-123"), ("Quantity", "1"))),
        ),
    ),
    "_POST_FULFILLMENT_ORDER_CANCELLATION_REQUEST_DATA_": (
        "FulfillmentOrderCancellationRequest",
        (("MerchantFulfillmentOrderID", "ORDER-1001"),),
    ),
    "_POST_FBA_INBOUND_CARTON_CONTENTS_": (
        "CartonContentsRequest",
        (
            ("ShipmentId", "FBA15EXAMPLE"),
            ("NumCartons", "1"),
            (
                "Carton",
                (("CartonId", "1"), ("Item", (("SKU", "ABC-123"), ("QuantityShipped", "24")))),
            ),
        ),
    ),
    "_POST_EASYSHIP_DOCUMENTS_": (
        "EasyShipDocument",
        (("AmazonOrderID", "111-1234567-1234567"), ("DocumentType", "ShippingLabel")),
    ),
}


_XSI = "http://www.w3.org/2001/XMLSchema-instance"


@dataclass(frozen=True)
class Sample:
    filename: str
    content_type: str
    body: bytes


class NoSample(LookupError):
    """The feed type has no sample: unknown, or a binary the upload form does not take."""


def has_sample(feed_type: str) -> bool:
    return feed_type in FLAT_FILE_COLUMNS or feed_type in XML_MESSAGES


def feed_sample(feed_type: str, charset: str = "utf-8") -> Sample:
    """The sample file of ``feed_type``; a flat file is written in ``charset``, the one Amazon
    reads the seller's region in."""
    info = FEED_TYPES.get(feed_type)
    if info is None or not has_sample(feed_type):
        raise NoSample(f"There is no sample file for {feed_type}.")
    stem = info.name.lower().replace(" ", "-")
    if info.format == "flat_file":
        return Sample(
            f"{stem}-template.txt",
            f"text/tab-separated-values; charset={charset}",
            _flat_file(feed_type).encode(charset),
        )
    return Sample(f"{stem}-sample.xml", "text/xml", _envelope(info))


def _flat_file(feed_type: str) -> str:
    columns = FLAT_FILE_COLUMNS[feed_type]
    header = "\t".join(name for name, _example in columns)
    example = "\t".join(value for _name, value in columns)
    return f"{header}\n{example}\n"


def _envelope(info: FeedTypeInfo) -> bytes:
    message_type, body = XML_MESSAGES[info.value]
    root = etree.Element(
        "AmazonEnvelope", nsmap={"xsi": "http://www.w3.org/2001/XMLSchema-instance"}
    )
    root.set(
        "{http://www.w3.org/2001/XMLSchema-instance}noNamespaceSchemaLocation", "amzn-envelope.xsd"
    )
    header = etree.SubElement(root, "Header")
    etree.SubElement(header, "DocumentVersion").text = "1.01"
    etree.SubElement(header, "MerchantIdentifier").text = "YOUR_SELLER_ID"
    etree.SubElement(root, "MessageType").text = message_type
    message = etree.SubElement(root, "Message")
    etree.SubElement(message, "MessageID").text = "1"
    etree.SubElement(message, "OperationType").text = "Update"
    _fill(etree.SubElement(message, message_type), body)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _fill(parent: etree._Element, children: tuple) -> None:
    for name, value, *attributes in children:
        child = etree.SubElement(parent, name, attributes[0] if attributes else {})
        if isinstance(value, tuple):
            _fill(child, value)
        else:
            child.text = value
