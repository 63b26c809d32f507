"""Inventory and price feeds built from rows of a small table, without writing XML.

The seller pastes or uploads a CSV (comma, semicolon or tab separated, with or without a header
line): ``sku,quantity[,latency]`` for inventory, ``sku,price,currency`` for prices. Every row is
checked against the XSD's rules (reference 3.9) and refused with its line number; the rows then
become an ``AmazonEnvelope`` of ``Inventory`` or ``Price`` messages.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from lxml import etree

from mwsportal.gateway.mws import FEED_TYPES

Kind = Literal["inventory", "price"]
FEED_TYPE_OF: dict[Kind, str] = {
    "inventory": "_POST_INVENTORY_AVAILABILITY_DATA_",
    "price": "_POST_PRODUCT_PRICING_DATA_",
}
# BaseCurrencyCode in amzn-base.xsd.
CURRENCIES = ("USD", "GBP", "EUR", "JPY", "CAD", "CNY", "INR", "MXN")
MAX_SKU_LENGTH = 40
# MWS's guidance: no more than about 30,000 records per feed.
MAX_ROWS = 30_000
# What XML 1.0 cannot carry (C0 controls other than tab, line feed and carriage return,
# surrogates, U+FFFE and U+FFFF): lxml refuses to write it, and MWS could not read it.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HEADER_WORDS = frozenset({"sku", "seller-sku", "seller_sku", "quantity", "price", "currency"})


class RowsRefused(ValueError):
    """The table has problems; ``problems`` lists them by line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class InventoryRow:
    sku: str
    quantity: int
    latency: int | None


@dataclass(frozen=True)
class PriceRow:
    sku: str
    price: Decimal
    currency: str


Row = InventoryRow | PriceRow


def parse_rows(text: str, kind: Kind) -> list[Row]:
    """Rows of ``text``; raises RowsRefused listing every bad line (up to 20)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise RowsRefused(["The table is empty: give one SKU per line."])
    _refuse_characters(lines)
    dialect = _dialect(lines[0])
    reader = csv.reader(io.StringIO("\n".join(lines)), dialect)
    rows: list[Row] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(reader, start=1):
        cells = [cell.strip() for cell in cells]
        if number == 1 and cells and cells[0].lower() in _HEADER_WORDS:
            continue
        try:
            row = _inventory(cells) if kind == "inventory" else _price(cells)
        except ValueError as exc:
            problems.append(f"Line {number}: {exc}")
        else:
            if row.sku in seen:
                problems.append(
                    f"Line {number}: SKU {row.sku} is already on line {seen[row.sku]}; "
                    "give each SKU once"
                )
            seen[row.sku] = number
            rows.append(row)
        if len(problems) >= 20:
            problems.append("… and possibly more; fix these first.")
            break
    if not problems and not rows:
        problems.append("The table has a header line but no rows.")
    if len(rows) > MAX_ROWS:
        problems.append(f"{len(rows)} rows: keep a feed under {MAX_ROWS} records.")
    if problems:
        raise RowsRefused(problems)
    return rows


def _refuse_characters(lines: list[str]) -> None:
    """Lines with a character no feed can carry, each named with its code point (the csv
    module would stop at a NUL and lxml at any of them, without a line number)."""
    problems = [
        f"Line {number}: the character U+{ord(found.group()):04X} cannot be sent in a feed; "
        "remove it"
        for number, line in enumerate(lines, start=1)
        if (found := _NOT_XML.search(line))
    ]
    if problems:
        raise RowsRefused(problems[:20])


def _dialect(first_line: str) -> type[csv.Dialect]:
    if "\t" in first_line:
        return csv.excel_tab
    if ";" in first_line and "," not in first_line:

        class Semicolon(csv.excel):
            delimiter = ";"

        return Semicolon
    return csv.excel


def _sku(cells: list[str]) -> str:
    sku = cells[0] if cells else ""
    if not sku:
        raise ValueError("the SKU is missing")
    if len(sku) > MAX_SKU_LENGTH:
        raise ValueError(f"SKU {sku[:20]}… is longer than {MAX_SKU_LENGTH} characters")
    return sku


def _inventory(cells: list[str]) -> InventoryRow:
    if len(cells) not in (2, 3):
        raise ValueError("expected SKU, quantity and optionally the fulfillment latency in days")
    sku = _sku(cells)
    if not cells[1].isdigit():
        raise ValueError(f"quantity “{cells[1]}” must be a whole number, 0 or more")
    latency = None
    if len(cells) == 3 and cells[2]:
        if not cells[2].isdigit() or int(cells[2]) < 1:
            raise ValueError(
                f"fulfillment latency “{cells[2]}” must be a whole number of days, 1 or more"
            )
        latency = int(cells[2])
    return InventoryRow(sku, int(cells[1]), latency)


def _price(cells: list[str]) -> PriceRow:
    if len(cells) != 3:
        raise ValueError("expected SKU, price and currency")
    sku = _sku(cells)
    try:
        price = Decimal(cells[1])
    except InvalidOperation:
        raise ValueError(f"price “{cells[1]}” is not a number (use a dot for decimals)") from None
    if not price.is_finite() or price <= 0 or price.as_tuple().exponent < -2:
        raise ValueError(f"price “{cells[1]}” must be above 0 with at most two decimals")
    currency = cells[2].upper()
    if currency not in CURRENCIES:
        raise ValueError(f"currency “{cells[2]}” must be one of {', '.join(CURRENCIES)}")
    return PriceRow(sku, price, currency)


def build_envelope(rows: list[Row], kind: Kind, merchant_id: str) -> bytes:
    """The AmazonEnvelope feed document for ``rows`` (UTF-8 XML)."""
    message_type = FEED_TYPES[FEED_TYPE_OF[kind]].message_type
    xsi = "http://www.w3.org/2001/XMLSchema-instance"
    envelope = etree.Element("AmazonEnvelope", nsmap={"xsi": xsi})
    envelope.set(f"{{{xsi}}}noNamespaceSchemaLocation", "amzn-envelope.xsd")
    header = etree.SubElement(envelope, "Header")
    etree.SubElement(header, "DocumentVersion").text = "1.01"
    etree.SubElement(header, "MerchantIdentifier").text = merchant_id
    etree.SubElement(envelope, "MessageType").text = message_type
    for number, row in enumerate(rows, start=1):
        message = etree.SubElement(envelope, "Message")
        etree.SubElement(message, "MessageID").text = str(number)
        etree.SubElement(message, "OperationType").text = "Update"
        if isinstance(row, InventoryRow):
            body = etree.SubElement(message, "Inventory")
            etree.SubElement(body, "SKU").text = row.sku
            etree.SubElement(body, "Quantity").text = str(row.quantity)
            if row.latency is not None:
                etree.SubElement(body, "FulfillmentLatency").text = str(row.latency)
        else:
            body = etree.SubElement(message, "Price")
            etree.SubElement(body, "SKU").text = row.sku
            price = etree.SubElement(body, "StandardPrice", currency=row.currency)
            price.text = f"{row.price:.2f}"
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8", pretty_print=True)
