"""Reading a stored report into the database (design section 7).

``ingest_report`` streams the stored file through ``reports.reading`` and writes its rows in
batches into the family's table (settlement lines, order lines, listings, FBA inventory) or
the generic row table. Memory stays flat whatever the size: rows go out in batches of
``BATCH_SIZE`` (PostgreSQL: one COPY fed row by row). Running it again replaces the rows it
wrote before, so a retried or repeated task never duplicates anything; the outcome (state,
row and problem counts, the error) is kept on the report's ``ReportData``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import reduce
from operator import itemgetter, or_
from typing import Any

from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.utils import timezone
from psycopg import sql

from reports import reading, summaries
from reports.models import (
    GenericRow,
    IngestState,
    InventoryLine,
    ListingLine,
    OrderLine,
    Report,
    ReportData,
    Settlement,
    SettlementLine,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000


@dataclass(frozen=True)
class RowTable:
    """Where the rows of one report family go: the model, and which of the report's own
    columns have a typed column of their own (the others are kept in ``extra``)."""

    model: type[models.Model]
    fields: dict[str, str]  # report column -> model field
    # Model fields filled from the whole row rather than from one column.
    derived: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    derived_fields: tuple[str, ...] = ()
    # The table has a ``seller`` column of its own (for totals across reports).
    has_seller: bool = False
    # Model fields with an index on (report, field, line): the table browser sorts and
    # filters any report by them, however large (reports.rows.SCAN_LIMIT).
    indexed: frozenset[str] = frozenset()


def _settlement_line_fields(row: dict[str, Any]) -> dict[str, Any]:
    amounts = reading.settlement_amounts(row)
    if not amounts:
        return {"category": "", "amount_type": "", "amount_description": "", "amount": None}
    first = amounts[0]
    return {
        "category": first.category,
        "amount_type": first.amount_type[:100],
        "amount_description": first.description[:200],
        "amount": sum((amount.amount for amount in amounts), Decimal(0)),
    }


_SETTLEMENT_COLUMNS = {
    "transaction-type": "transaction_type",
    "order-id": "order_id",
    "merchant-order-id": "merchant_order_id",
    "adjustment-id": "adjustment_id",
    "shipment-id": "shipment_id",
    "marketplace-name": "marketplace_name",
    "fulfillment-id": "fulfillment_id",
    "posted-date": "posted_date",
    "order-item-code": "order_item_code",
    "sku": "sku",
    "quantity-purchased": "quantity_purchased",
}
_ORDER_COLUMNS = {
    "amazon-order-id": "amazon_order_id",
    "merchant-order-id": "merchant_order_id",
    "purchase-date": "purchase_date",
    "last-updated-date": "last_updated_date",
    "order-status": "order_status",
    "fulfillment-channel": "fulfillment_channel",
    "sales-channel": "sales_channel",
    "order-channel": "order_channel",
    "url": "url",
    "ship-service-level": "ship_service_level",
    "product-name": "product_name",
    "sku": "sku",
    "asin": "asin",
    "item-status": "item_status",
    "quantity": "quantity",
    "quantity-purchased": "quantity",
    "currency": "currency",
    "item-price": "item_price",
    "item-tax": "item_tax",
    "shipping-price": "shipping_price",
    "shipping-tax": "shipping_tax",
    "gift-wrap-price": "gift_wrap_price",
    "gift-wrap-tax": "gift_wrap_tax",
    "item-promotion-discount": "item_promotion_discount",
    "ship-promotion-discount": "ship_promotion_discount",
    "ship-city": "ship_city",
    "ship-state": "ship_state",
    "ship-postal-code": "ship_postal_code",
    "ship-country": "ship_country",
    "promotion-ids": "promotion_ids",
    "is-business-order": "is_business_order",
    "purchase-order-number": "purchase_order_number",
    "price-designation": "price_designation",
    "is-sold-by-ab": "is_sold_by_ab",
    # _GET_FLAT_FILE_ORDERS_DATA_ names some columns differently.
    "order-id": "amazon_order_id",
    "order-item-id": "merchant_order_id",
    "payments-date": "last_updated_date",
}
_LISTING_COLUMNS = {
    "seller-sku": "sku",
    "sku": "sku",
    "asin1": "asin",
    "asin": "asin",
    "item-name": "item_name",
    "listing-id": "listing_id",
    "price": "price",
    "quantity": "quantity",
    "open-date": "open_date",
    "fulfillment-channel": "fulfillment_channel",
    "status": "status",
}
_INVENTORY_COLUMNS = {
    "seller-sku": "sku",
    "sku": "sku",
    "fulfillment-channel-sku": "fnsku",
    "fnsku": "fnsku",
    "asin": "asin",
    "product-name": "product_name",
    "condition-type": "condition",
    "condition": "condition",
    "afn-fulfillable-quantity": "fulfillable",
    "afn-unsellable-quantity": "unfulfillable",
    "afn-reserved-quantity": "reserved",
    "quantity-for-local-fulfillment": "fulfillable",
}
_INBOUND_COLUMNS = (
    "afn-inbound-working-quantity",
    "afn-inbound-shipped-quantity",
    "afn-inbound-receiving-quantity",
)


def _inventory_quantities(row: dict[str, Any]) -> dict[str, Any]:
    """What the inventory reports spread over several columns: inbound is working + shipped
    + receiving (Manage FBA Inventory); the AFN report gives one quantity per warehouse
    condition instead of a column per state."""
    quantities: dict[str, Any] = {}
    inbound = [row[c] for c in _INBOUND_COLUMNS if row.get(c) is not None]
    if inbound:
        quantities["inbound"] = sum(inbound)
    available = row.get("Quantity Available")
    if available is not None:
        sellable = str(row.get("Warehouse-Condition-code") or "").upper() == "SELLABLE"
        quantities["fulfillable" if sellable else "unfulfillable"] = available
    return quantities


TABLES: dict[str, RowTable] = {
    "settlement": RowTable(
        SettlementLine,
        _SETTLEMENT_COLUMNS,
        _settlement_line_fields,
        ("category", "amount_type", "amount_description", "amount"),
    ),
    "orders": RowTable(
        OrderLine, _ORDER_COLUMNS, has_seller=True, indexed=frozenset({"purchase_date"})
    ),
    "listings": RowTable(ListingLine, _LISTING_COLUMNS),
    "inventory": RowTable(
        InventoryLine,
        _INVENTORY_COLUMNS,
        _inventory_quantities,
        ("fulfillable", "unfulfillable", "inbound"),
    ),
}
GENERIC_TABLE = RowTable(GenericRow, {})


def table_for(family: str) -> RowTable:
    return TABLES.get(family, GENERIC_TABLE)


def json_value(value: Any) -> Any:
    """A typed cell as JSON: amounts as numbers, dates as ISO 8601 in UTC."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


