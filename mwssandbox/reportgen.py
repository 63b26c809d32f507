"""Report bodies as MWS delivered them, generated on the fly and streamed.

Two kinds of report exist:

* Catalogue reports (open listings, merchant listings, AFN and FBA MYI inventory) list the
  catalogue as it is when the report is built, so a feed's change shows up in the next one.
  Their size is the catalogue's; ``target_bytes`` does not apply (a large one needs a large
  catalogue, which costs nothing to generate).
* Transaction reports (orders, settlements, and the generic report of any other type) list
  events inside the requested window. Without ``target_bytes`` they come from a fixed "world" of
  events, so overlapping windows agree on the orders they share, as incremental syncs expect.
  With ``target_bytes`` the window is filled evenly with records until the body reaches that
  size (it ends at most one record beyond it); this is how gigabyte reports are made, streamed
  in chunks of about 64 KiB at more than 100 MB/s without ever being held in memory.

One seller's reports agree with one another: every orders report and every settlement draw on
the same timeline of purchases (seeded per seller and marketplace, never per report), so an
order has the same id, SKU, quantity and prices in all of them; a settlement lists the shipped
orders at their last update, the refunds some of them get later and the account's monthly
fees, and its lines add up to its total. Inventory reports list the listings reports' AFN
listings with the same stock. Sized reports give this up for their size.

Every record is rendered from a small pool of pre-rendered templates whose variable parts
(order ids, dates) have a fixed width, so the size of a report can be computed before any byte
of it is produced.

Charsets follow what was observed (reference 2.11): windows-1252 for NA and EU, windows-31j for
JP, UTF-8 in the Far East, and UTF-8 with a byte order mark for the merchant listings reports of
Amazon.ca. Some report types (UNDECLARED_CHARSET_REPORT_TYPES) say so nowhere. XML reports are
UTF-8, as their declaration says.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import heapq
import itertools
import math
import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

from mwssandbox import reportbodies
from mwssandbox.catalogue import (
    CONDITION_NAMES,
    Catalogue,
    CatalogueSnapshot,
    Listing,
    Locale,
    local_time,
    locale_of,
    marketplace,
)
from mwssandbox.marketplaces import Marketplace

CHUNK_SIZE = 64 * 1024

OPEN_LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"
MERCHANT_LISTINGS = "_GET_MERCHANT_LISTINGS_DATA_"
MERCHANT_LISTINGS_ALL = "_GET_MERCHANT_LISTINGS_ALL_DATA_"
MERCHANT_LISTINGS_INACTIVE = "_GET_MERCHANT_LISTINGS_INACTIVE_DATA_"
AFN_INVENTORY = "_GET_AFN_INVENTORY_DATA_"
AFN_INVENTORY_BY_COUNTRY = "_GET_AFN_INVENTORY_DATA_BY_COUNTRY_"
ORDERS_BY_LAST_UPDATE = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_"
ORDERS_BY_ORDER_DATE = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_"
XML_ORDERS_BY_LAST_UPDATE = "_GET_XML_ALL_ORDERS_DATA_BY_LAST_UPDATE_"
XML_ORDERS_BY_ORDER_DATE = "_GET_XML_ALL_ORDERS_DATA_BY_ORDER_DATE_"
SETTLEMENT_FLAT = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_"
SETTLEMENT_FLAT_V2 = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_"
SETTLEMENT_XML = "_GET_V2_SETTLEMENT_REPORT_DATA_XML_"
FLAT_ORDERS = "_GET_FLAT_FILE_ORDERS_DATA_"
FBA_MYI_UNSUPPRESSED = "_GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA_"
FBA_MYI_ALL = "_GET_FBA_MYI_ALL_INVENTORY_DATA_"

SUPPORTED_REPORT_TYPES: frozenset[str] = frozenset(
    {
        OPEN_LISTINGS,
        MERCHANT_LISTINGS,
        MERCHANT_LISTINGS_ALL,
        MERCHANT_LISTINGS_INACTIVE,
        AFN_INVENTORY,
        AFN_INVENTORY_BY_COUNTRY,
        ORDERS_BY_LAST_UPDATE,
        ORDERS_BY_ORDER_DATE,
        XML_ORDERS_BY_LAST_UPDATE,
        XML_ORDERS_BY_ORDER_DATE,
        SETTLEMENT_FLAT,
        SETTLEMENT_FLAT_V2,
        SETTLEMENT_XML,
        FLAT_ORDERS,
        FBA_MYI_UNSUPPRESSED,
        FBA_MYI_ALL,
    }
)
SETTLEMENT_REPORT_TYPES = (SETTLEMENT_FLAT, SETTLEMENT_FLAT_V2, SETTLEMENT_XML)

# Flat reports whose GetReport answer says only "text/plain": settlements everywhere in 2020
# (reference 2.11) and, as 2016 traffic showed, some other flat files. A reader has to fall back
# on the marketplace's charset for them; the bytes are still in that charset.
UNDECLARED_CHARSET_REPORT_TYPES: frozenset[str] = frozenset(
    {SETTLEMENT_FLAT, SETTLEMENT_FLAT_V2, FLAT_ORDERS, FBA_MYI_UNSUPPRESSED, FBA_MYI_ALL}
)

# Column headers, reference 2.17.
OPEN_LISTINGS_HEADER = ("sku", "asin", "price", "quantity")
_LISTINGS_COMMON = (
    "item-name", "item-description", "listing-id", "seller-sku", "price", "quantity",
    "open-date", "image-url", "item-is-marketplace", "product-id-type", "zshop-shipping-fee",
    "item-note", "item-condition", "zshop-category1", "zshop-browse-path",
    "zshop-storefront-feature", "asin1", "asin2", "asin3", "will-ship-internationally",
    "expedited-shipping", "zshop-boldface", "product-id", "bid-for-featured-placement",
    "add-delete", "pending-quantity", "fulfillment-channel",
)  # fmt: skip
_QUANTITY_PRICES = (
    "Business Price", "Quantity Price Type",
    "Quantity Lower Bound 1", "Quantity Price 1", "Quantity Lower Bound 2", "Quantity Price 2",
    "Quantity Lower Bound 3", "Quantity Price 3", "Quantity Lower Bound 4", "Quantity Price 4",
    "Quantity Lower Bound 5", "Quantity Price 5",
)  # fmt: skip
_PROGRESSIVE_PRICES = (
    "Progressive Price Type", "Progressive Lower Bound 1", "Progressive Price 1",
    "Progressive Lower Bound 2", "Progressive Price 2", "Progressive Lower Bound 3",
    "Progressive Price 3",
)  # fmt: skip
MERCHANT_LISTINGS_HEADER = (
    _LISTINGS_COMMON + _QUANTITY_PRICES + ("merchant-shipping-group",) + _PROGRESSIVE_PRICES
)
# The reference gives no header of its own for the inactive report; it is the ALL report's.
MERCHANT_LISTINGS_ALL_HEADER = (*_LISTINGS_COMMON, "merchant-shipping-group", "status")
AFN_INVENTORY_HEADER = (
    "seller-sku", "fulfillment-channel-sku", "asin", "condition-type",
    "Warehouse-Condition-code", "Quantity Available",
)  # fmt: skip
AFN_INVENTORY_BY_COUNTRY_HEADER = (
    "seller-sku", "fulfillment-channel-sku", "asin", "condition-type", "country",
    "quantity-for-local-fulfillment",
)  # fmt: skip
ALL_ORDERS_HEADER = (
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "url", "ship-service-level",
    "product-name", "sku", "asin", "item-status", "quantity", "currency", "item-price",
    "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax",
    "item-promotion-discount", "ship-promotion-discount", "ship-city", "ship-state",
    "ship-postal-code", "ship-country", "promotion-ids", "is-business-order",
    "purchase-order-number", "price-designation",
)  # fmt: skip
ALL_ORDERS_BY_ORDER_DATE_HEADER = (*ALL_ORDERS_HEADER, "is-sold-by-ab")
SETTLEMENT_FLAT_HEADER = (
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
    "total-amount", "currency", "transaction-type", "order-id", "merchant-order-id",
    "adjustment-id", "shipment-id", "marketplace-name", "shipment-fee-type",
    "shipment-fee-amount", "order-fee-type", "order-fee-amount", "fulfillment-id",
    "posted-date", "order-item-code", "merchant-order-item-id", "merchant-adjustment-item-id",
    "sku", "quantity-purchased", "price-type", "price-amount", "item-related-fee-type",
    "item-related-fee-amount", "misc-fee-amount", "other-fee-amount",
    "other-fee-reason-description", "direct-payment-type", "direct-payment-amount",
    "other-amount",
)  # fmt: skip
# Not in the reference: the long "amount-type / amount-description / amount" layout of the V2
# flat file, as public V2 settlement samples show it.
SETTLEMENT_FLAT_V2_HEADER = (
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
    "total-amount", "currency", "transaction-type", "order-id", "merchant-order-id",
    "adjustment-id", "shipment-id", "marketplace-name", "amount-type", "amount-description",
    "amount", "fulfillment-id", "posted-date", "posted-date-time", "order-item-code",
    "merchant-order-item-id", "merchant-adjustment-item-id", "sku", "quantity-purchased",
    "promotion-id",
)  # fmt: skip
# The requested or scheduled flat order report, as the GetReport example of the docs shows it
# (reference 2.11).
FLAT_ORDERS_HEADER = (
    "order-id", "order-item-id", "purchase-date", "payments-date", "buyer-email", "buyer-name",
    "buyer-phone-number", "sku", "product-name", "quantity-purchased", "currency", "item-price",
    "item-tax", "shipping-price", "shipping-tax", "ship-service-level", "recipient-name",
    "ship-address-1", "ship-address-2", "ship-address-3", "ship-city", "ship-state",
    "ship-postal-code", "ship-country", "ship-phone-number", "delivery-start-date",
    "delivery-end-date", "delivery-time-zone", "delivery-Instructions",
)  # fmt: skip
# Manage FBA Inventory, as Seller Central downloads it.
FBA_MYI_HEADER = (
    "sku", "fnsku", "asin", "product-name", "condition", "your-price", "mfn-listing-exists",
    "mfn-fulfillable-quantity", "afn-listing-exists", "afn-warehouse-quantity",
    "afn-fulfillable-quantity", "afn-unsellable-quantity", "afn-reserved-quantity",
    "afn-total-quantity", "per-unit-volume", "afn-inbound-working-quantity",
    "afn-inbound-shipped-quantity", "afn-inbound-receiving-quantity",
)  # fmt: skip
GENERIC_HEADER = (
    "date", "seller-sku", "asin", "product-name", "quantity", "currency", "amount",
)  # fmt: skip

_LISTING_TYPES = {
    OPEN_LISTINGS,
    MERCHANT_LISTINGS,
    MERCHANT_LISTINGS_ALL,
    MERCHANT_LISTINGS_INACTIVE,
    AFN_INVENTORY,
    AFN_INVENTORY_BY_COUNTRY,
    FBA_MYI_UNSUPPRESSED,
    FBA_MYI_ALL,
}
_MERCHANT_LISTINGS_FAMILY = {MERCHANT_LISTINGS, MERCHANT_LISTINGS_ALL, MERCHANT_LISTINGS_INACTIVE}
# Amazon.ca sent its merchant listings report as UTF-8 with a byte order mark (OBS, 2020).
_BOM_MARKETPLACES = {"A2EUQ1WTGCTBG2"}
_XML_CONTENT_TYPE = "text/xml;charset=UTF-8"

# Windows a report covers when the request names no dates, as MWS defaulted them (reference
# 2.2): one day for orders, a two-week settlement cycle.
_DEFAULT_ORDER_SPAN = timedelta(days=1)
_DEFAULT_SETTLEMENT_SPAN = timedelta(days=14)


@dataclass(frozen=True)
class GeneratedReport:
    """A report body that is produced afresh, identically, every time it is iterated."""

    report_type: str
    content_type: str
    charset: str
    is_empty: bool
    _produce: Callable[[], Iterator[bytes]] = field(repr=False, compare=False)
    _digest: list[tuple[int, str]] = field(default_factory=list, repr=False, compare=False)
    _digest_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def chunks(self) -> Iterator[bytes]:
        return self._produce()

    def digest(self) -> tuple[int, str]:
        """(size in bytes, base64 MD5) of the body; streamed once, then remembered."""
        with self._digest_lock:
            if not self._digest:
                md5 = hashlib.md5(usedforsecurity=False)
                size = 0
                for chunk in self.chunks():
                    md5.update(chunk)
                    size += len(chunk)
                self._digest.append((size, base64.b64encode(md5.digest()).decode("ascii")))
            return self._digest[0]


def build_report(
    report_type: str,
    *,
    catalogue: Catalogue,
    marketplace_id: str,
    seed: int,
    target_bytes: int | None = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
) -> GeneratedReport:
    """The body of a ``report_type`` report on ``catalogue`` as it stands now.

    ``start_date``/``end_date`` bound transaction reports (naive values are UTC); a missing end
    is now and a missing start is the type's usual span before the end. Types without a
    generator here get the body their ``reportbodies`` layout describes, and any other type a
    generic tab-separated transaction report.
    """
    if catalogue.marketplace_id != marketplace_id:
        raise ValueError(
            f"catalogue of {catalogue.marketplace_id} cannot make a report for {marketplace_id}"
        )
    if target_bytes is not None and target_bytes < 0:
        raise ValueError("target_bytes cannot be negative")
    loc = locale_of(marketplace_id)
    snapshot = catalogue.snapshot()
    if report_type in _LISTING_TYPES:
        return _listings_report(report_type, snapshot, loc)
    span = _DEFAULT_SETTLEMENT_SPAN if "SETTLEMENT" in report_type else _DEFAULT_ORDER_SPAN
    end = _utc(end_date) if end_date is not None else datetime.now(UTC).replace(microsecond=0)
    start = _utc(start_date) if start_date is not None else end - span
    window = _Window(int(start.timestamp()), int(end.timestamp()))
    context = _Context(report_type, snapshot, loc, seed, window)
    if report_type in (SETTLEMENT_FLAT, SETTLEMENT_FLAT_V2):
        return _settlement_report(context, target_bytes)
    if report_type == SETTLEMENT_XML:
        return _xml_settlement_report(context, target_bytes)
    if report_type == FLAT_ORDERS:
        return _flat_order_items_report(context, target_bytes)
    if report_type in (XML_ORDERS_BY_LAST_UPDATE, XML_ORDERS_BY_ORDER_DATE):
        return _xml_orders_report(context, target_bytes)
    if report_type in (ORDERS_BY_LAST_UPDATE, ORDERS_BY_ORDER_DATE):
        return _flat_orders_report(context, target_bytes)
    if report_type in reportbodies.LAYOUTS:
        made = reportbodies.build_body(
            report_type, snapshot, loc, seed=seed, start=start, end=end, target_bytes=target_bytes
        )
        return GeneratedReport(
            report_type, made.content_type, made.charset, made.is_empty, made.produce
        )
    return _generic_report(context, target_bytes)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _flat_charset(report_type: str, marketplace_id: str, loc: Locale) -> tuple[str, str]:
    """(Python codec, Content-Type) of a flat-file report."""
    if report_type in _MERCHANT_LISTINGS_FAMILY and marketplace_id in _BOM_MARKETPLACES:
        return "utf-8-sig", "text/plain;charset=utf-8"
    if report_type in UNDECLARED_CHARSET_REPORT_TYPES:
        return loc.charset, "text/plain"
    return loc.charset, f"text/plain;charset={loc.charset_label}"


def _encoded(lines: Iterable[str], codec: str) -> Iterator[bytes]:
    """Encode text lines in chunks of about CHUNK_SIZE, a byte order mark first if any."""
    if codec == "utf-8-sig":
        # Encoding each chunk as utf-8-sig would repeat the mark; it belongs at the start only.
        yield b"\xef\xbb\xbf"
        codec = "utf-8"
    batch: list[str] = []
    pending = 0
    for line in lines:
        batch.append(line)
        pending += len(line)
        if pending >= CHUNK_SIZE:
            yield "".join(batch).encode(codec)
            batch.clear()
            pending = 0
    if batch:
        yield "".join(batch).encode(codec)


def _cell(text: str) -> str:
    # Tabs or line breaks inside a value (a feed may send them) would break the row apart.
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def _tsv(values: Iterable[str]) -> str:
    return "\t".join(values) + "\n"


def _money(amount: Decimal | None, loc: Locale) -> str:
    if amount is None:
        return ""
    return f"{amount:.{loc.decimals}f}"


# ---------------------------------------------------------------------------------------------
# Catalogue reports


def _listings_report(report_type: str, snapshot: CatalogueSnapshot, loc: Locale) -> GeneratedReport:
    marketplace_id = snapshot.marketplace_id
    country = marketplace(marketplace_id).country
    render: Callable[[Listing], Iterable[str]]
    keep: Callable[[Listing], bool]
    if report_type == OPEN_LISTINGS:
        header, keep = OPEN_LISTINGS_HEADER, _has_offer
        render = _open_listing_rows(loc)
    elif report_type == MERCHANT_LISTINGS:
        header, keep = MERCHANT_LISTINGS_HEADER, _is_active
        render = _merchant_listing_rows(loc, marketplace_id, with_status=False)
    elif report_type == MERCHANT_LISTINGS_ALL:
        header, keep = MERCHANT_LISTINGS_ALL_HEADER, _any
        render = _merchant_listing_rows(loc, marketplace_id, with_status=True)
    elif report_type == MERCHANT_LISTINGS_INACTIVE:
        header, keep = MERCHANT_LISTINGS_ALL_HEADER, _is_inactive
        render = _merchant_listing_rows(loc, marketplace_id, with_status=True)
    elif report_type == AFN_INVENTORY:
        header, keep, render = AFN_INVENTORY_HEADER, _is_afn, _afn_rows
    elif report_type == FBA_MYI_UNSUPPRESSED:
        header, keep, render = FBA_MYI_HEADER, _is_active_afn, _myi_rows(loc)
    elif report_type == FBA_MYI_ALL:
        header, keep, render = FBA_MYI_HEADER, _is_afn, _myi_rows(loc)
    else:
        header, keep = AFN_INVENTORY_BY_COUNTRY_HEADER, _is_afn
        render = _afn_country_rows(country)
    codec, content_type = _flat_charset(report_type, marketplace_id, loc)

    def lines() -> Iterator[str]:
        yield _tsv(header)
        for listing in snapshot:
            if keep(listing):
                yield from render(listing)

    return GeneratedReport(
        report_type,
        content_type,
        codec,
        is_empty=not any(keep(listing) for listing in snapshot),
        _produce=lambda: _encoded(lines(), codec),
    )


def _any(listing: Listing) -> bool:
    return True


def _has_offer(listing: Listing) -> bool:
    return listing.price is not None


def _is_active(listing: Listing) -> bool:
    return listing.is_active


def _is_inactive(listing: Listing) -> bool:
    return not listing.is_active


def _is_afn(listing: Listing) -> bool:
    return listing.is_afn


def _is_active_afn(listing: Listing) -> bool:
    return listing.is_afn and listing.is_active


def _open_listing_rows(loc: Locale) -> Callable[[Listing], Iterable[str]]:
    def rows(listing: Listing) -> Iterable[str]:
        # Amazon holds the stock of AFN listings; merchant reports leave their quantity empty.
        quantity = "" if listing.is_afn else str(listing.quantity)
        return (_tsv((_cell(listing.sku), listing.asin, _money(listing.price, loc), quantity)),)

    return rows


def _merchant_listing_rows(
    loc: Locale, marketplace_id: str, *, with_status: bool
) -> Callable[[Listing], Iterable[str]]:
    # Observed open dates: "2020-06-02 03:09:20 PDT" (US) and "15/04/2020 15:15:46 BST" (UK).
    date_format = "%d/%m/%Y %H:%M:%S %Z" if marketplace_id == "A1F83G8C2ARO7P" else None
    quantity_prices = ("",) * len(_QUANTITY_PRICES)
    progressive = ("",) * len(_PROGRESSIVE_PRICES)

    def rows(listing: Listing) -> Iterable[str]:
        opened = local_time(listing.open_date, marketplace_id)
        open_date = (
            opened.strftime(date_format)
            if date_format
            else f"{opened:%Y-%m-%d %H:%M:%S} {opened.tzname()}"
        )
        common = (
            _cell(listing.title),
            _cell(listing.description),
            listing.listing_id,
            _cell(listing.sku),
            _money(listing.price, loc),
            "" if listing.is_afn else str(listing.quantity),
            open_date,
            listing.image_url,
            "y",
            listing.product_id_type,
            "",
            "",
            listing.condition,
            "",
            "",
            "",
            listing.asin,
            "",
            "",
            "",
            "",
            "",
            _cell(listing.product_id),
            "",
            "",
            "0",
            listing.fulfillment_channel,
        )
        shipping_group = "" if listing.is_afn else "Migrated Template"
        if with_status:
            return (_tsv((*common, shipping_group, listing.status)),)
        return (_tsv((*common, *quantity_prices, shipping_group, *progressive)),)

    return rows


def _afn_condition(listing: Listing) -> str:
    name = CONDITION_NAMES.get(listing.condition, "New")
    return "NewItem" if name == "New" else name


def _afn_unsellable(listing: Listing) -> int:
    """Units of an AFN listing that came back damaged; every inventory report agrees on them."""
    damaged = int(listing.fnsku[-2:], 36) % 7
    return damaged if damaged in (1, 2) else 0


def _afn_rows(listing: Listing) -> Iterable[str]:
    base = (_cell(listing.sku), listing.fnsku, listing.asin, _afn_condition(listing))
    rows = [_tsv((*base, "SELLABLE", str(listing.quantity)))]
    # Damaged units are listed on a row of their own.
    damaged = _afn_unsellable(listing)
    if damaged:
        rows.append(_tsv((*base, "UNSELLABLE", str(damaged))))
    return rows


def _myi_rows(loc: Locale) -> Callable[[Listing], Iterable[str]]:
    def rows(listing: Listing) -> Iterable[str]:
        # Reserved (picked for orders) and inbound units come from the FNSKU, so that the same
        # listing shows the same stock in every report; fulfillable and unsellable units are the
        # AFN inventory report's SELLABLE and UNSELLABLE rows.
        spread = int(listing.fnsku[-4:-2], 36)
        fulfillable, unsellable = listing.quantity, _afn_unsellable(listing)
        reserved = spread % 4
        working, shipped, receiving = spread % 3, spread // 3 % 5, spread // 15 % 2
        warehouse = fulfillable + unsellable + reserved
        values = (
            _cell(listing.sku),
            listing.fnsku,
            listing.asin,
            _cell(listing.title),
            CONDITION_NAMES.get(listing.condition, "New"),
            _money(listing.price, loc),
            "No",
            "",
            "Yes",
            str(warehouse),
            str(fulfillable),
            str(unsellable),
            str(reserved),
            str(warehouse + working + shipped + receiving),
            f"{Decimal(spread % 50 + 1) / 100:.2f}",
            str(working),
            str(shipped),
            str(receiving),
        )
        return (_tsv(values),)

    return rows


def _afn_country_rows(country: str) -> Callable[[Listing], Iterable[str]]:
    def rows(listing: Listing) -> Iterable[str]:
        values = (_cell(listing.sku), listing.fnsku, listing.asin, _afn_condition(listing))
        return (_tsv((*values, country, str(listing.quantity))),)

    return rows


# ---------------------------------------------------------------------------------------------
# Transaction reports: windows, plans and the record engine


@dataclass(frozen=True)
class _Window:
    start: int  # epoch seconds, inclusive
    end: int  # epoch seconds, inclusive

    @property
    def span(self) -> int:
        return max(self.end - self.start, 0)


@dataclass(frozen=True)
class _Context:
    report_type: str
    snapshot: CatalogueSnapshot
    loc: Locale
    seed: int
    window: _Window

    @property
    def salt(self) -> str:
        return f"{self.snapshot.seller_id}:{self.snapshot.marketplace_id}:{self.seed}"


_POOL_SIZE = 1024  # a power of two: an odd multiplier then permutes it
_POOL_MASK = _POOL_SIZE - 1
_SAMPLE_SIZE = 256  # listings that appear in transaction reports
_HOUR = 3600


# An event is (number, pool entry, epoch second); plain tuples, handed out in lists, because a
# gigabyte report has millions of them. The number is unique within the report type's timeline
# or plan and is what order ids and item codes are derived from.
_Event = tuple[int, int, int]
_Render = Callable[[list[_Event], int], list[bytes]]  # (events, position of first) -> records


class _Plan:
    """Which pool entry record ``i`` of a sized report uses.

    Records walk the pool in cycles; each cycle visits every entry once, in an order that
    changes from cycle to cycle, so that any number of whole cycles has a known total size (and
    total amount) and the size of a report is found without producing it.
    """

    def __init__(self, salt: str) -> None:
        self._salt = salt
        self._base = list(range(_POOL_SIZE))
        random.Random(f"{salt}:plan").shuffle(self._base)

    def cycle(self, number: int) -> list[int]:
        draw = random.Random(f"{self._salt}:cycle:{number}").getrandbits(32)
        step, offset = (draw >> 10) | 1, draw & _POOL_MASK
        base = self._base
        return [base[(step * k + offset) & _POOL_MASK] for k in range(_POOL_SIZE)]

    def sum(self, values: Sequence[int], count: int) -> int:
        """Sum of ``values[entry]`` over the first ``count`` records."""
        cycles, rest = divmod(count, _POOL_SIZE)
        total = cycles * sum(values)
        if rest:
            total += sum(values[entry] for entry in self.cycle(cycles)[:rest])
        return total

    def count_for(self, budget: int, lengths: Sequence[int], extra: Callable[[int], int]) -> int:
        """Fewest records whose lengths (plus ``extra(count)``) reach ``budget`` bytes."""
        if budget <= 0:
            return 0
        low, high = 0, budget // min(lengths) + 1
        while low < high:
            middle = (low + high) // 2
            if self.sum(lengths, middle) + extra(middle) >= budget:
                high = middle
            else:
                low = middle + 1
        return low

    def events(self, count: int, window: _Window) -> Iterator[list[_Event]]:
        """``count`` records spread evenly over the window, in time order, a cycle at a time."""
        start, span = window.start, window.span
        for cycle_number in range((count + _POOL_SIZE - 1) // _POOL_SIZE):
            first = cycle_number * _POOL_SIZE
            entries = self.cycle(cycle_number)[: count - first]
            yield [
                (i, entry, start + span * i // count)
                for i, entry in enumerate(entries, start=first)
            ]


_MAX_PER_HOUR = 128  # above the busiest hour of the timeline (twice the top rate, plus one)


def _world_events(salt: str, window: _Window, hourly_rate: float) -> Iterator[list[_Event]]:
    """The events of a fixed timeline that fall inside the window, in time order, by hour.

    Each hour of the timeline has its own random stream, drawn in full whatever the window, so
    an event exists with the same id, time and content in every window that contains it.
    """
    for hour in range(window.start // _HOUR, window.end // _HOUR + 1):
        rng = random.Random(f"{salt}:hour:{hour}")
        count = int(rng.random() * 2 * _rate_at(hourly_rate, hour) + rng.random())
        drawn = sorted(
            (
                hour * _HOUR + rng.randrange(_HOUR),
                hour * _MAX_PER_HOUR + k,
                rng.randrange(_POOL_SIZE),
            )
            for k in range(count)
        )
        events = [
            (number, entry, moment)
            for moment, number, entry in drawn
            if window.start <= moment <= window.end
        ]
        if events:
            yield events


def _hourly_rate(snapshot: CatalogueSnapshot) -> float:
    # Busier catalogues sell more: one order an hour per 200 listings, within sane bounds.
    return min(max(len(snapshot) / 200, 0.25), 40.0)


_SEASON_HOURS = 24 * 7 * 10  # one slow swing of demand every ten weeks


def _rate_at(hourly_rate: float, hour: int) -> float:
    """The rate of an hour: sales swing over weeks and dip at weekends, so that a run of
    settlements shows a trend. At most 1.3 times the base rate (see _MAX_PER_HOUR)."""
    weekday = (hour // 24 + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    weekly = 0.75 if weekday >= 5 else 1.0
    season = 1.0 + 0.3 * math.sin(2 * math.pi * hour / _SEASON_HOURS)
    return hourly_rate * weekly * season


_World = Callable[["_Window"], Iterator[list[_Event]]]
_Derive = Callable[[_Event], Iterable[_Event]]


def _derived_events(
    purchases: _World, window: _Window, lookback: int, derive: _Derive
) -> Iterator[list[_Event]]:
    """Events that follow a purchase (its last update, shipment, refund) and fall inside the
    window, in time order.

    ``derive`` gives the events that follow one purchase, never earlier than it and at most
    ``lookback`` seconds later. Purchases arrive by hour in time order, so a derived event is
    final once a purchase later than it has been seen; only those still to come are held.
    """
    pending: list[tuple[int, int, int]] = []  # (moment, number, entry), a heap

    def due(limit: int | None) -> list[_Event]:
        ready = []
        while pending and (limit is None or pending[0][0] < limit):
            moment, number, entry = heapq.heappop(pending)
            ready.append((number, entry, moment))
        return ready

    for batch in purchases(_Window(window.start - lookback, window.end)):
        ready = due(batch[0][2])
        if ready:
            yield ready
        for purchase in batch:
            for number, entry, moment in derive(purchase):
                if window.start <= moment <= window.end:
                    heapq.heappush(pending, (moment, number, entry))
    ready = due(None)
    if ready:
        yield ready


def _merged(*streams: Iterator[list[_Event]]) -> Iterator[list[_Event]]:
    """Time-ordered event streams merged into one, in batches of at most a pool's size."""
    merged = heapq.merge(*(itertools.chain.from_iterable(s) for s in streams), key=_moment)
    while batch := list(itertools.islice(merged, _POOL_SIZE)):
        yield batch


