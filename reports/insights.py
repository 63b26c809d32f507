"""What a seller reads from their reports: the dashboard and the settlement reconciliation.

Everything here reads the ingested tables (``reports.ingest``), never a report file. The
dashboard reads settlement summaries (one row per period), the day sums of order lines that
ingest keeps (``reports.summaries``, one row per day and currency, and per SKU) and the
latest inventory report's lines, so it stays fast with millions of lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.urls import reverse

from reports import rows
from reports.models import (
    IngestState,
    InventoryLine,
    OrderDay,
    OrderSkuDay,
    Report,
    Settlement,
)
from sellers.models import Seller

# How far back the dashboard's charts reach.
SETTLEMENTS_SHOWN = 8
ORDER_DAYS = 30
TOP_SKUS = 10

CATEGORY_NAMES = {
    "price": "Sales",
    "fee": "Amazon fees",
    "promotion": "Promotions",
    "other": "Other",
}


def ready_settlements(seller: Seller) -> QuerySet[Settlement]:
    """The seller's settlements read to the end, each once: Amazon sends a settlement in
    several formats (flat file, V2 flat file, XML), and the first one read stands for it."""
    earlier_copy = Settlement.objects.filter(
        seller=OuterRef("seller"),
        settlement_id=OuterRef("settlement_id"),
        report__data__state=IngestState.DONE,
        report_id__lt=OuterRef("report_id"),
    )
    return Settlement.objects.filter(seller=seller, report__data__state=IngestState.DONE).exclude(
        Exists(earlier_copy)
    )


def rows_url(report: Report, **params: str) -> str:
    """The table browser of ``report`` with ``params`` (rows.py's query language)."""
    url = reverse("reports:rows", args=[report.pk])
    return f"{url}?{urlencode(params)}" if params else url


def sku_rows_url(report: Report, sku: str) -> str:
    """The rows of one SKU: in the table browser, or, for a report too large to be filtered
    by SKU there (``rows.SCAN_LIMIT``), as a CSV export, which filters by any column."""
    if report.data.row_count > rows.SCAN_LIMIT:
        url = reverse("reports:export_csv", args=[report.pk])
        return f"{url}?{urlencode({'f.sku': sku})}"
    return rows_url(report, **{"f.sku": sku})


# ---- the dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DayOfOrders:
    day: date
    orders: int
    units: int
    revenue: Decimal
    url: str


@dataclass(frozen=True)
class SkuSales:
    sku: str
    units: int
    revenue: Decimal
    url: str


@dataclass(frozen=True)
class Stock:
    report: Report
    as_of: datetime | None
    in_stock: int  # SKUs with sellable units
    out_of_stock: int  # SKUs without
    sellable_units: int
    inbound: int
    unfulfillable: int
    in_stock_url: str
    out_of_stock_url: str
    report_url: str


@dataclass
class Dashboard:
    seller: Seller
    last_settlement: Settlement | None
    settlements: list[Settlement]  # oldest first, for the chart
    currency: str
    orders_report: Report | None
    # The latest settlement in each other currency the seller is paid in.
    other_currencies: list[Settlement] = field(default_factory=list)
    orders_by_day: list[DayOfOrders] = field(default_factory=list)
    top_skus: list[SkuSales] = field(default_factory=list)
    stock: Stock | None = None


def _latest_ingested(seller: Seller, family: str) -> Report | None:
    return (
        Report.objects.filter(seller=seller, data__state=IngestState.DONE, data__family=family)
        .order_by("-id")
        .first()
    )


def dashboard_for(seller: Seller) -> Dashboard:
    ready = ready_settlements(seller).select_related("report")
    latest = ready.first()
    currency = latest.currency if latest else ""
    # One chart, one currency: a seller in several marketplaces gets a settlement per
    # marketplace, and amounts in other currencies are listed apart, not added up.
    settlements = list(ready.filter(currency=currency)[:SETTLEMENTS_SHOWN]) if latest else []
    orders_report = _latest_ingested(seller, "orders")
    board = Dashboard(
        seller=seller,
        last_settlement=settlements[0] if settlements else None,
        settlements=settlements[::-1],
        currency=currency,
        orders_report=orders_report,
        other_currencies=_latest_per_currency(ready.exclude(currency=currency)) if latest else [],
    )
    if orders_report is not None:
        _add_orders(board, seller, orders_report)
    board.stock = _stock(seller)
    return board


def _latest_per_currency(settlements: QuerySet[Settlement]) -> list[Settlement]:
    latest: dict[str, Settlement] = {}
    for settlement in settlements.order_by("-end")[:100]:
        latest.setdefault(settlement.currency, settlement)
    return sorted(latest.values(), key=lambda settlement: settlement.currency)


def _add_orders(board: Dashboard, seller: Seller, orders_report: Report) -> None:
    # Day sums kept by ingest (reports.summaries): a month is tens of rows, whatever the
    # number of order lines behind them.
    days = OrderDay.objects.filter(seller=seller)
    newest = days.order_by("-day").values_list("day", flat=True).first()
    if newest is None:
        return
    window = days.filter(day__gt=newest - timedelta(days=ORDER_DAYS))
    # Totals in one currency: the one most of the seller's recent order lines are in.
    main_currency = (
        window.values("currency")
        .annotate(line_count=Sum("lines"))
        .order_by("-line_count", "currency")
        .values_list("currency", flat=True)
        .first()
    )
    board.currency = board.currency or main_currency or ""
    for day in window.filter(currency=main_currency).order_by("day"):
        start = day.day.isoformat()
        board.orders_by_day.append(
            DayOfOrders(
                day.day,
                day.orders,
                day.units,
                day.revenue,
                rows_url(
                    orders_report,
                    **{"f.purchase-date.min": start, "f.purchase-date.max": f"{start}T23:59:59"},
                ),
            )
        )
    skus = (
        OrderSkuDay.objects.filter(
            seller=seller, day__gt=newest - timedelta(days=ORDER_DAYS), currency=main_currency
        )
        .values("sku")
        .annotate(units=Sum("units"), revenue=Sum("revenue"))
        .order_by("-revenue", "sku")[:TOP_SKUS]
    )
    board.top_skus = [
        SkuSales(
            sku["sku"],
            sku["units"],
            sku["revenue"],
            sku_rows_url(orders_report, sku["sku"]),
        )
        for sku in skus
    ]


def _stock(seller: Seller) -> Stock | None:
    report = _latest_ingested(seller, "inventory")
    if report is None:
        return None
    lines = InventoryLine.objects.filter(report=report)
    totals = lines.aggregate(
        in_stock=Count("id", filter=Q(fulfillable__gt=0)),
        out_of_stock=Count("id", filter=Q(fulfillable__isnull=True) | Q(fulfillable__lte=0)),
        sellable=Sum("fulfillable"),
        inbound=Sum("inbound"),
        unfulfillable=Sum("unfulfillable"),
    )
    columns = report.data.columns
    # The AFN report has one quantity column for every condition; Manage FBA Inventory has one
    # column per state.
    quantity = (
        "afn-fulfillable-quantity"
        if "afn-fulfillable-quantity" in columns
        else "Quantity Available"
    )
    return Stock(
        report=report,
        as_of=report.available_at or report.stored_at,
        in_stock=totals["in_stock"],
        out_of_stock=totals["out_of_stock"],
        sellable_units=totals["sellable"] or 0,
        inbound=totals["inbound"] or 0,
        unfulfillable=totals["unfulfillable"] or 0,
        in_stock_url=rows_url(report, **{f"f.{quantity}.min": "1"}),
        out_of_stock_url=rows_url(report, **{f"f.{quantity}.max": "0"}),
        report_url=rows_url(report),
    )


# ---- one settlement --------------------------------------------------------------------------


@dataclass(frozen=True)
class LineGroup:
    """Lines of one kind, as an accountant groups them: sales, fees, promotions, other."""

    category: str
    name: str
    total: Decimal
    previous: Decimal | None
    items: list[tuple[str, Decimal, Decimal | None]]  # description, total, previous total


@dataclass
class Reconciliation:
    settlement: Settlement
    previous: Settlement | None
    groups: list[LineGroup]
    by_transaction_type: list[tuple[str, Decimal, Decimal | None]]
    top_skus: list[tuple[str, Decimal]]


def _decimal_map(values: dict[str, str] | None) -> dict[str, Decimal]:
    return {key: Decimal(value) for key, value in (values or {}).items()}


def previous_settlement(settlement: Settlement) -> Settlement | None:
    """The settlement before this one in its currency (a seller in several marketplaces has
    one settlement per marketplace and period)."""
    return (
        ready_settlements(settlement.seller)
        .filter(end__lt=settlement.end, currency=settlement.currency)
        .exclude(pk=settlement.pk)
        .order_by("-end")
        .first()
    )


def _rows(
    current: dict[str, Decimal], previous: dict[str, Decimal] | None
) -> list[tuple[str, Decimal, Decimal | None]]:
    names: Sequence[str] = sorted(current, key=lambda name: (-abs(current[name]), name))
    extra = sorted(set(previous or {}) - set(current))
    return [
        (name, current.get(name, Decimal(0)), (previous or {}).get(name) if previous else None)
        for name in [*names, *extra]
    ]


def reconcile(settlement: Settlement) -> Reconciliation:
    previous = previous_settlement(settlement)
    summary = settlement.summary
    before = previous.summary if previous else None
    groups = []
    by_category = _decimal_map(summary.get("by_category"))
    previous_categories = _decimal_map(before.get("by_category")) if before else None
    by_amount_type = summary.get("by_amount_type") or {}
    previous_amount_types = (before.get("by_amount_type") or {}) if before else None
    for category, name in CATEGORY_NAMES.items():
        current = _decimal_map(by_amount_type.get(category))
        earlier = (
            _decimal_map(previous_amount_types.get(category))
            if previous_amount_types is not None
            else None
        )
        if not current and not earlier:
            continue
        groups.append(
            LineGroup(
                category,
                name,
                by_category.get(category, Decimal(0)),
                previous_categories.get(category, Decimal(0))
                if previous_categories is not None
                else None,
                _rows(current, earlier),
            )
        )
    by_sku = _decimal_map(summary.get("by_sku"))
    return Reconciliation(
        settlement=settlement,
        previous=previous,
        groups=groups,
        by_transaction_type=_rows(
            _decimal_map(summary.get("by_transaction_type")),
            _decimal_map(before.get("by_transaction_type")) if before else None,
        ),
        top_skus=sorted(by_sku.items(), key=lambda item: (-item[1], item[0]))[:TOP_SKUS],
    )