class IngestRefused(Exception):
    """The report cannot be read into rows; the message says why, for the seller."""


# ---- the one entry point ----------------------------------------------------------------------


# A reading still marked running after this long died with its worker: it may be redone.
ABANDONED_AFTER = timedelta(minutes=30)


def ingest_report(report: Report, *, force: bool = False) -> ReportData:
    """Read ``report``'s stored file into its table; safe to run again at any time.

    A report already read from its current file is left alone unless ``force``; a reading
    running elsewhere is never started twice (the claim below is one conditional UPDATE).
    """
    if not report.is_stored:
        raise IngestRefused("The report is not downloaded yet.")
    data, _ = ReportData.objects.get_or_create(report=report)
    if not force and data.state == IngestState.DONE and data.source_file == report.file:
        return data
    now = timezone.now()
    claimed = (
        ReportData.objects.filter(pk=data.pk)
        .exclude(state=IngestState.RUNNING, started_at__gt=now - ABANDONED_AFTER)
        .update(state=IngestState.RUNNING, error_message="", started_at=now)
    )
    if not claimed:
        data.refresh_from_db()
        return data
    data.refresh_from_db()
    # The days the dashboard's order sums hold for this report's lines before and after.
    days_before = summaries.purchase_days(report)
    try:
        _ingest(report, data)
    except reading.NotTabular as error:
        _clear_rows(report, None)
        data.state = IngestState.NOT_TABULAR
        data.error_message = str(error)
    except Exception as error:
        logger.exception("report %s could not be read into rows", report.pk)
        data.state = IngestState.FAILED
        data.error_message = _error_text(error)
    else:
        data.state = IngestState.DONE
    data.finished_at = timezone.now()
    data.source_file = report.file
    with transaction.atomic():
        data.save()
        _refresh_order_days(report, days_before)
    return data


