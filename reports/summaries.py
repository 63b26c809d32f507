"""Per-day sums of a seller's order lines, kept by ingest for the dashboard.

The dashboard's orders panels (orders per day, top SKUs) would otherwise aggregate a month of
order lines on every visit. ``refresh_order_days`` recomputes the sums of the days a reading
touched from the lines themselves, with the same rules the panels state: only reports read
to the end, each order item as its latest report states it, cancelled orders left out. It
is called by ``reports.ingest`` in the transaction that marks a reading finished, so the
sums and the lines never disagree for a reader.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Count, Max, Min, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from reports.models import IngestState, OrderDay, OrderLine, OrderSkuDay, Report

# Order lines that were no sale.
NOT_SOLD = ("Cancelled",)


def sold_lines(seller_id: int) -> QuerySet[OrderLine]:
    """The order lines the dashboard counts."""
    # Only reports read to the end: a reading in progress has written part of its rows. The
    # ids are spelled out so that each report's lines are read through the (report, purchase
    # date) index rather than by a scan of every seller's lines.
    read = list(
        Report.objects.filter(
            seller_id=seller_id, data__state=IngestState.DONE, data__family="orders"
        ).values_list("pk", flat=True)
    )
    # No ordering: the model's (report, line) order joins every line to its report.
    return (
        OrderLine.objects.filter(
            seller_id=seller_id, is_latest=True, report__in=read, purchase_date__isnull=False
        )
        .exclude(order_status__in=NOT_SOLD)
        .order_by()
    )


def purchase_days(report: Report) -> tuple[date, date] | None:
    """The first and last purchase day among the lines stored for ``report``, if any."""
    span = OrderLine.objects.filter(report=report).aggregate(
        first=Min("purchase_date"), last=Max("purchase_date")
    )
    if span["first"] is None:
        return None
    zone = timezone.get_current_timezone()
    return span["first"].astimezone(zone).date(), span["last"].astimezone(zone).date()


def refresh_order_days(seller_id: int, first: date | None = None, last: date | None = None) -> None:
    """Recompute the seller's day sums from ``first`` to ``last`` (inclusive; open ends:
    every day), replacing what was there."""
    lines = sold_lines(seller_id)
    days = OrderDay.objects.filter(seller_id=seller_id)
    sku_days = OrderSkuDay.objects.filter(seller_id=seller_id)
    zone = timezone.get_current_timezone()
    if first is not None:
        # Bounds on the column itself, so the (seller, purchase date) index finds the lines.
        lines = lines.filter(purchase_date__gte=datetime.combine(first, time(), tzinfo=zone))
        days, sku_days = days.filter(day__gte=first), sku_days.filter(day__gte=first)
    if last is not None:
        end = datetime.combine(last + timedelta(days=1), time(), tzinfo=zone)
        lines = lines.filter(purchase_date__lt=end)
        days, sku_days = days.filter(day__lte=last), sku_days.filter(day__lte=last)
    by_day = lines.annotate(day=TruncDate("purchase_date"))
    revenue = OrderDay._meta.get_field("revenue")
    with transaction.atomic():
        days.delete()
        sku_days.delete()
        _insert_select(
            OrderDay,
            by_day.values("seller_id", "day", "currency").annotate(
                line_count=Count("id"),
                order_count=Count("amazon_order_id", distinct=True),
                unit_count=Coalesce(Sum("quantity"), 0),
                total=Coalesce(Sum("item_price"), Value(0), output_field=revenue),
            ),
            lines="line_count",
            orders="order_count",
            units="unit_count",
            revenue="total",
        )
        _insert_select(
            OrderSkuDay,
            by_day.values("seller_id", "day", "currency", "sku").annotate(
                unit_count=Coalesce(Sum("quantity"), 0),
                total=Coalesce(Sum("item_price"), Value(0), output_field=revenue),
            ),
            units="unit_count",
            revenue="total",
        )


def _insert_select(model: type[OrderDay | OrderSkuDay], query: QuerySet, **sums: str) -> None:
    """``INSERT ... SELECT`` of a grouped query: the sums never pass through Python (a year of
    a large seller's SKU days is millions of rows). The query's ``values()`` fields have the
    table's column names; ``sums`` maps the other columns to the query's annotations."""
    try:
        select, params = query.query.sql_with_params()
    except EmptyResultSet:  # the seller has no finished orders report: nothing to sum
        return
    quote = connection.ops.quote_name
    grouped = [name for name in query.query.values_select] + [
        name for name in query.query.annotation_select if name not in sums.values()
    ]
    targets = {**{name: name for name in grouped if name in _columns(model)}, **sums}
    columns = ", ".join(quote(name) for name in targets)
    sources = ", ".join(quote(source) for source in targets.values())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
            f"SELECT {sources} FROM ({select}) AS grouped",
            params,
        )


def _columns(model: type[OrderDay | OrderSkuDay]) -> set[str]:
    return {field.column for field in model._meta.concrete_fields if field.column is not None}
