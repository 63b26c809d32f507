"""Bodies of the report types that have no generator of their own in ``reportgen``.

Each type declares its layout here: the header line of a flat file (tab-separated, or
comma-separated for the one CSV report), or the root and record elements of an XML document,
or the members of a JSON document. A body is a few records drawn from the seller's catalogue
(SKU, ASIN, title, price and currency agree with the listings reports) dated inside the
requested window; with ``target_bytes`` the records repeat until the body reaches that size.

Values come from the column's name (an ``order-id`` column holds an order id, a ``*-date``
column a date in the window, a ``*-fee``/``*-amount`` column money in the marketplace's
currency), so a layout is the only thing a new report type needs.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from mwssandbox.catalogue import CONDITION_NAMES, CatalogueSnapshot, Listing, Locale
from mwssandbox.marketplaces import MARKETPLACES

CHUNK_SIZE = 64 * 1024
# Records of a body without a target size: enough to read as a table, small enough to look at.
SAMPLE_RECORDS = 8


@dataclass(frozen=True)
class FlatLayout:
    header: tuple[str, ...]
    delimiter: str = "\t"


@dataclass(frozen=True)
class XmlLayout:
    root: str
    record: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class JsonLayout:
    records: str
    fields: tuple[str, ...]


Layout = FlatLayout | XmlLayout | JsonLayout


def _flat(*header: str) -> FlatLayout:
    return FlatLayout(header)


_ORDER_LINE = (
    "order-id", "order-item-id", "purchase-date", "payments-date", "buyer-email", "buyer-name",
    "sku", "product-name", "quantity-purchased", "currency", "item-price", "item-tax",
    "shipping-price", "shipping-tax", "ship-service-level", "recipient-name", "ship-city",
    "ship-state", "ship-postal-code", "ship-country",
)  # fmt: skip
_LISTING_LITE = ("seller-sku", "quantity", "price", "product-id")
_RETURN = (
    "order-id", "order-date", "return-request-date", "return-request-status",
    "amazon-rma-id", "seller-rma-id", "label-type", "label-cost", "currency-code",
    "return-carrier", "tracking-id", "asin", "merchant-sku", "item-name", "return-quantity",
    "return-reason", "in-policy", "return-type", "resolution", "refunded-amount",
)  # fmt: skip
_RETURN_ATTRIBUTES = ("merchant-sku", "asin", "item-name", "return-policy", "return-window-days")
_VAT_INVOICE = (
    "order-id", "order-item-id", "order-date", "shipment-date", "sku", "asin", "product-name",
    "quantity-purchased", "currency", "item-price", "item-vat", "vat-rate", "ship-country",
    "is-business-order", "invoice-status",
)  # fmt: skip
_INVENTORY_EVENT = (
    "snapshot-date", "transaction-type", "fnsku", "sku", "product-name",
    "fulfillment-center-id", "quantity", "disposition",
)  # fmt: skip
_REMOVAL = (
    "request-date", "order-id", "order-type", "order-status", "last-updated-date", "sku",
    "fnsku", "disposition", "requested-quantity", "cancelled-quantity", "disposed-quantity",
    "shipped-quantity", "in-process-quantity", "removal-fee", "currency",
)  # fmt: skip
_EASYSHIP = (
    "order-id", "order-item-id", "purchase-date", "sku", "product-name", "quantity-purchased",
    "pickup-slot-date", "package-id", "tracking-id", "carrier",
)  # fmt: skip

# fmt: off
LAYOUTS: dict[str, Layout] = {
    # Listings
    "_GET_MERCHANT_LISTINGS_DATA_BACK_COMPAT_": _flat(
        "item-name", "item-description", "listing-id", "seller-sku", "price", "quantity",
        "open-date", "image-url", "item-is-marketplace", "product-id-type", "item-note",
        "item-condition", "asin1", "product-id", "fulfillment-channel",
    ),
    "_GET_MERCHANT_LISTINGS_DATA_LITE_": _flat(*_LISTING_LITE),
    "_GET_MERCHANT_LISTINGS_DATA_LITER_": _flat("seller-sku", "quantity"),
    "_GET_MERCHANT_CANCELLED_LISTINGS_DATA_": _flat(
        "item-name", "listing-id", "seller-sku", "price", "quantity", "open-date",
        "item-condition", "asin1", "product-id", "cancelled-date",
    ),
    "_GET_MERCHANT_LISTINGS_DEFECT_DATA_": _flat(
        "sku", "product-name", "asin", "field-name", "alert-type", "current-value",
        "last-updated", "alert-name", "status", "explanation",
    ),
    "_GET_CONVERGED_FLAT_FILE_SOLD_LISTINGS_DATA_": _flat(
        "seller-sku", "asin", "product-name", "order-id", "purchase-date", "quantity-sold",
        "price", "currency",
    ),
    "_GET_PAN_EU_OFFER_STATUS_": _flat(
        "seller-sku", "asin", "product-name", "pan-eu-status", "is-enrolled", "uk-offer-status",
        "de-offer-status", "fr-offer-status", "it-offer-status", "es-offer-status",
    ),
    "_GET_MFN_PAN_EU_OFFER_STATUS_": _flat(
        "seller-sku", "asin", "product-name", "pan-eu-eligibility", "uk-offer-status",
        "de-offer-status", "fr-offer-status", "it-offer-status", "es-offer-status",
    ),
    "_GET_REFERRAL_FEE_PREVIEW_REPORT_": _flat(
        "seller-sku", "asin", "price", "estimated-fee", "currency",
    ),
    # Orders
    "_GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_": _flat(
        "order-id", "order-item-id", "purchase-date", "payments-date", "reporting-date",
        "promise-date", "days-past-promise", "buyer-email", "buyer-name", "sku", "product-name",
        "quantity-purchased", "quantity-shipped", "quantity-to-ship", "ship-service-level",
        "recipient-name", "ship-city", "ship-state", "ship-postal-code", "ship-country",
    ),
    "_GET_ORDERS_DATA_": XmlLayout(
        "AmazonEnvelope",
        "OrderReport",
        ("AmazonOrderID", "OrderDate", "SKU", "Title", "Quantity", "ItemPrice", "Currency"),
    ),
    "_GET_CONVERGED_FLAT_FILE_ORDER_REPORT_DATA_": _flat(
        *_ORDER_LINE, "delivery-start-date", "delivery-end-date", "fulfillment-channel",
    ),
    "_GET_FLAT_FILE_ARCHIVED_ORDERS_DATA_": _flat(
        "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date",
        "order-status", "fulfillment-channel", "sales-channel", "sku", "asin", "product-name",
        "quantity", "currency", "item-price", "ship-city", "ship-postal-code", "ship-country",
    ),
    # Pending orders
    "_GET_FLAT_FILE_PENDING_ORDERS_DATA_": _flat(
        "order-id", "order-item-id", "purchase-date", "sku", "product-name", "quantity",
        "currency", "item-price", "order-status",
    ),
    "_GET_PENDING_ORDERS_DATA_": XmlLayout(
        "AmazonEnvelope",
        "PendingOrder",
        ("AmazonOrderID", "OrderDate", "SKU", "Quantity", "ItemPrice", "Currency"),
    ),
    "_GET_CONVERGED_FLAT_FILE_PENDING_ORDERS_DATA_": _flat(
        "order-id", "order-item-id", "purchase-date", "sku", "product-name", "quantity",
        "currency", "item-price", "fulfillment-channel", "order-status",
    ),
    # Returns
    "_GET_XML_RETURNS_DATA_BY_RETURN_DATE_": XmlLayout(
        "msg",
        "return_details",
        ("order_id", "order_date", "amazon_rma_id", "return_request_date", "asin",
         "merchant_sku", "item_name", "return_quantity", "return_reason", "refunded_amount"),
    ),
    "_GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE_": _flat(*_RETURN),
    "_GET_XML_MFN_PRIME_RETURNS_REPORT_": XmlLayout(
        "msg",
        "return_details",
        ("order_id", "order_date", "amazon_rma_id", "return_request_date", "asin",
         "merchant_sku", "return_quantity", "return_reason", "label_cost"),
    ),
    "_GET_CSV_MFN_PRIME_RETURNS_REPORT_": FlatLayout(_RETURN, delimiter=","),
    "_GET_XML_MFN_SKU_RETURN_ATTRIBUTES_REPORT_": XmlLayout(
        "msg",
        "sku_return_attributes",
        ("merchant_sku", "asin", "item_name", "return_policy", "return_window_days"),
    ),
    "_GET_FLAT_FILE_MFN_SKU_RETURN_ATTRIBUTES_REPORT_": _flat(*_RETURN_ATTRIBUTES),
    # Performance
    "_GET_SELLER_FEEDBACK_DATA_": _flat(
        "Date", "Rating", "Comments", "Your Response", "Order ID", "Rater Email",
    ),
    "_GET_V1_SELLER_PERFORMANCE_REPORT_": XmlLayout(
        "performanceReport",
        "orderDefects",
        ("timeFrame", "orderCount", "negativeFeedbackCount", "a-z-claimsCount",
         "chargebackCount", "orderDefectRate"),
    ),
    "_GET_V2_SELLER_PERFORMANCE_REPORT_": JsonLayout(
        "performanceMetrics",
        ("asin", "sku", "orderCount", "lateShipmentCount", "validTrackingRate",
         "orderDefectRate", "reportingDateFrom", "reportingDateTo"),
    ),
    # FBA sales
    "_GET_AMAZON_FULFILLED_SHIPMENTS_DATA_": _flat(
        "amazon-order-id", "merchant-order-id", "shipment-id", "shipment-item-id",
        "amazon-order-item-id", "purchase-date", "payments-date", "shipment-date",
        "reporting-date", "buyer-email", "buyer-name", "sku", "product-name",
        "quantity-shipped", "currency", "item-price", "item-tax", "shipping-price",
        "shipping-tax", "ship-service-level", "recipient-name", "ship-city", "ship-state",
        "ship-postal-code", "ship-country", "carrier", "tracking-number",
        "fulfillment-center-id", "fulfillment-channel", "sales-channel",
    ),
    "_GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_SALES_DATA_": _flat(
        "shipment-date", "sku", "fnsku", "asin", "fulfillment-center-id", "quantity",
        "amazon-order-id", "currency", "item-price-per-unit", "shipping-price",
        "gift-wrap-price", "ship-city", "ship-state", "ship-postal-code",
    ),
    "_GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_PROMOTION_DATA_": _flat(
        "shipment-date", "currency", "item-promotion-discount", "item-promotion-id",
        "description", "promotion-rule-value", "amazon-order-id", "shipment-id",
        "shipment-item-id",
    ),
    "_GET_FBA_FULFILLMENT_CUSTOMER_TAXES_DATA_": _flat(
        "amazon-order-id", "merchant-order-id", "shipment-id", "shipment-date", "sku",
        "quantity-shipped", "currency", "item-price", "item-tax", "shipping-tax",
        "ship-country",
    ),
    # FBA inventory
    "_GET_FBA_FULFILLMENT_CURRENT_INVENTORY_DATA_": _flat(
        "snapshot-date", "fnsku", "sku", "product-name", "quantity", "fulfillment-center-id",
        "detailed-disposition", "country",
    ),
    "_GET_FBA_FULFILLMENT_MONTHLY_INVENTORY_DATA_": _flat(
        "month", "fnsku", "sku", "product-name", "average-quantity", "end-quantity",
        "fulfillment-center-id", "detailed-disposition", "country",
    ),
    "_GET_FBA_FULFILLMENT_INVENTORY_RECEIPTS_DATA_": _flat(
        "received-date", "fnsku", "sku", "product-name", "quantity", "fba-shipment-id",
        "fulfillment-center-id",
    ),
    "_GET_RESERVED_INVENTORY_DATA_": _flat(
        "sku", "fnsku", "asin", "product-name", "reserved-qty", "reserved-customerorders",
        "reserved-fc-transfers", "reserved-fc-processing",
    ),
    "_GET_FBA_FULFILLMENT_INVENTORY_SUMMARY_DATA_": _flat(*_INVENTORY_EVENT),
    "_GET_FBA_FULFILLMENT_INVENTORY_ADJUSTMENTS_DATA_": _flat(
        "adjusted-date", "transaction-item-id", "fnsku", "sku", "product-name",
        "fulfillment-center-id", "quantity", "reason", "disposition",
    ),
    "_GET_FBA_FULFILLMENT_INVENTORY_HEALTH_DATA_": _flat(
        "snapshot-date", "sku", "fnsku", "asin", "product-name", "condition",
        "sellable-quantity", "unsellable-quantity", "qty-to-be-charged-ltsf-12-mo",
        "projected-ltsf-12-mo", "currency", "your-price", "sales-rank",
    ),
    "_GET_RESTOCK_INVENTORY_RECOMMENDATIONS_REPORT_": _flat(
        "Country", "Product Name", "FNSKU", "Merchant SKU", "ASIN", "Condition", "Currency",
        "Price", "Sales last 30 days", "Units Sold Last 30 Days", "Total Units", "Inbound",
        "Available", "Days of Supply", "Recommended replenishment qty",
        "Recommended ship date",
    ),
    "_GET_FBA_FULFILLMENT_INBOUND_NONCOMPLIANCE_DATA_": _flat(
        "problem-type", "shipment-id", "sku", "fnsku", "asin", "product-name",
        "problem-quantity", "expected-quantity", "received-quantity", "created-date",
        "fulfillment-center-id",
    ),
    "_GET_STRANDED_INVENTORY_UI_DATA_": _flat(
        "primary-action", "date-stranded", "status-primary", "asin", "fnsku", "sku",
        "product-name", "condition", "fulfilled-by", "fulfillable-qty", "your-price",
        "unfulfillable-qty", "reserved-quantity", "inbound-shipped-qty",
    ),
    "_GET_STRANDED_INVENTORY_LOADER_DATA_": _flat(
        "sku", "product-id", "product-id-type", "price", "item-condition", "quantity",
        "add-delete", "fulfillment-center-id",
    ),
    "_GET_FBA_INVENTORY_AGED_DATA_": _flat(
        "snapshot-date", "sku", "fnsku", "asin", "product-name", "condition",
        "avaliable-quantity(sellable)", "qty-with-removals-in-progress", "inv-age-0-to-90-days",
        "inv-age-91-to-180-days", "inv-age-181-to-270-days", "inv-age-271-to-365-days",
        "inv-age-365-plus-days", "currency", "your-price", "units-shipped-last-30-days",
    ),
    "_GET_EXCESS_INVENTORY_DATA_": _flat(
        "Date of report", "Merchant SKU", "FNSKU", "ASIN", "Product name", "Condition",
        "Total inventory (units)", "Excess inventory (units)", "Your price",
        "Recommended action", "Recommended sales price", "Currency",
    ),
    "_GET_FBA_UNO_INVENTORY_DATA_": _flat(
        "sku", "fnsku", "asin", "product-name", "enrolled-in-program", "fulfillment-center-id",
        "quantity", "your-price", "currency",
    ),
    # FBA payments
    "_GET_FBA_STORAGE_FEE_CHARGES_DATA_": _flat(
        "asin", "fnsku", "product-name", "fulfillment-center", "country-code",
        "item-volume", "average-quantity-on-hand", "estimated-monthly-storage-fee",
        "currency", "month-of-charge",
    ),
    "_GET_FBA_FULFILLMENT_LONGTERM_STORAGE_FEE_CHARGES_DATA_": _flat(
        "snapshot-date", "sku", "fnsku", "asin", "product-name", "condition",
        "qty-charged-12-mo-long-term-storage-fee", "12-mo-long-terms-storage-fee", "currency",
        "country",
    ),
    "_GET_FBA_ESTIMATED_FBA_FEES_TXT_DATA_": _flat(
        "sku", "fnsku", "asin", "product-name", "your-price", "sales-price", "currency",
        "estimated-fee-total", "estimated-referral-fee-per-unit",
        "expected-fulfillment-fee-per-unit",
    ),
    "_GET_FBA_REIMBURSEMENTS_DATA_": _flat(
        "approval-date", "reimbursement-id", "case-id", "amazon-order-id", "reason", "sku",
        "fnsku", "asin", "product-name", "condition", "currency-unit", "amount-per-unit",
        "amount-total", "quantity-reimbursed-cash", "quantity-reimbursed-inventory",
    ),
    # FBA concessions
    "_GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA_": _flat(
        "return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity",
        "fulfillment-center-id", "detailed-disposition", "reason", "status",
        "license-plate-number", "customer-comments",
    ),
    "_GET_FBA_FULFILLMENT_CUSTOMER_SHIPMENT_REPLACEMENT_DATA_": _flat(
        "shipment-date", "sku", "asin", "fulfillment-center-id", "original-fulfillment-center-id",
        "quantity", "replacement-reason-code", "replacement-amazon-order-id",
        "original-amazon-order-id",
    ),
    "_GET_PRODUCT_EXCHANGE_DATA_": _flat(
        "shipment-date", "sku", "asin", "fulfillment-center-id", "quantity",
        "exchange-reason-code", "replacement-amazon-order-id", "original-amazon-order-id",
    ),
    # FBA removals
    "_GET_FBA_RECOMMENDED_REMOVAL_DATA_": _flat(
        "snapshot-date", "sku", "fnsku", "product-name", "condition", "in-inventory-quantity",
        "inventory-age", "projected-ltsf-12-mo", "currency", "removal-quantity",
    ),
    "_GET_FBA_FULFILLMENT_REMOVAL_ORDER_DETAIL_DATA_": _flat(*_REMOVAL),
    "_GET_FBA_FULFILLMENT_REMOVAL_SHIPMENT_DETAIL_DATA_": _flat(
        "removal-date", "order-id", "shipment-date", "sku", "fnsku", "disposition",
        "shipped-quantity", "carrier", "tracking-number",
    ),
    # Tax and VAT
    "_GET_FLAT_FILE_SALES_TAX_DATA_": _flat(
        "Order ID", "Order Date", "Shipment Date", "Transaction Type", "ASIN", "Merchant SKU",
        "Product Description", "Quantity", "Currency", "Total Item Price", "Tax Collected",
        "Ship To City", "Ship To State", "Ship To Postal Code", "Ship To Country",
    ),
    "_SC_VAT_TAX_REPORT_": _flat(
        "Marketplace ID", "Merchant ID", "Order Date", "Transaction Type", "Order ID",
        "Shipment Date", "Quantity", "ASIN", "SKU", "Currency", "Tax Rate", "Total Price",
        "Total Tax", "Ship To Country",
    ),
    "_GET_VAT_TRANSACTION_DATA_": _flat(
        "UNIQUE_ACCOUNT_IDENTIFIER", "ACTIVITY_PERIOD", "SALES_CHANNEL", "TRANSACTION_TYPE",
        "TRANSACTION_EVENT_ID", "TRANSACTION_COMPLETE_DATE", "SELLER_SKU", "ASIN",
        "ITEM_DESCRIPTION", "QTY", "TRANSACTION_CURRENCY_CODE", "PRICE_OF_ITEMS_AMT_VAT_INCL",
        "TOTAL_ACTIVITY_VALUE_VAT_AMT", "ARRIVAL_COUNTRY",
    ),
    "_GET_FLAT_FILE_VAT_INVOICE_DATA_REPORT_": _flat(*_VAT_INVOICE),
    "_GET_XML_VAT_INVOICE_DATA_REPORT_": XmlLayout(
        "VATInvoiceDataReport",
        "Order",
        ("AmazonOrderID", "OrderDate", "SKU", "Quantity", "ItemPrice", "ItemVAT", "Currency"),
    ),
    "_GET_GST_MTR_B2B_CUSTOM_": _flat(
        "Seller Gstin", "Invoice Number", "Invoice Date", "Transaction Type", "Order Id",
        "Shipment Id", "Shipment Date", "Quantity", "Asin", "Sku", "Item Description",
        "Invoice Amount", "Tax Exclusive Gross", "Total Tax Amount", "Customer Bill To Gstid",
    ),
    "_GET_GST_MTR_B2C_CUSTOM_": _flat(
        "Seller Gstin", "Invoice Number", "Invoice Date", "Transaction Type", "Order Id",
        "Shipment Id", "Shipment Date", "Quantity", "Asin", "Sku", "Item Description",
        "Invoice Amount", "Tax Exclusive Gross", "Total Tax Amount", "Ship To State",
    ),
    # Browse tree
    "_GET_XML_BROWSE_TREE_DATA_": XmlLayout(
        "Result",
        "Node",
        ("browseNodeId", "browseNodeName", "browsePathByName", "productTypeDefinitions",
         "hasChildren"),
    ),
    # Easy Ship
    "_GET_EASYSHIP_DOCUMENTS_": _flat(
        "order-id", "document-type", "document-id", "created-date", "package-id",
    ),
    "_GET_EASYSHIP_PICKEDUP_": _flat(*_EASYSHIP),
    "_GET_EASYSHIP_WAITING_FOR_PICKUP_": _flat(*_EASYSHIP),
    # Amazon Business
    "_RFQD_BULK_DOWNLOAD_": _flat(
        "rfq-id", "request-date", "asin", "seller-sku", "product-name", "requested-quantity",
        "currency", "your-price", "expiry-date",
    ),
}
# fmt: on


@dataclass(frozen=True)
class Body:
    """What ``reportgen.GeneratedReport`` needs from a body made here."""

    content_type: str
    charset: str
    is_empty: bool
    produce: Callable[[], Iterator[bytes]]


@dataclass(frozen=True)
class _Record:
    number: int
    listing: Listing
    moment: datetime
    quantity: int


def build_body(
    report_type: str,
    snapshot: CatalogueSnapshot,
    loc: Locale,
    *,
    seed: int,
    start: datetime,
    end: datetime,
    target_bytes: int | None,
) -> Body:
    """The body of ``report_type`` (a key of ``LAYOUTS``) for the seller's catalogue."""
    layout = LAYOUTS[report_type]
    salt = f"{seed}:{report_type}"
    listings = [listing for listing in snapshot.sample(SAMPLE_RECORDS, salt) if listing.price]
    country = MARKETPLACES[snapshot.marketplace_id].country
    values = _Values(loc, country, snapshot.marketplace_id, seed)

    def records() -> Iterator[_Record]:
        rng = random.Random(salt)
        span = max(int((end - start).total_seconds()), 0)
        number = 0
        while listings:
            for listing in listings:
                moment = start.timestamp() + (rng.randrange(span + 1) if span else 0)
                yield _Record(
                    number, listing, datetime.fromtimestamp(moment, UTC), rng.randrange(1, 6)
                )
                number += 1
            if target_bytes is None:
                return

    if isinstance(layout, FlatLayout):
        codec, content_type = loc.charset, f"text/plain;charset={loc.charset_label}"
        head = layout.delimiter.join(layout.header) + "\n"
        tail = ""

        def render(record: _Record) -> str:
            cells = (values.cell(name, record) for name in layout.header)
            return layout.delimiter.join(_clean(cell, layout.delimiter) for cell in cells) + "\n"

    elif isinstance(layout, XmlLayout):
        codec, content_type = "utf-8", "text/xml;charset=UTF-8"
        head = f'<?xml version="1.0" encoding="UTF-8"?>\n<{layout.root}>\n'
        tail = f"</{layout.root}>\n"

        def render(record: _Record) -> str:
            inner = "".join(
                f"<{name}>{escape(values.cell(name, record))}</{name}>" for name in layout.fields
            )
            return f"  <{layout.record}>{inner}</{layout.record}>\n"

    else:
        codec, content_type = "utf-8", "application/json;charset=UTF-8"
        head = f'{{"{layout.records}": [\n'
        tail = "\n]}\n"
        fields = layout.fields

        def render(record: _Record) -> str:
            item = {name: values.cell(name, record) for name in fields}
            return ("" if record.number == 0 else ",\n") + json.dumps(item, ensure_ascii=False)

    def produce() -> Iterator[bytes]:
        batch = [head]
        pending = written = len(head.encode(codec))
        for record in records():
            if target_bytes is not None and written >= target_bytes:
                break
            line = render(record)
            size = len(line.encode(codec))
            batch.append(line)
            pending += size
            written += size
            if pending >= CHUNK_SIZE:
                yield "".join(batch).encode(codec)
                batch.clear()
                pending = 0
        batch.append(tail)
        yield "".join(batch).encode(codec)

    return Body(content_type, codec, is_empty=not listings, produce=produce)