def _refresh_order_days(report: Report, days_before: tuple[date, date] | None) -> None:
    """Bring the dashboard's order sums in line with the reading just finished (or failed).

    The days to recompute are those of the report's old lines and of its new ones; lines of
    other reports that the new ones superseded are the same order items, so they lie on the
    same purchase days.
    """
    days_after = summaries.purchase_days(report)
    spans = [span for span in (days_before, days_after) if span is not None]
    if not spans:
        return
    summaries.refresh_order_days(
        report.seller_id, min(span[0] for span in spans), max(span[1] for span in spans)
    )


def _error_text(error: Exception) -> str:
    if isinstance(error, FileNotFoundError):
        return "The stored copy of this report is missing; download it again."
    if isinstance(error, (ValueError, IngestRefused)):
        return str(error)
    return "The report could not be read into rows; the portal's log has the details."


def _ingest(report: Report, data: ReportData) -> None:
    with default_storage.open(report.file, "rb") as source:
        report_reading = reading.read_report(
            report.report_type,
            source,
            charset=report.charset or None,
            marketplace_id=report.marketplace_id,
        )
        table = table_for(report_reading.family)
        _clear_rows(report, table)
        data.family = report_reading.family
        data.columns = list(report_reading.columns)
        data.column_types = {name: str(kind) for name, kind in report_reading.column_types.items()}
        data.encoding = report_reading.encoding
        tally = _SettlementTotals() if report_reading.family == "settlement" else None
        rows = _tallied(_numbered(report_reading), tally)
        data.row_count = _load(report, table, list(report_reading.columns), rows)
        data.problem_count = report_reading.problem_count
        data.problems = [
            {"line": problem.line, "reason": problem.reason}
            for problem in report_reading.problems[: ReportData.MAX_PROBLEMS]
        ]
    if tally is not None:
        _save_settlement(report, tally)
    if table.model is OrderLine:
        _mark_superseded_orders(report)