def _moment(event: _Event) -> int:
    return event[2]


class _Days(dict[int, bytes]):
    """Epoch day -> its date as bytes, formatted once per day."""

    def __missing__(self, day: int) -> bytes:
        text = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d").encode()
        self[day] = text
        return text


@functools.cache
def _clock() -> tuple[bytes, ...]:
    """HH:MM:SS for every second of a day: looking a time up beats formatting it."""
    return tuple(b"%02d:%02d:%02d" % (s // 3600, s // 60 % 60, s % 60) for s in range(86400))


# Timestamps in templates are two placeholders, the date and the time of day, so that the hot
# loops only look both up.
_ISO = "\x00sT\x00s+00:00"  # 2020-06-02T10:23:11+00:00
_UTC = "\x00s \x00s UTC"  # 2020-06-02 10:23:11 UTC, as V2 settlements write them
_WIDE_DAY, _WIDE_TIME = b"0" * 10, b"0" * 8


def _iso(days: _Days, moment: int) -> bytes:
    """A whole ISO timestamp, for the few places that are not on a hot path."""
    return days[moment // 86400] + b"T" + _clock()[moment % 86400] + b"+00:00"


# A multiplier coprime to 10 permutes 0..10**14-1: ids made from distinct numbers never repeat.
_ID_MULTIPLIER = 7_777_777_777_777
_ID_SPACE = 10**14


def _id14(number: int, salt: int) -> int:
    return (number * _ID_MULTIPLIER + salt) % _ID_SPACE


def _order_id(prefix: int, number: int, salt: int) -> bytes:
    value = _id14(number, salt)
    return b"%03d-%07d-%07d" % (prefix, value // 10**7, value % 10**7)


def _streamed(
    prologue: bytes, render: _Render, batches: Iterator[list[_Event]], epilogue: bytes = b""
) -> Iterator[bytes]:
    """Rendered records gathered into chunks of about CHUNK_SIZE bytes."""
    chunk = [prologue]
    size = len(prologue)
    position = 0
    for events in batches:
        for record in render(events, position):
            chunk.append(record)
            size += len(record)
            if size >= CHUNK_SIZE:
                yield b"".join(chunk)
                chunk.clear()
                size = 0
        position += len(events)
    chunk.append(epilogue)
    yield b"".join(chunk)


def _template(text: str, codec: str) -> bytes:
    """A bytes %-template from text whose placeholders are written NUL+"s" (NUL+".0s" for a
    value consumed but not shown); a "%" of the data itself stays literal. Listings hold no
    control characters (catalogue.clean_text), and no charset used here has NUL or "%" inside
    a multibyte character.
    """
    return text.encode(codec).replace(b"%", b"%%").replace(b"\x00", b"%")


def _header_bytes(header: Sequence[str]) -> bytes:
    return _tsv(header).encode("ascii")


# ---------------------------------------------------------------------------------------------
# Orders


@dataclass(frozen=True)
class _OrderLine:
    listing: Listing
    status: str
    item_status: str
    quantity: int
    principal: Decimal | None  # None while pending or once cancelled: MWS shows no amounts
    tax: Decimal | None
    shipping: Decimal | None
    ship_level: str
    address: tuple[str, str, str]
    business: bool
    delay: int  # seconds from purchase to last update


# A few delivery addresses per country; names such as München, Orléans or 東京都 make the
# report's charset matter.
_ADDRESSES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "US": (("SEATTLE", "WA", "98109-5210"), ("AUSTIN", "TX", "78701"), ("BROOKLYN", "NY", "11201")),
    "CA": (
        ("Montréal", "QC", "H2X 1Y4"),
        ("TORONTO", "ON", "M5V 2T6"),
        ("Québec", "QC", "G1R 4P5"),
    ),
    "MX": (("Ciudad de México", "CDMX", "06600"), ("Mérida", "YUC", "97000")),
    "BR": (("São Paulo", "SP", "01310-100"), ("Niterói", "RJ", "24020-000")),
    "GB": (("London", "", "SW1A 1AA"), ("Manchester", "Greater Manchester", "M1 1AE")),
    "DE": (
        ("München", "Bayern", "80331"),
        ("Köln", "NRW", "50667"),
        ("Düsseldorf", "NRW", "40213"),
    ),
    "FR": (("Orléans", "Loiret", "45000"), ("Paris", "", "75011"), ("Besançon", "Doubs", "25000")),
    "IT": (("Forlì", "FC", "47121"), ("Milano", "MI", "20121")),
    "ES": (("Málaga", "Málaga", "29001"), ("A Coruña", "A Coruña", "15001")),
    "JP": (("渋谷区", "東京都", "150-0002"), ("大阪市北区", "大阪府", "530-0001")),
    "CN": (("浦东新区", "上海市", "200120"), ("朝阳区", "北京市", "100020")),
}
_CAPITALS: dict[str, tuple[str, str, str]] = {
    "NL": ("Amsterdam", "", "1012 JS"),
    "SE": ("Göteborg", "", "411 03"),
    "PL": ("Warszawa", "", "00-001"),
    "BE": ("Liège", "", "4000"),
    "TR": ("Istanbul", "", "34000"),
    "EG": ("Cairo", "", "11511"),
    "SA": ("Riyadh", "", "11564"),
    "AE": ("Dubai", "", "00000"),
    "IN": ("Bengaluru", "KA", "560001"),
    "AU": ("Sydney", "NSW", "2000"),
    "SG": ("Singapore", "", "018956"),
}


def _addresses(country: str) -> tuple[tuple[str, str, str], ...]:
    return _ADDRESSES.get(country) or (_CAPITALS[country],)


def _priced_sample(context: _Context) -> list[tuple[Listing, Decimal]]:
    """Listings with an offer that transaction reports draw from, with their price."""
    return [
        (listing, listing.price)
        for listing in context.snapshot.sample(_SAMPLE_SIZE, context.salt)
        if listing.price is not None
    ]


def _order_lines(context: _Context) -> list[_OrderLine]:
    """The pool: one order line per entry, built from a sample of the catalogue."""
    priced = _priced_sample(context)
    if not priced:
        return []
    rng = random.Random(f"{context.salt}:orders")
    loc = context.loc
    country = marketplace(context.snapshot.marketplace_id).country
    addresses = _addresses(country)
    lines = []
    for _ in range(_POOL_SIZE):
        listing, price = rng.choice(priced)
        roll = rng.random()
        if roll < 0.07:
            status, item_status, delay = "Cancelled", "Cancelled", rng.randrange(600, 86400)
        elif roll < 0.15:
            status, item_status, delay = "Pending", "Unshipped", rng.randrange(0, 7200)
        elif roll < 0.25:
            status = "Shipping" if listing.is_afn else "Unshipped"
            item_status, delay = "Unshipped", rng.randrange(600, 86400)
        else:
            status, item_status, delay = "Shipped", "Shipped", rng.randrange(7200, 3 * 86400)
        quantity = 1 if rng.random() < 0.85 else rng.randrange(2, 4)
        principal = price * quantity
        shipping = Decimal(0) if listing.is_afn else _local_shipping(loc, rng)
        has_amounts = status not in ("Pending", "Cancelled")
        lines.append(
            _OrderLine(
                listing=listing,
                status=status,
                item_status=item_status,
                quantity=quantity,
                principal=principal if has_amounts else None,
                tax=_tax(principal, loc) if has_amounts else None,
                shipping=shipping if has_amounts else None,
                ship_level=rng.choice(("Standard", "Standard", "Standard", "Expedited", "NextDay")),
                address=rng.choice(addresses),
                business=rng.random() < 0.05,
                delay=delay,
            )
        )
    return lines


def _local_shipping(loc: Locale, rng: random.Random) -> Decimal:
    usd = rng.choice((Decimal(0), Decimal(0), Decimal("3.99"), Decimal("5.49")))
    return (usd * loc.price_factor).quantize(Decimal(1).scaleb(-loc.decimals))


def _tax(amount: Decimal, loc: Locale) -> Decimal:
    return (amount * loc.tax_rate).quantize(Decimal(1).scaleb(-loc.decimals))


def _flat_order_tail(line: _OrderLine, context: _Context) -> str:
    loc = context.loc
    mp = marketplace(context.snapshot.marketplace_id)
    listing = line.listing
    city, state, postal = line.address
    zero = _money(Decimal(0), loc) if line.principal is not None else ""
    values = [
        line.status,
        "Amazon" if listing.is_afn else "Merchant",
        mp.name,
        "",
        "",
        line.ship_level,
        _cell(listing.title),
        _cell(listing.sku),
        listing.asin,
        line.item_status,
        str(line.quantity),
        listing.currency,
        _money(line.principal, loc),
        _money(line.tax, loc),
        _money(line.shipping, loc),
        _money(None if line.shipping is None else _tax(line.shipping, loc), loc),
        zero,
        zero,
        zero,
        zero,
        city,
        state,
        postal,
        mp.country,
        "",
        "true" if line.business else "false",
        "PO-2020-0417" if line.business else "",
        "BusinessPrice" if line.business else "",
    ]
    if context.report_type == ORDERS_BY_ORDER_DATE:
        values.append("false")
    return "\t".join(values) + "\n"


_MAX_ORDER_DELAY = 3 * 86400  # longest time from purchase to last update in the order pool


def _order_world(context: _Context, lines: Sequence[_OrderLine], *, by_update: bool) -> _World:
    """The seller's orders: one timeline of purchases shared by every orders and settlement
    report, so an order has the same id, time and content in all of them. ``by_update`` lists
    each order at its last update instead of its purchase."""
    rate = _hourly_rate(context.snapshot)
    purchases = functools.partial(_world_events, f"{context.salt}:orders", hourly_rate=rate)
    if not by_update:
        return purchases
    delays = [line.delay for line in lines]

    def derive(event: _Event) -> Iterable[_Event]:
        number, entry, moment = event
        return ((number, entry, moment + delays[entry]),)

    return functools.partial(_derived_events, purchases, lookback=_MAX_ORDER_DELAY, derive=derive)


def _order_prefix(context: _Context, entry: int) -> int:
    prefixes = context.loc.order_prefixes
    return prefixes[entry % len(prefixes)]


def _flat_orders_report(context: _Context, target_bytes: int | None) -> GeneratedReport:
    marketplace_id = context.snapshot.marketplace_id
    codec, content_type = _flat_charset(context.report_type, marketplace_id, context.loc)
    by_order_date = context.report_type == ORDERS_BY_ORDER_DATE
    header = ALL_ORDERS_BY_ORDER_DATE_HEADER if by_order_date else ALL_ORDERS_HEADER
    lines = _order_lines(context)
    # amazon-order-id (its two random groups), merchant-order-id, purchase and update dates
    pool = [
        (
            _template(
                f"{_order_prefix(context, entry):03d}-\x0007d-\x0007d\t\t{_ISO}\t{_ISO}\t"
                + _flat_order_tail(line, context),
                codec,
            ),
            line.delay,
        )
        for entry, line in enumerate(lines)
    ]
    id_salt = _hash_int(context.salt, "order-ids")
    end = context.window.end

    days, clock = _Days(), _clock()

    def render(events: list[_Event], first: int) -> list[bytes]:
        records = []
        for number, entry, moment in events:
            template, delay = pool[entry]
            if by_order_date:
                purchased, updated = moment, min(moment + delay, end)
            else:
                purchased, updated = moment - delay, moment
            order = (number * _ID_MULTIPLIER + id_salt) % _ID_SPACE
            records.append(
                template
                % (
                    order // 10**7,
                    order % 10**7,
                    days[purchased // 86400],
                    clock[purchased % 86400],
                    days[updated // 86400],
                    clock[updated % 86400],
                )
            )
        return records

    sample = (0, 0, _WIDE_DAY, _WIDE_TIME, _WIDE_DAY, _WIDE_TIME)
    lengths = [len(template % sample) for template, _ in pool]
    return _transaction_report(
        context,
        target_bytes,
        codec,
        content_type,
        _header_bytes(header),
        b"",
        lengths,
        render,
        world=_order_world(context, lines, by_update=not by_order_date),
    )


_BUYERS = ("Jane Doe", "John Smith", "Maria Garcia", "Wei Chen", "Anna Muller", "Kenji Sato")


def _flat_order_items_report(context: _Context, target_bytes: int | None) -> GeneratedReport:
    """The requested flat order report: one row per paid order item (pending and cancelled
    orders have no payment yet), listed at its purchase like the all-orders report by date."""
    marketplace_id = context.snapshot.marketplace_id
    codec, content_type = _flat_charset(context.report_type, marketplace_id, context.loc)
    loc = context.loc
    mp = marketplace(marketplace_id)
    lines = _order_lines(context)
    paid = [entry for entry, line in enumerate(lines) if line.principal is not None]
    pool: dict[int, bytes] = {}
    for entry in paid:
        line = lines[entry]
        listing = line.listing
        city, state, postal = line.address
        buyer = _BUYERS[entry % len(_BUYERS)]
        values = [
            _cell(listing.sku),
            _cell(listing.title),
            str(line.quantity),
            listing.currency,
            _money(line.principal, loc),
            _money(line.tax, loc),
            _money(line.shipping, loc),
            _money(None if line.shipping is None else _tax(line.shipping, loc), loc),
            line.ship_level,
            buyer,
            "",
            "",
            "",
            city,
            state,
            postal,
            mp.country,
            "",
            "",
            "",
            "",
            "",
        ]
        pool[entry] = _template(
            f"{_order_prefix(context, entry):03d}-\x0007d-\x0007d\t\x00014d\t{_ISO}\t{_ISO}\t"
            f"\x00014d@marketplace.amazon.com\t{buyer}\t\t" + "\t".join(values) + "\n",
            codec,
        )
    id_salt = _hash_int(context.salt, "order-ids")
    item_salt = _hash_int(context.salt, "order-items")
    buyer_salt = _hash_int(context.salt, "buyers")
    purchases = _order_world(context, lines, by_update=False)
    keep = set(paid)

    def world(window: _Window) -> Iterator[list[_Event]]:
        for batch in purchases(window):
            kept = [event for event in batch if event[1] in keep]
            if kept:
                yield kept

    days, clock = _Days(), _clock()

    def render(events: list[_Event], first: int) -> list[bytes]:
        records = []
        for number, entry, moment in events:
            order = _id14(number, id_salt)
            day, time = days[moment // 86400], clock[moment % 86400]
            records.append(
                pool[entry]
                % (
                    order // 10**7,
                    order % 10**7,
                    _id14(number, item_salt),
                    day,
                    time,
                    day,
                    time,
                    _id14(number, buyer_salt),
                )
            )
        return records

    sample = (0, 0, 0, _WIDE_DAY, _WIDE_TIME, _WIDE_DAY, _WIDE_TIME, 0)
    lengths = {entry: len(template % sample) for entry, template in pool.items()}
    planned = [paid[k % len(paid)] for k in range(_POOL_SIZE)] if paid else []
    return _transaction_report(
        context,
        target_bytes,
        codec,
        content_type,
        _header_bytes(FLAT_ORDERS_HEADER),
        b"",
        lengths,
        render,
        world=world,
        entries=planned if target_bytes is not None else None,
    )


def _transaction_report(
    context: _Context,
    target_bytes: int | None,
    codec: str,
    content_type: str,
    prologue: bytes,
    epilogue: bytes,
    lengths: list[int],
    render: _Render,
    extra: Callable[[int], int] = lambda count: 0,
    world: _World | None = None,
    entries: Sequence[int] | None = None,
) -> GeneratedReport:
    fixed = len(prologue) + len(epilogue)
    source = _event_source(
        context, target_bytes, fixed, lengths, extra, world=world, entries=entries
    )
    return GeneratedReport(
        context.report_type,
        content_type,
        codec,
        is_empty=source.is_empty(),
        _produce=lambda: _streamed(prologue, render, source.events(), epilogue),
    )


@dataclass(frozen=True)
class _Source:
    """The events a transaction report lists: from the timeline, or planned to reach a size."""

    window: _Window
    world: _World
    plan: _Plan | None = None
    count: int = 0
    # Pool entry that each planned entry stands for, when a report draws only on some entries.
    entries: Sequence[int] | None = None

    def events(self) -> Iterator[list[_Event]]:
        if self.window.end < self.window.start:
            return iter(())
        if self.plan is None:
            return self.world(self.window)
        planned = self.plan.events(self.count, self.window)
        entries = self.entries
        if entries is None:
            return planned
        return ([(number, entries[e], moment) for number, e, moment in batch] for batch in planned)

    def is_empty(self) -> bool:
        return next(self.events(), None) is None

    def total(self, values: Mapping[int, int] | Sequence[int]) -> int:
        """Sum of ``values[entry]`` over the events, without producing them if planned."""
        if self.plan is None:
            return sum(values[entry] for events in self.events() for _, entry, _ in events)
        entries = self.entries if self.entries is not None else range(_POOL_SIZE)
        return self.plan.sum([values[entry] for entry in entries], self.count)


def _event_source(
    context: _Context,
    target_bytes: int | None,
    fixed_bytes: int,
    lengths: Mapping[int, int] | Sequence[int],
    extra: Callable[[int], int] = lambda count: 0,
    *,
    world: _World | None = None,
    entries: Sequence[int] | None = None,
) -> _Source:
    """Where a report's events come from: ``world`` (by default a timeline of the report type's
    own), or with ``target_bytes`` a plan over the pool (over ``entries`` if given)."""
    salt = f"{context.salt}:{context.report_type}"
    if world is None:
        rate = _hourly_rate(context.snapshot)
        world = functools.partial(_world_events, salt, hourly_rate=rate)
    # An empty pool (no listing has a price) has nothing to report, on any timeline.
    window = context.window if lengths and entries != [] else _Window(1, 0)
    source = _Source(window, world, entries=entries)
    if target_bytes is None or window.end < window.start:
        return source
    plan = _Plan(salt)
    planned = [lengths[entry] for entry in (entries if entries is not None else range(_POOL_SIZE))]
    count = plan.count_for(target_bytes - fixed_bytes, planned, extra)
    return replace(source, plan=plan, count=count)


def _hash_int(*parts: object) -> int:
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


# ---------------------------------------------------------------------------------------------
# XML orders


def _xml_orders_report(context: _Context, target_bytes: int | None) -> GeneratedReport:
    loc = context.loc
    mp = marketplace(context.snapshot.marketplace_id)
    lines = _order_lines(context)
    by_order_date = context.report_type == XML_ORDERS_BY_ORDER_DATE
    prologue = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">\n'
        "  <Header>\n"
        "    <DocumentVersion>1.00</DocumentVersion>\n"
        f"    <MerchantIdentifier>{escape(context.snapshot.seller_id)}</MerchantIdentifier>\n"
        "  </Header>\n"
        "  <MessageType>AllOrdersReport</MessageType>\n"
    ).encode()
    epilogue = b"</AmazonEnvelope>\n"
    pool = [
        (_xml_order_template(line, _order_prefix(context, entry), mp, loc), line.delay)
        for entry, line in enumerate(lines)
    ]
    id_salt = _hash_int(context.salt, "order-ids")
    item_salt = _hash_int(context.salt, "order-items")
    end = context.window.end

    days, clock = _Days(), _clock()

    def render(events: list[_Event], first: int) -> list[bytes]:
        records = []
        for sequence, (number, entry, moment) in enumerate(events, start=first + 1):
            template, delay = pool[entry]
            if by_order_date:
                purchased, updated = moment, min(moment + delay, end)
            else:
                purchased, updated = moment - delay, moment
            order = (number * _ID_MULTIPLIER + id_salt) % _ID_SPACE
            records.append(
                template
                % (
                    sequence,
                    order // 10**7,
                    order % 10**7,
                    days[purchased // 86400],
                    clock[purchased % 86400],
                    days[updated // 86400],
                    clock[updated % 86400],
                    (number * _ID_MULTIPLIER + item_salt) % _ID_SPACE,
                )
            )
        return records

    # Measured with message id 0; _digits_upto then counts the digits of the real ones.
    sample = (0, 0, 0, _WIDE_DAY, _WIDE_TIME, _WIDE_DAY, _WIDE_TIME, 0)
    lengths = [len(template % sample) - 1 for template, _ in pool]
    return _transaction_report(
        context,
        target_bytes,
        "utf-8",
        _XML_CONTENT_TYPE,
        prologue,
        epilogue,
        lengths,
        render,
        extra=_digits_upto,
        world=_order_world(context, lines, by_update=not by_order_date),
    )


def _digits_upto(count: int) -> int:
    """Total digits of the numbers 1..count (the message ids of an XML report)."""
    total, low, width = 0, 1, 1
    while low <= count:
        high = min(count, low * 10 - 1)
        total += (high - low + 1) * width
        low, width = low * 10, width + 1
    return total


def _xml_order_template(line: _OrderLine, prefix: int, mp: Marketplace, loc: Locale) -> bytes:
    listing = line.listing
    city, state, postal = line.address
    currency = escape(listing.currency)

    def amount(kind: str, value: Decimal | None) -> str:
        if value is None:
            return ""
        return (
            f"          <Component><Type>{kind}</Type>"
            f'<Amount currency="{currency}">{_money(value, loc)}</Amount></Component>\n'
        )

    price = ""
    if line.principal is not None:
        price = (
            "        <ItemPrice>\n"
            + amount("Principal", line.principal)
            + amount("Tax", line.tax)
            + amount("Shipping", line.shipping)
            + "        </ItemPrice>\n"
        )
    text = (
        "  <Message>\n"
        "    <MessageID>\x00d</MessageID>\n"
        "    <Order>\n"
        f"      <AmazonOrderID>{prefix:03d}-\x0007d-\x0007d</AmazonOrderID>\n"
        f"      <PurchaseDate>{_ISO}</PurchaseDate>\n"
        f"      <LastUpdatedDate>{_ISO}</LastUpdatedDate>\n"
        f"      <OrderStatus>{line.status}</OrderStatus>\n"
        f"      <SalesChannel>{escape(mp.name)}</SalesChannel>\n"
        "      <FulfillmentData>\n"
        f"        <FulfillmentChannel>{'Amazon' if listing.is_afn else 'Merchant'}"
        "</FulfillmentChannel>\n"
        f"        <ShipServiceLevel>{line.ship_level}</ShipServiceLevel>\n"
        "        <Address>\n"
        f"          <City>{escape(city)}</City>\n"
        f"          <State>{escape(state)}</State>\n"
        f"          <PostalCode>{escape(postal)}</PostalCode>\n"
        f"          <Country>{mp.country}</Country>\n"
        "        </Address>\n"
        "      </FulfillmentData>\n"
        f"      <IsBusinessOrder>{'true' if line.business else 'false'}</IsBusinessOrder>\n"
        "      <OrderItem>\n"
        "        <AmazonOrderItemCode>\x00014d</AmazonOrderItemCode>\n"
        f"        <ASIN>{listing.asin}</ASIN>\n"
        f"        <SKU>{escape(listing.sku)}</SKU>\n"
        f"        <ItemStatus>{line.item_status}</ItemStatus>\n"
        f"        <ProductName>{escape(listing.title)}</ProductName>\n"
        f"        <Quantity>{line.quantity}</Quantity>\n"
        f"{price}"
        "      </OrderItem>\n"
        "    </Order>\n"
        "  </Message>\n"
    )
    return _template(text, "utf-8")


# ---------------------------------------------------------------------------------------------
# Settlements


@dataclass(frozen=True)
class _SettlementLine:
    amount_type: str  # V2 layout: ItemPrice, ItemFees, other-transaction
    description: str  # Principal, Commission, Subscription Fee, ...
    minor: int  # amount in minor units (cents; yen)


@dataclass(frozen=True)
class _SettlementEntry:
    transaction_type: str  # Order, Refund or a fee's name
    listing: Listing | None
    quantity: int
    lines: tuple[_SettlementLine, ...]
    order_entry: int = 0  # the order pool entry an Order or Refund settles

    @property
    def total(self) -> int:
        return sum(line.minor for line in self.lines)


# Settlement pool entries: the order pool entry e settles as entry e, its refund as
# _REFUNDS + e; account fees follow from _FEES on.
_REFUNDS = _POOL_SIZE
_FEES = 2 * _POOL_SIZE
_STORAGE_VARIANTS = 8  # a month's storage fee is one of these amounts
_MAX_REFUND_DELAY = 21 * 86400  # longest time from shipment to refund
_SUBSCRIPTION_DAY, _STORAGE_DAY = 1, 16  # days of the month the account fees are charged on


@dataclass(frozen=True)
class _Settlements:
    """What settlements are made of: the order pool's shipped orders, the refunds some of them
    get and the account's monthly fees, each with its lines and amounts."""

    entries: dict[int, _SettlementEntry]
    refund_delays: dict[int, int]  # order pool entry -> seconds from shipment to refund
    order_delays: tuple[int, ...]  # order pool entry -> seconds from purchase to shipment

    def world(self, context: _Context) -> _World:
        """Settlement events: a shipped order at its shipment (its last update in the orders
        reports), a refund some days later, the fees on their days of the month."""
        purchases = _order_world(context, (), by_update=False)
        entries, refunds, delays = self.entries, self.refund_delays, self.order_delays
        salt = context.salt

        def derive(event: _Event) -> Iterable[_Event]:
            number, entry, moment = event
            if entry not in entries:
                return ()
            shipped = moment + delays[entry]
            if entry not in refunds:
                return ((number, entry, shipped),)
            return ((number, entry, shipped), (number, _REFUNDS + entry, shipped + refunds[entry]))

        def events(window: _Window) -> Iterator[list[_Event]]:
            # A settlement period ends where the next begins: a moment on the boundary belongs
            # to the later one.
            inner = _Window(window.start, window.end - 1)
            lookback = _MAX_ORDER_DELAY + _MAX_REFUND_DELAY
            sales = _derived_events(purchases, inner, lookback, derive)
            return _merged(sales, _fee_events(salt, inner))

        return events

    def planned(self, salt: str) -> list[int]:
        """The entries a sized settlement cycles through: mostly orders, some refunds and fees."""
        rng = random.Random(f"{salt}:settlement-plan")
        orders = [entry for entry in self.entries if entry < _REFUNDS]
        refunds = [entry for entry in self.entries if _REFUNDS <= entry < _FEES] or orders
        fees = [entry for entry in self.entries if entry >= _FEES]
        planned = []
        for _ in range(_POOL_SIZE):
            roll = rng.random()
            kinds = orders if roll < 0.9 else refunds if roll < 0.99 else fees
            planned.append(rng.choice(kinds))
        return planned


def _fee_events(salt: str, window: _Window) -> Iterator[list[_Event]]:
    """The account's monthly fees inside the window: a subscription and a storage fee whose
    amount changes from month to month."""
    events = []
    for day in range(window.start // 86400, window.end // 86400 + 1):
        date = datetime.fromtimestamp(day * 86400, UTC)
        if date.day == _SUBSCRIPTION_DAY:
            events.append((day, _FEES, day * 86400 + 8 * _HOUR))
        elif date.day == _STORAGE_DAY:
            variant = _hash_int(salt, "storage", date.year, date.month) % _STORAGE_VARIANTS
            events.append((day, _FEES + 1 + variant, day * 86400 + 6 * _HOUR))
    inside = [event for event in events if window.start <= event[2] <= window.end]
    return iter([inside] if inside else [])


def _settlements(context: _Context) -> _Settlements:
    lines = _order_lines(context)
    if not lines:
        return _Settlements({}, {}, ())
    loc = context.loc
    unit = 10**loc.decimals
    rng = random.Random(f"{context.salt}:settlement")

    def minor(amount: Decimal | None) -> int:
        return int((amount or 0) * unit)

    def usd(low: int, high: int) -> int:
        # A fee quoted in US cents, in the marketplace's currency.
        return int(Decimal(rng.randrange(low, high)) * loc.price_factor * unit / 100)

    entries: dict[int, _SettlementEntry] = {}
    refund_delays: dict[int, int] = {}
    for entry, order in enumerate(lines):
        # Only shipped orders are paid out; their amounts are the orders reports' own.
        if order.status != "Shipped":
            continue
        listing, quantity = order.listing, order.quantity
        principal, tax, shipping = minor(order.principal), minor(order.tax), minor(order.shipping)
        shipping_tax = minor(_tax(Decimal(shipping).scaleb(-loc.decimals), loc))
        commission = max(principal * 15 // 100, usd(30, 31))
        sale = [_SettlementLine("ItemPrice", "Principal", principal)]
        if tax:
            sale.append(_SettlementLine("ItemPrice", "Tax", tax))
        if shipping:
            sale.append(_SettlementLine("ItemPrice", "Shipping", shipping))
        if shipping_tax:
            sale.append(_SettlementLine("ItemPrice", "ShippingTax", shipping_tax))
        sale.append(_SettlementLine("ItemFees", "Commission", -commission))
        if listing.is_afn:
            fee = usd(250, 500) * quantity
            sale.append(_SettlementLine("ItemFees", "FBAPerUnitFulfillmentFee", -fee))
        entries[entry] = _SettlementEntry("Order", listing, quantity, tuple(sale), entry)
        if rng.random() < 0.08:
            refund = [_SettlementLine("ItemPrice", "Principal", -principal)]
            if tax:
                refund.append(_SettlementLine("ItemPrice", "Tax", -tax))
            refund.append(_SettlementLine("ItemFees", "Commission", commission))
            refund.append(_SettlementLine("ItemFees", "RefundCommission", -(commission // 5)))
            entries[_REFUNDS + entry] = _SettlementEntry(
                "Refund", listing, quantity, tuple(refund), entry
            )
            refund_delays[entry] = rng.randrange(2 * 86400, _MAX_REFUND_DELAY)
    fees = [("Subscription Fee", usd(3999, 4000))]
    fees += [("Storage Fee", usd(100, 2000)) for _ in range(_STORAGE_VARIANTS)]
    for offset, (name, amount) in enumerate(fees):
        line = _SettlementLine("other-transaction", name, -amount)
        entries[_FEES + offset] = _SettlementEntry(name, None, 0, (line,))
    return _Settlements(entries, refund_delays, tuple(order.delay for order in lines))


def _settlement_id(context: _Context) -> str:
    # One settlement, one id: the flat, V2 and XML reports of a period share it.
    return f"{_hash_int(context.salt, 'settlement', context.window.start) % 10**11:011d}"


_DEPOSIT_DELAY = 2 * 86400  # from the end of a settlement period to the payout


def _settlement_source(
    context: _Context,
    settlements: _Settlements,
    target_bytes: int | None,
    fixed_bytes: int,
    lengths: Mapping[int, int],
) -> _Source:
    salt = f"{context.salt}:{context.report_type}"
    entries = settlements.planned(salt) if settlements.entries else []
    return _event_source(
        context,
        target_bytes,
        fixed_bytes,
        lengths,
        world=settlements.world(context),
        entries=entries if target_bytes is not None else None,
    )


class _SettlementIds:
    """The ids a settlement record shows, each derived from its order's number so that they
    agree with the orders reports: order id, adjustment id, shipment id, order item code."""

    def __init__(self, context: _Context) -> None:
        self._context = context
        self._orders = _hash_int(context.salt, "order-ids")
        self._items = _hash_int(context.salt, "order-items")
        self._adjustments = _hash_int(context.salt, "settlement-adjustments")

    def __call__(self, number: int, entry: _SettlementEntry) -> tuple[bytes, bytes, bytes, bytes]:
        shipment = _id14(number, self._orders)
        return (
            _order_id(_order_prefix(self._context, entry.order_entry), number, self._orders),
            b"%014d" % _id14(number, self._adjustments),
            b"%09x" % (shipment % _SHIPMENT_SPACE),
            b"%014d" % _id14(number, self._items),
        )


def _settlement_report(context: _Context, target_bytes: int | None) -> GeneratedReport:
    loc = context.loc
    mp = marketplace(context.snapshot.marketplace_id)
    v2 = context.report_type == SETTLEMENT_FLAT_V2
    header = SETTLEMENT_FLAT_V2_HEADER if v2 else SETTLEMENT_FLAT_HEADER
    codec, content_type = _flat_charset(context.report_type, mp.marketplace_id, loc)
    settlements = _settlements(context)
    entries = settlements.entries
    window = context.window
    settlement_id = _settlement_id(context)
    render_line = _settlement_v2_line if v2 else _settlement_flat_line
    templates = {
        key: _template(
            "".join(settlement_id + render_line(entry, line, mp.name, loc) for line in entry.lines),
            codec,
        )
        for key, entry in entries.items()
    }
    # Every line of a record takes the same values: order id, adjustment id, shipment id,
    # posted date and time (the date twice in V2, which shows it in two columns), item code.
    sample = (b"0" * 19, b"0" * 14, b"0" * 9, _WIDE_DAY, *((_WIDE_DAY,) if v2 else ()))
    sample += (_WIDE_TIME, b"0" * 14)
    lengths = {
        key: len(templates[key] % (sample * len(entry.lines))) for key, entry in entries.items()
    }
    totals = {key: entry.total for key, entry in entries.items()}
    header_bytes = _header_bytes(header)
    source = _settlement_source(context, settlements, target_bytes, len(header_bytes), lengths)
    ids = _SettlementIds(context)

    def summary() -> bytes:
        days, clock = _Days(), _clock()

        def stamp(moment: int) -> bytes:
            if v2:
                return days[moment // 86400] + b" " + clock[moment % 86400] + b" UTC"
            return _iso(days, moment)

        amount = _money(Decimal(source.total(totals)).scaleb(-loc.decimals), loc).encode()
        deposit = window.end + _DEPOSIT_DELAY
        values = [settlement_id.encode(), stamp(window.start), stamp(window.end), stamp(deposit)]
        values += [amount, mp.currency.encode()]
        return b"\t".join(values + [b""] * (len(header) - len(values))) + b"\n"

    days, clock = _Days(), _clock()

    def render(events: list[_Event], first: int) -> list[bytes]:
        records = []
        for number, key, moment in events:
            entry = entries[key]
            order, adjustment, shipment, item = ids(number, entry)
            day = days[moment // 86400]
            args = (
                order,
                adjustment,
                shipment,
                day,
                *((day,) if v2 else ()),
                clock[moment % 86400],
                item,
            )
            records.append(templates[key] % (args * len(entry.lines)))
        return records

    return GeneratedReport(
        context.report_type,
        content_type,
        codec,
        is_empty=source.is_empty(),
        _produce=lambda: _streamed(header_bytes + summary(), render, source.events()),
    )


_SHIPMENT_SPACE = 16**9  # shipment ids: nine hex digits


# "\0s" marks a value a settlement line shows and "\0.0s" one it consumes without showing (an
# order id on a fee line, say); both become % directives once the text is escaped.
_SHOW, _SKIP = "\x00s", "\x00.0s"


def _settlement_ids(entry: _SettlementEntry) -> tuple[str, str, str, str]:
    """(order id, adjustment id, shipment id, order item code) directives of an entry."""
    if entry.transaction_type == "Order":
        return _SHOW, _SKIP, _SHOW, _SHOW
    if entry.transaction_type == "Refund":
        return _SHOW, _SHOW, _SKIP, _SHOW
    return _SKIP, _SKIP, _SKIP, _SKIP


def _settlement_flat_line(
    entry: _SettlementEntry, line: _SettlementLine, channel: str, loc: Locale
) -> str:
    order, adjustment, shipment, item = _settlement_ids(entry)
    amount = _money(Decimal(line.minor).scaleb(-loc.decimals), loc)
    listing = entry.listing
    is_price = line.amount_type == "ItemPrice"
    is_fee = line.amount_type == "ItemFees"
    columns = [
        "",
        "",
        "",
        "",
        "",
        entry.transaction_type,
        order,
        "",
        adjustment,
        shipment,
        channel if listing else "",
        "",
        "",
        "",
        "",
        ("AFN" if listing.is_afn else "MFN") if listing else "",
        _ISO,
        item,
        "",
        "",
        _cell(listing.sku) if listing else "",
        str(entry.quantity) if listing else "",
        line.description if is_price else "",
        amount if is_price else "",
        line.description if is_fee else "",
        amount if is_fee else "",
        "",
        "",
        "",
        "",
        "",
        "" if listing else amount,
    ]
    return "\t" + "\t".join(columns) + "\n"


def _settlement_v2_line(
    entry: _SettlementEntry, line: _SettlementLine, channel: str, loc: Locale
) -> str:
    order, adjustment, shipment, item = _settlement_ids(entry)
    listing = entry.listing
    columns = [
        "",
        "",
        "",
        "",
        "",
        entry.transaction_type,
        order,
        "",
        adjustment,
        shipment,
        channel,
        line.amount_type,
        line.description,
        _money(Decimal(line.minor).scaleb(-loc.decimals), loc),
        ("AFN" if listing.is_afn else "MFN") if listing else "",
        _SHOW,
        _UTC,
        item,
        "",
        "",
        _cell(listing.sku) if listing else "",
        str(entry.quantity) if listing else "",
        "",
    ]
    return "\t" + "\t".join(columns) + "\n"


def _xml_settlement_report(context: _Context, target_bytes: int | None) -> GeneratedReport:
    """The XML settlement: the same settlement as the flat files of its period, as a
    SettlementReport message with one element per order, refund or other transaction."""
    loc = context.loc
    mp = marketplace(context.snapshot.marketplace_id)
    settlements = _settlements(context)
    entries = settlements.entries
    window = context.window
    settlement_id = _settlement_id(context)
    templates = {
        key: _template(_xml_settlement_record(entry, mp, loc), "utf-8")
        for key, entry in entries.items()
    }
    sample = (b"0" * 19, b"0" * 14, b"0" * 9, _WIDE_DAY, _WIDE_TIME, b"0" * 14)
    lengths = {key: len(template % sample) for key, template in templates.items()}
    totals = {key: entry.total for key, entry in entries.items()}
    currency = escape(mp.currency)
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">\n'
        "  <Header>\n"
        "    <DocumentVersion>1.01</DocumentVersion>\n"
        f"    <MerchantIdentifier>{escape(context.snapshot.seller_id)}</MerchantIdentifier>\n"
        "  </Header>\n"
        "  <MessageType>SettlementReport</MessageType>\n"
        "  <Message>\n"
        "    <MessageID>1</MessageID>\n"
        "    <SettlementReport>\n"
        "      <SettlementData>\n"
        f"        <AmazonSettlementID>{settlement_id}</AmazonSettlementID>\n"
    )
    epilogue = b"    </SettlementReport>\n  </Message>\n</AmazonEnvelope>\n"

    def settlement_data(amount: str) -> bytes:
        days = _Days()
        return (
            head.encode()
            + f'        <TotalAmount currency="{currency}">{amount}</TotalAmount>\n'.encode()
            + b"        <StartDate>" + _iso(days, window.start) + b"</StartDate>\n"
            + b"        <EndDate>" + _iso(days, window.end) + b"</EndDate>\n"
            + b"        <DepositDate>" + _iso(days, window.end + _DEPOSIT_DELAY)
            + b"</DepositDate>\n"
            + b"      </SettlementData>\n"
        )  # fmt: skip

    # The total is only known once the events are summed; sized without it, the body ends at
    # most a record and the total's few digits beyond the target.
    fixed = len(settlement_data("")) + len(epilogue)
    source = _settlement_source(context, settlements, target_bytes, fixed, lengths)
    ids = _SettlementIds(context)

    def prologue() -> bytes:
        return settlement_data(_money(Decimal(source.total(totals)).scaleb(-loc.decimals), loc))

    days, clock = _Days(), _clock()

    def render(events: list[_Event], first: int) -> list[bytes]:
        records = []
        for number, key, moment in events:
            order, adjustment, shipment, item = ids(number, entries[key])
            args = (order, adjustment, shipment, days[moment // 86400], clock[moment % 86400])
            records.append(templates[key] % (*args, item))
        return records

    return GeneratedReport(
        context.report_type,
        _XML_CONTENT_TYPE,
        "utf-8",
        is_empty=source.is_empty(),
        _produce=lambda: _streamed(prologue(), render, source.events(), epilogue),
    )


def _xml_settlement_record(entry: _SettlementEntry, mp: Marketplace, loc: Locale) -> str:
    """One Order, Refund or OtherTransaction element. Its placeholders take, in this order, the
    order id, adjustment id, shipment id, posted date and time and the order item code; the
    ones an element does not show are consumed unseen."""
    currency = escape(mp.currency)

    def amount(value: int) -> str:
        shown = _money(Decimal(value).scaleb(-loc.decimals), loc)
        return f'<Amount currency="{currency}">{shown}</Amount>'

    def group(tag: str, item: str, amount_type: str) -> str:
        parts = [
            f"              <{item}><Type>{line.description}</Type>{amount(line.minor)}</{item}>\n"
            for line in entry.lines
            if line.amount_type == amount_type
        ]
        if not parts:
            return ""
        return f"            <{tag}>\n" + "".join(parts) + f"            </{tag}>\n"

    listing = entry.listing
    if listing is None:
        (line,) = entry.lines
        return (
            f"{_SKIP}{_SKIP}{_SKIP}"
            "      <OtherTransaction>\n"
            f"        <TransactionType>{escape(line.description)}</TransactionType>\n"
            f"        <PostedDate>{_ISO}</PostedDate>\n"
            f"        {amount(line.minor)}\n"
            f"      </OtherTransaction>{_SKIP}\n"
        )
    channel = "AFN" if listing.is_afn else "MFN"
    if entry.transaction_type == "Order":
        return (
            "      <Order>\n"
            f"        <AmazonOrderID>{_SHOW}</AmazonOrderID>{_SKIP}\n"
            f"        <ShipmentID>{_SHOW}</ShipmentID>\n"
            f"        <MarketplaceName>{escape(mp.name)}</MarketplaceName>\n"
            "        <Fulfillment>\n"
            f"          <MerchantFulfillmentID>{channel}</MerchantFulfillmentID>\n"
            f"          <PostedDate>{_ISO}</PostedDate>\n"
            "          <Item>\n"
            f"            <AmazonOrderItemCode>{_SHOW}</AmazonOrderItemCode>\n"
            f"            <SKU>{escape(listing.sku)}</SKU>\n"
            f"            <Quantity>{entry.quantity}</Quantity>\n"
            + group("ItemPrice", "Component", "ItemPrice")
            + group("ItemFees", "Fee", "ItemFees")
            + "          </Item>\n"
            "        </Fulfillment>\n"
            "      </Order>\n"
        )
    return (
        "      <Refund>\n"
        f"        <AmazonOrderID>{_SHOW}</AmazonOrderID>\n"
        f"        <AdjustmentID>{_SHOW}</AdjustmentID>{_SKIP}\n"
        f"        <MarketplaceName>{escape(mp.name)}</MarketplaceName>\n"
        "        <Fulfillment>\n"
        f"          <MerchantFulfillmentID>{channel}</MerchantFulfillmentID>\n"
        f"          <PostedDate>{_ISO}</PostedDate>\n"
        "          <AdjustedItem>\n"
        f"            <AmazonOrderItemCode>{_SHOW}</AmazonOrderItemCode>\n"
        f"            <SKU>{escape(listing.sku)}</SKU>\n"
        f"            <Quantity>{entry.quantity}</Quantity>\n"
        + group("ItemPriceAdjustments", "Component", "ItemPrice")
        + group("ItemFeeAdjustments", "Fee", "ItemFees")
        + "          </AdjustedItem>\n"
        "        </Fulfillment>\n"
        "      </Refund>\n"
    )


# ---------------------------------------------------------------------------------------------
# Any other report type


def _generic_report(context: _Context, target_bytes: int | None) -> GeneratedReport:
    loc = context.loc
    codec, content_type = _flat_charset(context.report_type, context.snapshot.marketplace_id, loc)
    priced = _priced_sample(context)
    rng = random.Random(f"{context.salt}:{context.report_type}:generic")
    templates = []
    for _ in range(_POOL_SIZE if priced else 0):
        listing, price = rng.choice(priced)
        quantity = rng.randrange(1, 6)
        tail = (
            _cell(listing.sku),
            listing.asin,
            _cell(listing.title),
            str(quantity),
            listing.currency,
            _money(price * quantity, loc),
        )
        templates.append(_template(_ISO + "\t" + _tsv(tail), codec))

    days, clock = _Days(), _clock()

    def render(events: list[_Event], first: int) -> list[bytes]:
        return [
            templates[entry] % (days[moment // 86400], clock[moment % 86400])
            for _, entry, moment in events
        ]

    lengths = [len(template % (_WIDE_DAY, _WIDE_TIME)) for template in templates]
    return _transaction_report(
        context,
        target_bytes,
        codec,
        content_type,
        _header_bytes(GENERIC_HEADER),
        b"",
        lengths,
        render,
    )
