"""The one reader of stored reports: any report type into typed rows, streamed.

Plain Python (no Django), so ingest, preview, exports and the API read a report the same way
and the reader is tested without settings.

How a report is read:

* Charset: the one the GetReport Content-Type declared; when none is declared (or Python does
  not know it) the marketplace's (``fallback_charset``); a UTF-8 byte order mark wins over both.
  Bytes that do not decode become U+FFFD and the row is kept; a ``Problem`` with
  ``skipped=False`` records the line, because the likely cause is a wrong charset and the seller
  should hear of it, while dropping the row would lose its other values.
* Flat files are decoded incrementally (``io.TextIOWrapper`` over the binary stream), one line
  at a time, so a multi-gigabyte report reads with flat memory. Line 1 is the header; blank
  lines are skipped silently; every cell is stripped of surrounding blanks and an empty cell is
  ``None``. A row with fewer cells gets ``None`` for the missing trailing ones (real files drop
  empty trailing tabs); extra cells that are blank are ignored, extra cells with a value make
  the row a problem.
* Typed values come from a per-family table of column name -> ``ColumnType``; unknown columns
  and every column of the generic family are text. A cell that does not convert makes its row
  a ``Problem`` (skipped, recorded, counted); it never stops the rest.
* XML settlements and XML orders are read with a hardened, streaming parser (no DTD, no
  entities, no network; a DOCTYPE is refused) into rows keyed by the flat-file column names of
  the same report, so everything downstream is uniform. Other XML report types are download
  only (``NotTabular``).

Amounts (``Decimal``): ``1234.56``, ``-1234.56``, ``1,234.56`` (thousands commas) and the EU
forms ``1.234,56`` and ``12,34``. When a value has both separators the last one is the decimal
mark; a lone comma followed by one or two digits is a decimal comma (EU settlements), any other
comma groups thousands (``1,234`` is one thousand two hundred and thirty-four: JPY amounts have
no decimals, and MWS never wrote three decimals).

Dates (aware ``datetime``): ISO 8601 with an offset or ``Z``; ``2020-05-01 10:00:00 PST`` and
other abbreviations with a fixed offset (``_ZONES``); ``dd.mm.yyyy`` and ``dd/mm/yyyy`` (day
first, as EU settlements and UK listings write them), each with an optional time and zone; a
value without a zone is UTC, so a plain ``2020-05-01`` is midnight UTC.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, BinaryIO

from lxml import etree


class ColumnType(StrEnum):
    TEXT = "text"
    DECIMAL = "decimal"
    INT = "int"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Problem:
    """A row that could not be read as it stands: its 1-based physical line (header = 1).

    ``skipped`` is False for a row that was kept with replacement characters (bytes the charset
    could not decode); every other problem row is left out of the rows.
    """

    line: int
    reason: str
    skipped: bool = True


class NotTabular(ValueError):
    """A report type that has no row reader (browse tree, performance...): download only."""


class UnsafeXML(ValueError):
    """An XML report that declares a DOCTYPE (DTD or entities); MWS never sends one."""


# At most this many problems are kept, with line and reason; all of them are counted.
MAX_PROBLEMS = 1000

FAMILIES = ("settlement", "orders", "listings", "inventory", "returns", "reimbursements", "generic")

SETTLEMENT_FLAT = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_"
SETTLEMENT_FLAT_V2 = "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_"
SETTLEMENT_XML = "_GET_V2_SETTLEMENT_REPORT_DATA_XML_"
ORDERS_BY_ORDER_DATE = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_"
ORDERS_BY_LAST_UPDATE = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_"
XML_ORDERS_BY_ORDER_DATE = "_GET_XML_ALL_ORDERS_DATA_BY_ORDER_DATE_"
XML_ORDERS_BY_LAST_UPDATE = "_GET_XML_ALL_ORDERS_DATA_BY_LAST_UPDATE_"

_FAMILY_OF: dict[str, str] = {
    SETTLEMENT_FLAT: "settlement",
    SETTLEMENT_FLAT_V2: "settlement",
    SETTLEMENT_XML: "settlement",
    ORDERS_BY_ORDER_DATE: "orders",
    ORDERS_BY_LAST_UPDATE: "orders",
    "_GET_FLAT_FILE_ORDERS_DATA_": "orders",
    XML_ORDERS_BY_ORDER_DATE: "orders",
    XML_ORDERS_BY_LAST_UPDATE: "orders",
    "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_": "listings",
    "_GET_MERCHANT_LISTINGS_DATA_": "listings",
    "_GET_MERCHANT_LISTINGS_ALL_DATA_": "listings",
    "_GET_MERCHANT_LISTINGS_INACTIVE_DATA_": "listings",
    "_GET_MERCHANT_LISTINGS_DATA_LITE_": "listings",
    "_GET_MERCHANT_LISTINGS_DATA_LITER_": "listings",
    "_GET_MERCHANT_CANCELLED_LISTINGS_DATA_": "listings",
    "_GET_MERCHANT_LISTINGS_DEFECT_DATA_": "listings",
    "_GET_AFN_INVENTORY_DATA_": "inventory",
    "_GET_AFN_INVENTORY_DATA_BY_COUNTRY_": "inventory",
    "_GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA_": "inventory",
    "_GET_FBA_MYI_ALL_INVENTORY_DATA_": "inventory",
    "_GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA_": "returns",
    "_GET_FBA_REIMBURSEMENTS_DATA_": "reimbursements",
}

# XML report types that have a row reader; every other XML type is download only.
_XML_TYPES = frozenset({SETTLEMENT_XML, XML_ORDERS_BY_ORDER_DATE, XML_ORDERS_BY_LAST_UPDATE})
# Types whose body is XML although their name does not say so (reference 2.16).
_OTHER_XML_TYPES = frozenset({"_GET_ORDERS_DATA_", "_GET_V1_SELLER_PERFORMANCE_REPORT_"})


def family_of(report_type: str) -> str:
    """The family a report type is read as; ``"generic"`` for any type without its own table."""
    return _FAMILY_OF.get(report_type, "generic")


def _is_xml_type(report_type: str) -> bool:
    return "_XML_" in report_type or report_type in _OTHER_XML_TYPES


# ---------------------------------------------------------------------------------------------
# Column types, per family, as data. Keys are normalized (_column_key): lower case, with
# blanks and underscores as hyphens, so "Quantity Available" and "quantity-available" agree.

_D, _I, _T = ColumnType.DECIMAL, ColumnType.INT, ColumnType.DATETIME

_SETTLEMENT_TYPES: dict[str, ColumnType] = {
    "settlement-start-date": _T,
    "settlement-end-date": _T,
    "deposit-date": _T,
    "posted-date": _T,
    "posted-date-time": _T,
    "total-amount": _D,
    "shipment-fee-amount": _D,
    "order-fee-amount": _D,
    "price-amount": _D,
    "item-related-fee-amount": _D,
    "misc-fee-amount": _D,
    "other-fee-amount": _D,
    "promotion-amount": _D,
    "direct-payment-amount": _D,
    "other-amount": _D,
    "amount": _D,
    "quantity-purchased": _I,
}

_ORDER_TYPES: dict[str, ColumnType] = {
    "purchase-date": _T,
    "last-updated-date": _T,
    "payments-date": _T,
    "delivery-start-date": _T,
    "delivery-end-date": _T,
    "earliest-ship-date": _T,
    "latest-ship-date": _T,
    "earliest-delivery-date": _T,
    "latest-delivery-date": _T,
    "quantity": _I,
    "quantity-purchased": _I,
    "quantity-shipped": _I,
    "quantity-to-ship": _I,
    "item-price": _D,
    "item-tax": _D,
    "shipping-price": _D,
    "shipping-tax": _D,
    "gift-wrap-price": _D,
    "gift-wrap-tax": _D,
    "item-promotion-discount": _D,
    "ship-promotion-discount": _D,
}

_LISTING_TYPES: dict[str, ColumnType] = {
    "price": _D,
    "zshop-shipping-fee": _D,
    "business-price": _D,
    **{f"quantity-price-{n}": _D for n in range(1, 6)},
    **{f"progressive-price-{n}": _D for n in range(1, 4)},
    "quantity": _I,
    "pending-quantity": _I,
    **{f"quantity-lower-bound-{n}": _I for n in range(1, 6)},
    **{f"progressive-lower-bound-{n}": _I for n in range(1, 4)},
    "open-date": _T,
}

_INVENTORY_TYPES: dict[str, ColumnType] = {
    "quantity-available": _I,
    "quantity-for-local-fulfillment": _I,
    "your-price": _D,
    "per-unit-volume": _D,
    **{
        f"{name}-quantity": _I
        for name in (
            "mfn-fulfillable",
            "afn-warehouse",
            "afn-fulfillable",
            "afn-unsellable",
            "afn-reserved",
            "afn-total",
            "afn-inbound-working",
            "afn-inbound-shipped",
            "afn-inbound-receiving",
            "afn-researching",
        )
    },
    "afn-reserved-future-supply": _I,
    "afn-future-supply-buyable": _I,
}

_RETURN_TYPES: dict[str, ColumnType] = {"return-date": _T, "quantity": _I}

_REIMBURSEMENT_TYPES: dict[str, ColumnType] = {
    "approval-date": _T,
    "amount-per-unit": _D,
    "amount-total": _D,
    "quantity-reimbursed-cash": _I,
    "quantity-reimbursed-inventory": _I,
    "quantity-reimbursed-total": _I,
}

COLUMN_TYPES: dict[str, dict[str, ColumnType]] = {
    "settlement": _SETTLEMENT_TYPES,
    "orders": _ORDER_TYPES,
    "listings": _LISTING_TYPES,
    "inventory": _INVENTORY_TYPES,
    "returns": _RETURN_TYPES,
    "reimbursements": _REIMBURSEMENT_TYPES,
    "generic": {},
}


def _column_key(name: str) -> str:
    return name.strip().lower().replace(" ", "-").replace("_", "-")


# ---------------------------------------------------------------------------------------------
# Charsets

# Labels MWS put in Content-Type, as Python must read them. Amazon's Shift_JIS is Microsoft's
# (Windows-31J: NEC and IBM extensions), and a Latin-1 label meant Windows-1252, as browsers
# read it too: the two differ only in 0x80-0x9F, where Windows-1252 has the euro sign and quotes.
_CHARSET_ALIASES = {
    "windows-31j": "cp932",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}

JP_MARKETPLACE = "A1VC38T7YXB528"
# Where Amazon wrote flat files in UTF-8 without saying so (reference 2.11): Singapore declared
# UTF-8 and Australia sent unlabelled UTF-8 (both on the Far East host, 2020); China was never
# observed, and UTF-8 is the only one of the three charsets that can carry Chinese text. The
# sandbox (reportgen._flat_charset, catalogue.LOCALES) writes the same.
UTF8_MARKETPLACES = frozenset({"A39IBJ37TRP1C6", "A19VAU5U5O7RUS", "AAHKV2X7AFYLW"})


def python_encoding(charset: str | None) -> str | None:
    """The Python codec for a declared charset; None when it is missing or Python does not
    know it (the caller then falls back to the marketplace's)."""
    if not charset or not charset.strip():
        return None
    label = charset.strip().strip('"').lower()
    try:
        return codecs.lookup(_CHARSET_ALIASES.get(label, label)).name
    except LookupError:
        return None


def fallback_charset(marketplace_id: str | None) -> str:
    """The codec of a flat file that declares no charset, by the marketplace it is from."""
    if marketplace_id == JP_MARKETPLACE:
        return "cp932"
    if marketplace_id in UTF8_MARKETPLACES:
        return "utf-8"
    return "cp1252"


def choose_encoding(head: bytes, charset: str | None, marketplace_id: str | None) -> str:
    """The codec for a body beginning with ``head``: BOM, else declared, else marketplace's.

    A body that starts with a UTF-8 byte order mark is UTF-8 whatever was declared; the mark
    itself is not part of the text (callers skip ``len(codecs.BOM_UTF8)`` bytes).
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    return python_encoding(charset) or fallback_charset(marketplace_id)


# ---------------------------------------------------------------------------------------------
# Cell converters: each takes a stripped, non-empty string and raises ValueError with the
# reason a user reads ("'12,3x' is not an amount"). Digits are ASCII digits only.

_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII).fullmatch
_US_NUMBER = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", re.ASCII).fullmatch
_EU_NUMBER = re.compile(r"[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?", re.ASCII).fullmatch
_EU_DECIMAL = re.compile(r"[-+]?\d+,\d{1,2}", re.ASCII).fullmatch


def to_decimal(text: str) -> Decimal:
    if _PLAIN_NUMBER(text):
        return Decimal(text)
    if _US_NUMBER(text):
        return Decimal(text.replace(",", ""))
    if _EU_NUMBER(text):
        return Decimal(text.replace(".", "").replace(",", "."))
    if _EU_DECIMAL(text):
        return Decimal(text.replace(",", "."))
    raise ValueError(f"{text!r} is not an amount")


_PLAIN_INT = re.compile(r"[-+]?\d+", re.ASCII).fullmatch
_GROUPED_INT = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+", re.ASCII).fullmatch


def to_int(text: str) -> int:
    if _PLAIN_INT(text):
        return int(text)
    if _GROUPED_INT(text):
        return int(text.replace(",", ""))
    raise ValueError(f"{text!r} is not a whole number")


def _zone(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


# Zone abbreviations MWS wrote (or that the marketplaces' clocks use), with their fixed offsets.
# Where an abbreviation names two zones, the one of a marketplace wins: AST is Arabia (SA, AE),
# IST is India, CST is North America's Central (MX).
_ZONES: dict[str, timezone] = {
    "UTC": UTC,
    "GMT": UTC,
    "Z": UTC,
    "WET": UTC,
    "WEST": _zone(1),
    "BST": _zone(1),
    "CET": _zone(1),
    "MEZ": _zone(1),
    "CEST": _zone(2),
    "MESZ": _zone(2),
    "EET": _zone(2),
    "EEST": _zone(3),
    "TRT": _zone(3),
    "AST": _zone(3),
    "GST": _zone(4),
    "IST": _zone(5.5),
    "SGT": _zone(8),
    "CST": _zone(-6),
    "CDT": _zone(-5),
    "JST": _zone(9),
    "AEST": _zone(10),
    "AEDT": _zone(11),
    "PST": _zone(-8),
    "PDT": _zone(-7),
    "MST": _zone(-7),
    "MDT": _zone(-6),
    "EST": _zone(-5),
    "EDT": _zone(-4),
    "BRT": _zone(-3),
}

_DAY_FIRST = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def to_datetime(text: str) -> datetime:
    zone: timezone | None = None
    body = text
    # "2020-05-01 10:00:00 PST": a trailing zone abbreviation with a fixed offset.
    head, _, tail = text.rpartition(" ")
    if head and tail.isalpha():
        zone = _ZONES.get(tail.upper())
        if zone is None:
            raise ValueError(f"{text!r} is not a date: unknown time zone {tail!r}")
        body = head
    elif head and tail[:1] in ("+", "-"):
        # "2020-05-01 10:00:00 +0900": an offset set apart by a blank.
        body = head + tail
    try:
        moment = datetime.fromisoformat(body)
    except ValueError:
        moment = _day_first(body, text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone or UTC)
    if zone is not None:
        raise ValueError(f"{text!r} is not a date: it has both an offset and a time zone")
    return moment


def _day_first(body: str, text: str) -> datetime:
    match = _DAY_FIRST.fullmatch(body)
    if match is None:
        raise ValueError(f"{text!r} is not a date")
    day, month, year, hour, minute, second = match.groups()
    try:
        return datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError:
        raise ValueError(f"{text!r} is not a date") from None


_CONVERTERS: dict[ColumnType, Callable[[str], object]] = {
    ColumnType.DECIMAL: to_decimal,
    ColumnType.INT: to_int,
    ColumnType.DATETIME: to_datetime,
}


# ---------------------------------------------------------------------------------------------
# The reading


# Converted values remembered per column (a bounded dict: values are immutable, so shared).
_CACHE_SIZE = 4096


class ReportReading:
    """One pass over a report's rows: iterate it (or ``numbered()``) once.

    ``problems`` and ``problem_count`` fill while the rows are iterated.
    """

    def __init__(
        self,
        report_type: str,
        columns: list[str],
        encoding: str,
        rows: Callable[[ReportReading], Iterator[tuple[int, dict[str, object]]]],
        *,
        xml: bool = False,
    ) -> None:
        self.report_type = report_type
        # XML readings give each row the line its element starts on: several rows (the items
        # of one order, the amounts of one settlement line) can share one.
        self.xml = xml
        self.family = family_of(report_type)
        self.columns = columns
        table = COLUMN_TYPES[self.family]
        self.column_types: dict[str, ColumnType] = {
            name: table.get(_column_key(name), ColumnType.TEXT) for name in columns
        }
        self.encoding = encoding
        self.problems: list[Problem] = []
        self.problem_count = 0
        self.skipped_count = 0
        self.row_count = 0
        # (index, converter, column name, cache) of every typed column: text cells need no
        # call, and the same few prices, quantities and dates recur all through a report.
        self._typed: list[tuple[int, Callable[[str], object], str, dict[str, object]]] = [
            (index, _CONVERTERS[self.column_types[name]], name, {})
            for index, name in enumerate(columns)
            if self.column_types[name] is not ColumnType.TEXT
        ]
        self._rows = rows
        self._started = False

    def __iter__(self) -> Iterator[dict[str, object]]:
        for _, row in self.numbered():
            yield row

    def numbered(self) -> Iterator[tuple[int, dict[str, object]]]:
        """(physical line number, row) for every row that could be read."""
        if self._started:
            raise RuntimeError("a report reading is one pass over its stream; read it again")
        self._started = True
        for line, row in self._rows(self):
            self.row_count += 1
            yield line, row

    def _problem(self, line: int, reason: str, *, skipped: bool = True) -> None:
        self.problem_count += 1
        if skipped:
            self.skipped_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(line, reason, skipped))

    def _typed_row(self, values: list[object], line: int) -> dict[str, object] | None:
        """The row from its stripped cells (None for empty), typed in place; None if it is a
        problem."""
        for index, convert, name, cache in self._typed:
            text = values[index]
            if text is None:
                continue
            value = cache.get(text)
            if value is None:
                try:
                    value = convert(text)
                except (ValueError, InvalidOperation) as exc:
                    self._problem(line, f"line {line}: column {name}: {exc}")
                    return None
                if len(cache) < _CACHE_SIZE:
                    cache[text] = value
            values[index] = value
        return dict(zip(self.columns, values, strict=True))


def read_report(
    report_type: str,
    source: BinaryIO,
    *,
    charset: str | None = None,
    marketplace_id: str | None = None,
) -> ReportReading:
    """A reading of the report in ``source`` (a binary stream, read once, never whole).

    ``charset`` is what the GetReport Content-Type declared (``Report.charset``) and
    ``marketplace_id`` the marketplace the report is from, for reports that declare none.
    Raises ``NotTabular`` for XML types without a row reader and ``UnsafeXML`` for an XML
    report that declares a DOCTYPE.
    """
    head = _read_head(source)
    stream = _Prefixed(head, source)
    if report_type in _XML_TYPES:
        return _xml_reading(report_type, head, stream)
    if _is_xml_type(report_type) or _looks_like_xml(head):
        raise NotTabular(
            f"{report_type} is an XML report without a row reader; it can only be downloaded"
        )
    if _looks_like_json(head):
        raise NotTabular(f"{report_type} is a JSON document, not rows; it can only be downloaded")
    return _flat_reading(report_type, head, stream, charset, marketplace_id)


_HEAD_BYTES = 64 * 1024


def _read_head(source: BinaryIO) -> bytes:
    parts: list[bytes] = []
    size = 0
    while size < _HEAD_BYTES:
        part = source.read(_HEAD_BYTES - size)
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


def _looks_like_xml(head: bytes) -> bool:
    return head.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"<?xml")


def _looks_like_json(head: bytes) -> bool:
    # A tab-separated report starts with its header line, never with a brace or bracket.
    return head.removeprefix(codecs.BOM_UTF8).lstrip()[:1] in (b"{", b"[")


class _Prefixed(io.RawIOBase):
    """``head`` (already read from ``rest``), then the rest of ``rest``: a stream read once."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            count = min(len(buffer), len(self._head))
            buffer[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


_REPLACEMENT = "\ufffd"


def _flat_reading(
    report_type: str,
    head: bytes,
    stream: _Prefixed,
    charset: str | None,
    marketplace_id: str | None,
) -> ReportReading:
    encoding = choose_encoding(head, charset, marketplace_id)
    if head.startswith(codecs.BOM_UTF8):
        stream.read(len(codecs.BOM_UTF8))
    # Universal newlines: CRLF and lone CR end a line like LF does.
    text = io.TextIOWrapper(
        io.BufferedReader(stream, buffer_size=_HEAD_BYTES),
        encoding=encoding,
        errors="replace",
        newline=None,
    )
    header_line = text.readline()
    columns = [name.strip() for name in header_line.rstrip("\n").split("\t")]
    if columns == [""]:
        columns = []
    header_replaced = _REPLACEMENT in header_line

    def rows(reading: ReportReading) -> Iterator[tuple[int, dict[str, object]]]:
        if header_replaced:
            reading._problem(1, _replaced(1, encoding), skipped=False)
        width = len(columns)
        padding: list[object] = [None] * width
        for number, line in enumerate(text, start=2):
            if line.isspace():
                continue
            cells = line.rstrip("\n").split("\t")
            values: list[object] = [cell.strip() or None for cell in cells]
            if len(values) != width:
                if len(values) < width:
                    values += padding[len(values) :]
                elif any(values[width:]):
                    reading._problem(
                        number,
                        f"line {number}: {len(values)} cells for {width} columns",
                    )
                    continue
                else:
                    del values[width:]
            if _REPLACEMENT in line:
                reading._problem(number, _replaced(number, encoding), skipped=False)
            row = reading._typed_row(values, number)
            if row is not None:
                yield number, row

    return ReportReading(report_type, columns, encoding, rows)


def _replaced(line: int, encoding: str) -> str:
    return f"line {line}: bytes that are not {encoding} were replaced by U+FFFD (wrong charset?)"


# ---------------------------------------------------------------------------------------------
# XML: settlements and all-orders reports, streamed into rows keyed by flat-file column names.

SETTLEMENT_V2_COLUMNS = [
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
    "total-amount", "currency", "transaction-type", "order-id", "merchant-order-id",
    "adjustment-id", "shipment-id", "marketplace-name", "amount-type", "amount-description",
    "amount", "fulfillment-id", "posted-date", "posted-date-time", "order-item-code",
    "merchant-order-item-id", "merchant-adjustment-item-id", "sku", "quantity-purchased",
    "promotion-id",
]  # fmt: skip
ALL_ORDERS_COLUMNS = [
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "url", "ship-service-level",
    "product-name", "sku", "asin", "item-status", "quantity", "currency", "item-price",
    "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price", "gift-wrap-tax",
    "item-promotion-discount", "ship-promotion-discount", "ship-city", "ship-state",
    "ship-postal-code", "ship-country", "promotion-ids", "is-business-order",
    "purchase-order-number", "price-designation",
]  # fmt: skip

DOCTYPE_REFUSED = (
    "the XML report declares a DOCTYPE (DTD or entities); refused, MWS never sends one"
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")


def _xml_reading(report_type: str, head: bytes, stream: _Prefixed) -> ReportReading:
    # A DOCTYPE can only come before the root element, so the head shows it; the parser
    # below checks the parsed document again.
    if b"<!DOCTYPE" in head:
        raise UnsafeXML(DOCTYPE_REFUSED)
    declared = _XML_ENCODING.match(head)
    encoding = (python_encoding(declared.group(1).decode()) if declared else None) or "utf-8"
    # Settlement sections are told apart by their place (children of SettlementReport), so
    # every element is looked at; an orders report needs only its Order elements.
    tag: str | None
    if report_type == SETTLEMENT_XML:
        columns, records, tag = SETTLEMENT_V2_COLUMNS, _settlement_records, None
    else:
        columns = list(ALL_ORDERS_COLUMNS)
        if report_type == XML_ORDERS_BY_ORDER_DATE:
            columns.append("is-sold-by-ab")
        records, tag = _order_records, "{*}Order"

    def rows(reading: ReportReading) -> Iterator[tuple[int, dict[str, object]]]:
        for line, record in _xml_records(stream, records, tag, reading):
            values: list[object] = [_xml_value(record.get(name)) for name in columns]
            row = reading._typed_row(values, line)
            if row is not None:
                yield line, row

    return ReportReading(report_type, columns, encoding, rows, xml=True)


def _xml_value(text: str | None) -> str | None:
    if text is None:
        return None
    return text.strip() or None


_Record = dict[str, str | None]
# Turns one finished element into its rows; returns None if the element is not a record.
_Records = Callable[[etree._Element], list[_Record] | None]


def _local(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _xml_records(
    stream: _Prefixed, records: _Records, tag: str | None, reading: ReportReading
) -> Iterator[tuple[int, _Record]]:
    parser = etree.iterparse(
        stream,
        events=("end",),
        tag=tag,
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    checked = False
    try:
        for _, element in parser:
            if not checked:
                # By the first element's end the prolog, DOCTYPE included, has been parsed;
                # no row has been given out yet.
                checked = True
                _refuse_doctype(element)
            found = records(element)
            if found is None:
                continue
            line = element.sourceline or 0
            for record in found:
                yield line, record
            # Flat memory: the element, and everything before it on its path, is done with.
            element.clear()
            node = element
            while (parent := node.getparent()) is not None:
                while node.getprevious() is not None:
                    del parent[0]
                node = parent
        if not checked and parser.root is not None:
            # No element matched the tag filter; the document is still refused, not empty.
            _refuse_doctype(parser.root)
    except etree.XMLSyntaxError as exc:
        # The parser cannot go on after a syntax error; the rows before it are kept.
        line = exc.lineno or 0
        reading._problem(line, f"line {line}: the XML is not well-formed, reading stopped: {exc}")


def _refuse_doctype(element: etree._Element) -> None:
    docinfo = element.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXML(DOCTYPE_REFUSED)


def _child(element: etree._Element, *path: str) -> etree._Element | None:
    for name in path:
        for child in element:
            if _local(child) == name:
                element = child
                break
        else:
            return None
    return element


def _text(element: etree._Element | None, *path: str) -> str | None:
    found = _child(element, *path) if element is not None else None
    return found.text if found is not None else None


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if _local(child) == name]


# Settlement XML sections that hold amounts, and the V2 amount-type their amounts belong to.
_SETTLEMENT_AMOUNT_TYPES = {
    "ItemPrice": "ItemPrice",
    "ItemPriceAdjustments": "ItemPrice",
    "ItemFees": "ItemFees",
    "ItemFeeAdjustments": "ItemFees",
    "Promotion": "Promotion",
    "PromotionAdjustment": "Promotion",
    "ShipmentFees": "ShipmentFees",
    "ShipmentFeeAdjustments": "ShipmentFees",
    "OrderFees": "OrderFees",
    "OrderFeeAdjustments": "OrderFees",
    "ItemWithheldTax": "ItemWithheldTax",
}
_SETTLEMENT_SECTIONS = frozenset({"SettlementData", "Order", "Refund", "OtherTransaction"})


def _settlement_records(element: etree._Element) -> list[_Record] | None:
    parent = element.getparent()
    if parent is None or _local(parent) != "SettlementReport":
        return None
    name = _local(element)
    if name == "SettlementData":
        total = _child(element, "TotalAmount")
        return [
            {
                "settlement-id": _text(element, "AmazonSettlementID"),
                "settlement-start-date": _text(element, "StartDate"),
                "settlement-end-date": _text(element, "EndDate"),
                "deposit-date": _text(element, "DepositDate"),
                "total-amount": total.text if total is not None else None,
                "currency": total.get("currency") if total is not None else None,
            }
        ]
    if name in ("Order", "Refund"):
        return _settlement_order_records(element, "Order" if name == "Order" else "Refund")
    return _settlement_other_records(element, name)


def _settlement_order_records(element: etree._Element, transaction_type: str) -> list[_Record]:
    base: _Record = {
        "transaction-type": transaction_type,
        "order-id": _text(element, "AmazonOrderID"),
        "merchant-order-id": _text(element, "MerchantOrderID"),
        "adjustment-id": _text(element, "AdjustmentID"),
        "shipment-id": _text(element, "ShipmentID"),
        "marketplace-name": _text(element, "MarketplaceName"),
    }
    records: list[_Record] = []
    for section in element:
        records += _amount_records(section, base)
    for fulfillment in _children(element, "Fulfillment"):
        posted = _text(fulfillment, "PostedDate")
        shared = base | {
            "fulfillment-id": _text(fulfillment, "MerchantFulfillmentID"),
            "posted-date": posted,
            "posted-date-time": posted,
        }
        for item in fulfillment:
            if _local(item) not in ("Item", "AdjustedItem"):
                records += _amount_records(item, shared)
                continue
            item_values = shared | {
                "order-item-code": _text(item, "AmazonOrderItemCode"),
                "merchant-order-item-id": _text(item, "MerchantOrderItemID"),
                "merchant-adjustment-item-id": _text(item, "MerchantAdjustmentItemID"),
                "sku": _text(item, "SKU"),
                "quantity-purchased": _text(item, "Quantity"),
            }
            for section in item:
                records += _amount_records(section, item_values)
    return records


def _amount_records(section: etree._Element, values: _Record) -> list[_Record]:
    """The amounts of one section (ItemPrice, ItemFees, Promotion...): one record each."""
    amount_type = _SETTLEMENT_AMOUNT_TYPES.get(_local(section))
    if amount_type is None:
        return []
    records = []
    entries = [section] if amount_type == "Promotion" else list(section)
    for entry in entries:
        amount = _child(entry, "Amount")
        if amount is None:
            continue
        records.append(
            values
            | {
                "amount-type": amount_type,
                "amount-description": _text(entry, "Type"),
                "amount": amount.text,
                "currency": amount.get("currency"),
                "promotion-id": _text(entry, "MerchantPromotionID"),
            }
        )
    return records


def _settlement_other_records(element: etree._Element, name: str) -> list[_Record]:
    """OtherTransaction and any other section with an amount (advertising, deal payments)."""
    description = _text(element, "TransactionType") or name
    amount = None
    for candidate in ("Amount", "TransactionAmount", "TotalAmount"):
        amount = _child(element, candidate)
        if amount is not None:
            break
    if amount is None:
        return []
    posted = _text(element, "PostedDate")
    return [
        {
            "transaction-type": description,
            "order-id": _text(element, "AmazonOrderID"),
            "shipment-id": _text(element, "ShipmentID"),
            "amount-type": "other-transaction",
            "amount-description": description,
            "amount": amount.text,
            "currency": amount.get("currency"),
            "posted-date": posted,
            "posted-date-time": posted,
        }
    ]


# XML order item amounts: ItemPrice component type -> flat-file column.
_ORDER_COMPONENTS = {
    "Principal": "item-price",
    "Tax": "item-tax",
    "Shipping": "shipping-price",
    "ShippingTax": "shipping-tax",
    "GiftWrap": "gift-wrap-price",
    "GiftWrapTax": "gift-wrap-tax",
}


def _leaves(element: etree._Element | None) -> dict[str, str | None]:
    """Local name -> text of an element's children, the first of each name winning."""
    if element is None:
        return {}
    return {_local(child): child.text for child in reversed(element)}


def _order_records(element: etree._Element) -> list[_Record] | None:
    if _local(element) != "Order":
        return None
    # One pass over each element's children, then lookups: an orders report has millions.
    top = _leaves(element)
    fulfillment = _child(element, "FulfillmentData")
    shipping = _leaves(fulfillment)
    address = _leaves(_child(fulfillment, "Address") if fulfillment is not None else None)
    order: _Record = {
        "amazon-order-id": top.get("AmazonOrderID"),
        "merchant-order-id": top.get("MerchantOrderID"),
        "purchase-date": top.get("PurchaseDate"),
        "last-updated-date": top.get("LastUpdatedDate"),
        "order-status": top.get("OrderStatus"),
        "sales-channel": top.get("SalesChannel"),
        "order-channel": top.get("OrderChannel"),
        "url": top.get("URL"),
        "fulfillment-channel": shipping.get("FulfillmentChannel"),
        "ship-service-level": shipping.get("ShipServiceLevel"),
        "ship-city": address.get("City"),
        "ship-state": address.get("State"),
        "ship-postal-code": address.get("PostalCode"),
        "ship-country": address.get("Country"),
        "is-business-order": top.get("IsBusinessOrder"),
        "purchase-order-number": top.get("PurchaseOrderNumber"),
        "price-designation": top.get("PriceDesignation"),
        "is-sold-by-ab": top.get("IsSoldByAB"),
    }
    items = _children(element, "OrderItem")
    if not items:
        # An order without items is still an order; it is not lost.
        return [order]
    records = []
    for item in items:
        fields = _leaves(item)
        record = order | {
            "product-name": fields.get("ProductName"),
            "sku": fields.get("SKU"),
            "asin": fields.get("ASIN"),
            "item-status": fields.get("ItemStatus"),
            "quantity": fields.get("Quantity"),
        }
        price = _child(item, "ItemPrice")
        for component in _children(price, "Component") if price is not None else []:
            column = _ORDER_COMPONENTS.get(_text(component, "Type") or "")
            amount = _child(component, "Amount")
            if column and amount is not None:
                record[column] = amount.text
                record["currency"] = record.get("currency") or amount.get("currency")
        promotions = _children(item, "Promotion")
        if promotions:
            record["item-promotion-discount"] = _sum_texts(promotions, "ItemPromotionDiscount")
            record["ship-promotion-discount"] = _sum_texts(promotions, "ShipPromotionDiscount")
            ids = [_text(p, "PromotionIDs") for p in promotions]
            record["promotion-ids"] = ",".join(i.strip() for i in ids if i and i.strip()) or None
        records.append(record)
    return records


def _sum_texts(elements: list[etree._Element], name: str) -> str | None:
    texts = [t.strip() for t in (_text(element, name) for element in elements) if t and t.strip()]
    try:
        values = [to_decimal(text) for text in texts]
    except ValueError:
        # Left as written: the column's converter then makes the row a problem, naming it.
        return " ".join(texts)
    return str(sum(values, Decimal(0))) if values else None


# ---------------------------------------------------------------------------------------------
# Settlements

PRICE, FEE, PROMOTION, OTHER = "price", "fee", "promotion", "other"
SETTLEMENT_CATEGORIES = (PRICE, FEE, PROMOTION, OTHER)

# V2 amount-type -> category, as an accountant groups them. Subscription and storage fees come
# as "other-transaction" lines and stay "other", like Amazon's own summary shows them.
_CATEGORY_OF_AMOUNT_TYPE = {
    "itemprice": PRICE,
    "itemfees": FEE,
    "shipmentfees": FEE,
    "orderfees": FEE,
    "amazon fees": FEE,
    "promotion": PROMOTION,
}


@dataclass(frozen=True)
class SettlementAmount:
    category: str  # price, fee, promotion or other
    amount_type: str  # V2 amount-type: ItemPrice, ItemFees, Promotion, other-transaction...
    description: str  # Principal, Commission, FBAPerUnitFulfillmentFee, Subscription Fee...
    amount: Decimal


# The first flat layout (reference 2.17): (type column, amount column, V2 amount-type, category).
_FLAT_AMOUNT_COLUMNS = (
    ("price-type", "price-amount", "ItemPrice", PRICE),
    ("item-related-fee-type", "item-related-fee-amount", "ItemFees", FEE),
    ("shipment-fee-type", "shipment-fee-amount", "ShipmentFees", FEE),
    ("order-fee-type", "order-fee-amount", "OrderFees", FEE),
    ("promotion-type", "promotion-amount", "Promotion", PROMOTION),
    ("other-fee-reason-description", "other-fee-amount", "OtherFees", FEE),
    ("direct-payment-type", "direct-payment-amount", "DirectPayment", OTHER),
    (None, "misc-fee-amount", "MiscFees", FEE),
    (None, "other-amount", "other-transaction", OTHER),
)


def settlement_amounts(row: dict[str, object]) -> list[SettlementAmount]:
    """Every amount a settlement row carries, from whichever layout it is (V2 or the first)."""
    amounts: list[SettlementAmount] = []
    if "amount-type" in row or "amount" in row:
        amount = row.get("amount")
        if isinstance(amount, Decimal):
            amount_type = str(row.get("amount-type") or "other-transaction")
            category = _CATEGORY_OF_AMOUNT_TYPE.get(amount_type.lower(), OTHER)
            description = str(row.get("amount-description") or amount_type)
            amounts.append(SettlementAmount(category, amount_type, description, amount))
        return amounts
    for type_column, amount_column, amount_type, category in _FLAT_AMOUNT_COLUMNS:
        amount = row.get(amount_column)
        if not isinstance(amount, Decimal):
            continue
        named = row.get(type_column) if type_column else None
        description = str(named or row.get("transaction-type") or amount_type)
        amounts.append(SettlementAmount(category, amount_type, description, amount))
    return amounts


def _json_decimals(values: dict[str, Decimal]) -> dict[str, str]:
    return {key: str(value) for key, value in values.items()}


def _decimals(values: dict[str, str]) -> dict[str, Decimal]:
    return {key: Decimal(value) for key, value in values.items()}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass
class SettlementSummary:
    settlement_id: str
    currency: str
    start: datetime
    end: datetime
    deposit_date: datetime | None
    total_amount: Decimal  # the report's own figure (the summary line's total-amount)
    computed_total: Decimal  # the sum of every amount column of every line
    line_count: int
    by_transaction_type: dict[str, Decimal] = field(default_factory=dict)
    by_category: dict[str, Decimal] = field(default_factory=dict)
    by_amount_type: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    by_sku: dict[str, Decimal] = field(default_factory=dict)

    @property
    def reconciles(self) -> bool:
        return self.computed_total == self.total_amount

    @property
    def difference(self) -> Decimal:
        """What the lines add up to beyond the report's own total (zero when it reconciles)."""
        return self.computed_total - self.total_amount

    def to_json(self) -> dict[str, object]:
        return {
            "settlement_id": self.settlement_id,
            "currency": self.currency,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "deposit_date": _iso(self.deposit_date),
            "total_amount": str(self.total_amount),
            "computed_total": str(self.computed_total),
            "reconciles": self.reconciles,
            "line_count": self.line_count,
            "by_transaction_type": _json_decimals(self.by_transaction_type),
            "by_category": _json_decimals(self.by_category),
            "by_amount_type": {
                category: _json_decimals(totals) for category, totals in self.by_amount_type.items()
            },
            "by_sku": _json_decimals(self.by_sku),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SettlementSummary:
        deposit = data.get("deposit_date")
        return cls(
            settlement_id=data["settlement_id"],
            currency=data["currency"],
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]),
            deposit_date=datetime.fromisoformat(deposit) if deposit else None,
            total_amount=Decimal(data["total_amount"]),
            computed_total=Decimal(data["computed_total"]),
            line_count=int(data["line_count"]),
            by_transaction_type=_decimals(data["by_transaction_type"]),
            by_category=_decimals(data["by_category"]),
            by_amount_type={
                category: _decimals(totals) for category, totals in data["by_amount_type"].items()
            },
            by_sku=_decimals(data["by_sku"]),
        )


class SettlementTally:
    """A settlement summary built row by row, so ingest can summarize while it streams."""

    def __init__(self) -> None:
        self._summary: dict[str, object] | None = None
        self._other_settlements: set[str] = set()
        self._currency: str | None = None
        self._line_count = 0
        self._computed = Decimal(0)
        self._by_transaction_type: dict[str, Decimal] = {}
        self._by_category: dict[str, Decimal] = {}
        self._by_amount_type: dict[str, dict[str, Decimal]] = {}
        self._by_sku: dict[str, Decimal] = {}

    def add(self, row: dict[str, object]) -> None:
        if row.get("total-amount") is not None:
            # The summary line: the settlement's own figures; it carries no amounts of its own.
            if self._summary is None:
                self._summary = row
            elif row.get("settlement-id") != self._summary.get("settlement-id"):
                self._other_settlements.add(str(row.get("settlement-id")))
            return
        self._line_count += 1
        if self._currency is None and row.get("currency"):
            self._currency = str(row["currency"])
        transaction_type = str(row.get("transaction-type") or "")
        sku = row.get("sku")
        for item in settlement_amounts(row):
            amount = item.amount
            self._computed += amount
            _add(self._by_transaction_type, transaction_type, amount)
            _add(self._by_category, item.category, amount)
            _add(self._by_amount_type.setdefault(item.category, {}), item.description, amount)
            if sku:
                _add(self._by_sku, str(sku), amount)

    def summary(self) -> SettlementSummary:
        head = self._summary
        if head is None:
            raise ValueError(
                "the settlement has no summary line (a first row with total-amount), so its "
                "period and total are unknown"
            )
        if self._other_settlements:
            raise ValueError(
                f"the file holds more than one settlement: {head.get('settlement-id')} and "
                f"{', '.join(sorted(self._other_settlements))}"
            )
        start, end = head.get("settlement-start-date"), head.get("settlement-end-date")
        total = head.get("total-amount")
        if not isinstance(start, datetime) or not isinstance(end, datetime):
            raise ValueError("the settlement's summary line has no start or end date")
        if not isinstance(total, Decimal):
            raise ValueError("the settlement's summary line has no total-amount")
        deposit = head.get("deposit-date")
        return SettlementSummary(
            settlement_id=str(head.get("settlement-id") or ""),
            currency=str(head.get("currency") or self._currency or ""),
            start=start,
            end=end,
            deposit_date=deposit if isinstance(deposit, datetime) else None,
            total_amount=total,
            computed_total=self._computed,
            line_count=self._line_count,
            by_transaction_type=dict(self._by_transaction_type),
            by_category=dict(self._by_category),
            by_amount_type={key: dict(value) for key, value in self._by_amount_type.items()},
            by_sku=dict(self._by_sku),
        )


def _add(totals: dict[str, Decimal], key: str, amount: Decimal) -> None:
    totals[key] = totals.get(key, Decimal(0)) + amount


def summarize_settlement(reading: ReportReading) -> SettlementSummary:
    """The summary of a settlement reading (iterates it: a reading is one pass)."""
    if reading.family != "settlement":
        raise ValueError(f"{reading.report_type} is not a settlement report")
    tally = SettlementTally()
    for row in reading:
        tally.add(row)
    return tally.summary()