def _numbered(reading_: reading.ReportReading) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows with the number they are kept under: their line in a flat file; in an XML report,
    where several rows come from one element, their position (1, 2, ...)."""
    if not reading_.xml:
        return reading_.numbered()
    return ((number, row) for number, (_, row) in enumerate(reading_.numbered(), start=1))


def _tallied(
    rows: Iterator[tuple[int, dict[str, Any]]], tally: _SettlementTotals | None
) -> Iterator[tuple[int, dict[str, Any]]]:
    if tally is None:
        yield from rows
        return
    for line, row in rows:
        tally.add(row)
        yield line, row


def _clear_rows(report: Report, table: RowTable | None) -> None:
    """Remove what an earlier reading of this report wrote (any table: the family of a
    report type could have changed between versions of the reader)."""
    with transaction.atomic():
        Settlement.objects.filter(report=report).delete()
        for model in {t.model for t in (*TABLES.values(), GENERIC_TABLE)}:
            model.objects.filter(report=report).delete()


# ---- writing rows -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _FieldPlan:
    """How one typed column is filled: from the first of ``sources`` that has a value."""

    name: str
    sources: tuple[str, ...]
    # What an empty cell becomes in a NOT NULL text column.
    blank: Any
    # Text columns are cut to their length (real files have longer values than documented).
    max_length: int | None


def _plan(table: RowTable, columns: Sequence[str]) -> list[_FieldPlan]:
    model_fields = {f.name: f for f in table.model._meta.concrete_fields}
    sources: dict[str, list[str]] = {}
    for column in columns:
        if column in table.fields:
            sources.setdefault(table.fields[column], []).append(column)
    for name in table.derived_fields:
        sources.setdefault(name, [])
    plans = []
    for name, field_sources in sources.items():
        field = model_fields[name]
        text = isinstance(field, (models.CharField, models.TextField))
        plans.append(
            _FieldPlan(
                name,
                tuple(field_sources),
                None if field.null else ("" if text else None),
                field.max_length if isinstance(field, models.CharField) else None,
            )
        )
    return plans


def _load(
    report: Report,
    table: RowTable,
    columns: Sequence[str],
    rows: Iterable[tuple[int, dict[str, Any]]],
) -> int:
    # Columns with one source first: their cells come out of one itemgetter call, in order.
    plans = sorted(_plan(table, columns), key=lambda plan: len(plan.sources) != 1)
    position = {plan.name: index for index, plan in enumerate(plans)}
    extra_columns = [c for c in columns if c not in table.fields]
    fixed = [report.pk, *([report.seller_id] if table.has_seller else [])]
    # Columns this report has no column for get what Django would write (COPY applies no
    # Django default: a text column would be NULL instead of empty).
    filled = {"report", "line", "seller", "extra", *(plan.name for plan in plans)}
    defaults = {
        f.attname: f.get_default()
        for f in table.model._meta.concrete_fields
        if not f.primary_key and f.name not in filled
    }
    names = [
        "report_id",
        *(["seller_id"] if table.has_seller else []),
        *defaults,
        "line",
        *(plan.name for plan in plans),
        "extra",
    ]
    head = [*fixed, *defaults.values()]
    derived = table.derived
    # Most typed columns have one source column: those are fetched all at once (itemgetter
    # runs in C); the few fed by aliases or computed from the row are fixed up after.
    simple = [plan.sources[0] for plan in plans if len(plan.sources) == 1]
    fetch = itemgetter(*simple) if simple else None
    others = [(i, plan.sources) for i, plan in enumerate(plans) if len(plan.sources) != 1]
    unfetched = [None] * len(others)
    # (index, what an empty cell becomes, length limit) of the cells that need finishing.
    finishing = [
        (i, plan.blank, plan.max_length)
        for i, plan in enumerate(plans)
        if plan.blank is not None or plan.max_length
    ]
    if fetch is not None and len(simple) == 1:
        single = fetch
        fetch = lambda row: (single(row),)  # noqa: E731 - itemgetter of one key is no tuple

    def values(line: int, row: dict[str, Any]) -> list[Any]:
        cells: list[Any] = [*fetch(row), *unfetched] if fetch is not None else [*unfetched]
        for index, sources in others:
            for source in sources:
                value = row.get(source)
                if value is not None:
                    cells[index] = value
                    break
        if derived is not None:
            for name, value in derived(row).items():
                cells[position[name]] = value
        for index, blank, limit in finishing:
            value = cells[index]
            if value is None:
                cells[index] = blank
            elif limit is not None and len(value) > limit:
                cells[index] = value[:limit]
        extra = None
        for column in extra_columns:
            value = row.get(column)
            if value is not None:
                if extra is None:
                    extra = {}
                extra[column] = json_value(value)
        return [*head, line, *cells, extra]

    converted = (values(line, row) for line, row in rows)
    if connection.vendor == "postgresql":
        return _copy(table.model, names, converted)
    return _bulk_insert(table.model, names, converted)


def _copy(model: type[models.Model], names: list[str], rows: Iterable[list[Any]]) -> int:
    """PostgreSQL: one binary COPY, fed row by row (psycopg buffers and sends it in blocks).

    Binary, with the column types given once: psycopg picks each column's dumper once
    instead of per value, and PostgreSQL reads numbers and times without parsing text.
    """
    count = 0
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(model._meta.db_table),
        # Field names are the column names: no table here sets db_column.
        sql.SQL(", ").join(sql.Identifier(name) for name in names),
    )
    types = [_postgres_type(model, name) for name in names]
    with transaction.atomic():
        connection.ensure_connection()
        with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def _postgres_type(model: type[models.Model], name: str) -> str:
    """The PostgreSQL type name of a column, as ``Copy.set_types`` takes it."""
    field = {f.attname: f for f in model._meta.concrete_fields}[name]
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    db_type = field.db_type(connection) or "text"
    # "varchar(50)", "numeric(18, 2)", "integer", "timestamp with time zone", "jsonb", ...
    return db_type.split("(")[0].strip()


def _bulk_insert(model: type[models.Model], names: list[str], rows: Iterable[list[Any]]) -> int:
    """Other databases: batches, each in its own transaction, so a long reading never holds
    SQLite's one write lock for long. Until the reading is marked done nothing reads them."""
    count = 0
    batch: list[models.Model] = []
    for row in rows:
        batch.append(model(**dict(zip(names, row, strict=True))))
        if len(batch) == BATCH_SIZE:
            model.objects.bulk_create(batch)
            count += len(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)
        count += len(batch)
    return count