def _clean(text: str, delimiter: str) -> str:
    # A delimiter or line break inside a value (a feed may have sent one) would split the row.
    return text.replace(delimiter, " ").replace("\r", " ").replace("\n", " ")


class _Values:
    """A column's value for a record, from the column's name."""

    def __init__(self, loc: Locale, country: str, marketplace_id: str, seed: int) -> None:
        self.loc = loc
        self.country = country
        self.marketplace_id = marketplace_id
        self.seed = seed

    def cell(self, column: str, record: _Record) -> str:
        name = column.lower().replace("_", "-").replace(" ", "-")
        listing = record.listing
        if "sku" in name:
            return listing.fnsku if "fnsku" in name or "channel-sku" in name else listing.sku
        for keys, value in self._rules(record):
            if any(key in name for key in keys):
                return value()
        return ""

    def _rules(self, record: _Record) -> tuple[tuple[tuple[str, ...], Callable[[], str]], ...]:
        listing = record.listing
        price = listing.price or Decimal(0)
        return (
            (("product-id-type",), lambda: "1"),
            (("asin",), lambda: listing.asin),
            (("rma-id", "rma"), lambda: f"D{self._digits(record, 'rma', 9)}"),
            (
                ("order-item-id", "shipment-item-id", "transaction-item-id"),
                lambda: self._digits(record, "item", 14),
            ),
            (("order-id", "orderid"), lambda: self._order_id(record)),
            (("shipment-id", "package-id"), lambda: f"FBA{self._digits(record, 'shp', 8)}"),
            (
                ("reimbursement-id", "case-id", "document-id", "rfq-id", "invoice-number"),
                lambda: self._digits(record, "doc", 10),
            ),
            (
                ("product-name", "item-name", "title", "description", "browsenodename"),
                lambda: listing.title,
            ),
            (("currency",), lambda: listing.currency),
            (("rate",), self._rate),
            (("quantity", "qty", "units", "count"), lambda: str(record.quantity)),
            (("month",), lambda: record.moment.strftime("%Y-%m")),
            (("date", "period", "timeframe", "last-updated"), lambda: self._date(record)),
            (
                (
                    "price",
                    "amount",
                    "fee",
                    "tax",
                    "vat",
                    "cost",
                    "principal",
                    "commission",
                    "gross",
                    "value",
                    "discount",
                    "sales",
                ),
                lambda: self._money(price * record.quantity),
            ),
            (("country",), lambda: self.country),
            (
                ("marketplace-id", "merchant-id", "gstin", "unique-account"),
                lambda: self.marketplace_id,
            ),
            (("sales-channel", "marketplace"), lambda: f"Amazon.{self.country.lower()}"),
            (("condition",), lambda: CONDITION_NAMES.get(listing.condition, "New")),
            (("fulfillment-center", "fc-"), lambda: f"{self.country}{1 + record.number % 3}"),
            (("fulfillment-channel", "fulfilled-by"), lambda: listing.fulfillment_channel),
            (("disposition",), lambda: "SELLABLE"),
            (("carrier",), lambda: "UPS"),
            (("tracking",), lambda: f"1Z{self._digits(record, 'trk', 16)}"),
            (("email",), lambda: f"buyer{record.number}@marketplace.example"),
            (("buyer-name", "recipient-name", "rater"), lambda: f"Buyer {record.number + 1}"),
            (("city",), lambda: "Springfield"),
            (("postal",), lambda: f"{10000 + record.number * 7:05d}"),
            (("state",), lambda: "Central"),
            (("status",), lambda: "Active"),
            (("type",), lambda: "Order"),
            (("reason",), lambda: "CUSTOMER_DAMAGED"),
            (("rating",), lambda: str(1 + record.number % 3)),
            (
                ("exists", "in-program", "is-", "in-policy", "haschildren", "enrolled"),
                lambda: "Yes" if record.number % 2 else "No",
            ),
            (("days", "age", "volume", "rank", "window"), lambda: str(7 * (record.number + 1))),
            (("id", "product-id"), lambda: listing.product_id),
        )

    def _date(self, record: _Record) -> str:
        return record.moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")

    def _money(self, amount: Decimal) -> str:
        return f"{amount:.{self.loc.decimals}f}"

    def _rate(self) -> str:
        return f"{self.loc.tax_rate:.2f}"

    def _digits(self, record: _Record, kind: str, width: int) -> str:
        value = random.Random(f"{self.seed}:{kind}:{record.number}").randrange(10**width)
        return f"{value:0{width}d}"

    def _order_id(self, record: _Record) -> str:
        prefix = self.loc.order_prefixes[record.number % len(self.loc.order_prefixes)]
        digits = self._digits(record, "order", 14)
        return f"{prefix:03d}-{digits[:7]}-{digits[7:]}"