# ---- what a family adds -----------------------------------------------------------------------


class _SettlementTotals:
    """The reader's summary, plus the four totals a seller reads first: sales (item prices of
    orders), Amazon's fees, refunds (everything on refund lines) and the rest."""

    def __init__(self) -> None:
        self.tally = reading.SettlementTally()
        self.sales = self.fees = self.refunds = self.other = Decimal(0)

    def add(self, row: dict[str, Any]) -> None:
        self.tally.add(row)
        is_refund = "refund" in str(row.get("transaction-type") or "").lower()
        for amount in reading.settlement_amounts(row):
            if is_refund:
                self.refunds += amount.amount
            elif amount.category == "price":
                self.sales += amount.amount
            elif amount.category == "fee":
                self.fees += amount.amount
            else:
                self.other += amount.amount


def _save_settlement(report: Report, totals: _SettlementTotals) -> None:
    summary = totals.tally.summary()
    Settlement.objects.create(
        seller_id=report.seller_id,
        report=report,
        settlement_id=summary.settlement_id,
        currency=summary.currency,
        start=summary.start,
        end=summary.end,
        deposit_date=summary.deposit_date,
        total_amount=summary.total_amount,
        computed_total=summary.computed_total,
        reconciles=summary.reconciles,
        line_count=summary.line_count,
        sales=totals.sales,
        fees=totals.fees,
        refunds=totals.refunds,
        other=totals.other,
        summary=summary.to_json(),
    )


def _mark_superseded_orders(report: Report) -> None:
    """Count each order item once across the seller's orders reports: the report with the
    higher id states it as it was last seen.

    An order item has its order's purchase date, so its statements in other reports lie in
    this report's purchase-date range: they are found through the (report, purchase date)
    index of each other report, without an index on order ids that every row loaded would
    have to update.
    """
    mine = OrderLine.objects.filter(report=report)
    span = mine.aggregate(first=Min("purchase_date"), last=Max("purchase_date"))
    dates = []
    if span["first"] is not None:
        dates.append(Q(purchase_date__range=(span["first"], span["last"])))
    if mine.filter(purchase_date__isnull=True).exists():
        dates.append(Q(purchase_date__isnull=True))
    if not dates:
        return
    same_dates = reduce(or_, dates)
    reports = Report.objects.filter(seller_id=report.seller_id, data__family="orders").exclude(
        pk=report.pk
    )
    others = OrderLine.objects.filter(report__in=reports.values("pk")).filter(same_dates)
    if not others.exists():
        return
    same_item = {"amazon_order_id": OuterRef("amazon_order_id"), "sku": OuterRef("sku")}
    with transaction.atomic():
        others.filter(report_id__lt=report.pk, is_latest=True).filter(
            Exists(mine.filter(**same_item))
        ).update(is_latest=False)
        mine.filter(Exists(others.filter(report_id__gt=report.pk, **same_item))).update(
            is_latest=False
        )
