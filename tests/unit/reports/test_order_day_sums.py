"""The dashboard's day sums of order lines (reports.summaries), kept by ingest."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

from reports import ingest, insights
from reports.models import IngestState, OrderDay, OrderLine, OrderSkuDay
from tests.factories import SellerFactory
from tests.unit.reports.report_data import ORDERS, ORDERS_HEADER, ingested, orders_body

pytestmark = pytest.mark.django_db

LAST_UPDATE = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_"


def order_lines(*rows: str) -> bytes:
    """Order lines as (order id, day of May 2020, status, sku, quantity, currency, price)."""
    lines = [ORDERS_HEADER]
    for row in rows:
        order, day, status, sku, quantity, currency, price = row.split()
        lines.append(
            f"{order}\t2020-05-{day}T10:00:00+00:00\t{status}\t{sku}\t{quantity}\t{currency}\t"
            f"{price}\tWidget\n"
        )
    return "".join(lines).encode()


def sums_over_lines(seller) -> tuple[dict, dict]:
    """What the day sums must hold, computed from the lines with the dashboard's rules."""
    lines = OrderLine.objects.filter(
        seller=seller, is_latest=True, report__data__state=IngestState.DONE
    ).exclude(order_status="Cancelled")
    by_day = lines.annotate(day=TruncDate("purchase_date"))
    days = {
        (row["day"], row["currency"]): (row["n"], row["orders"], row["units"], row["revenue"])
        for row in by_day.values("day", "currency").annotate(
            n=Count("id"),
            orders=Count("amazon_order_id", distinct=True),
            units=Sum("quantity"),
            revenue=Sum("item_price"),
        )
    }
    skus = {
        (row["day"], row["currency"], row["sku"]): (row["units"], row["revenue"])
        for row in by_day.values("day", "currency", "sku").annotate(
            units=Sum("quantity"), revenue=Sum("item_price")
        )
    }
    return days, skus


def stored_sums(seller) -> tuple[dict, dict]:
    days = {
        (row.day, row.currency): (row.lines, row.orders, row.units, row.revenue)
        for row in OrderDay.objects.filter(seller=seller)
    }
    skus = {
        (row.day, row.currency, row.sku): (row.units, row.revenue)
        for row in OrderSkuDay.objects.filter(seller=seller)
    }
    return days, skus


def test_the_day_sums_equal_the_sums_over_the_lines():
    seller = SellerFactory()
    ingested(ORDERS, orders_body(), seller=seller)
    # A later report restates one order item, adds another in euros, cancels an order.
    ingested(
        LAST_UPDATE,
        order_lines(
            "111-0000 01 Shipped SKU-0 5 USD 99.00",
            "111-0001 02 Cancelled SKU-1 2 USD 11.25",
            "222-0001 03 Shipped SKU-9 1 EUR 7.50",
        ),
        seller=seller,
    )
    expected = sums_over_lines(seller)
    assert stored_sums(seller) == expected
    days, _ = expected
    # Two orders with several items each count once a day; the cancelled order is left out.
    assert len(days) == 4
    assert days[(OrderLine.objects.first().purchase_date.date(), "USD")][0] == 4


def test_reading_a_report_again_replaces_its_sums(media):
    seller = SellerFactory()
    report = ingested(ORDERS, orders_body(), seller=seller)
    (media / report.file).write_bytes(
        order_lines("333-0001 20 Shipped SKU-7 3 USD 30.00", "333-0002 20 Shipped SKU-7 1 USD 5")
    )
    data = ingest.ingest_report(report, force=True)
    assert data.state == IngestState.DONE
    days, skus = stored_sums(seller)
    assert days == sums_over_lines(seller)[0]
    # The days of the old reading are gone, the new day holds the new lines only.
    assert [day.isoformat() for day, _ in days] == ["2020-05-20"]
    assert skus[(next(iter(days))[0], "USD", "SKU-7")] == (4, Decimal("35.00"))


def test_a_reading_that_fails_takes_its_lines_out_of_the_sums(media):
    seller = SellerFactory()
    report = ingested(ORDERS, orders_body(), seller=seller)
    assert OrderDay.objects.filter(seller=seller).exists()
    (media / report.file).unlink()
    assert ingest.ingest_report(report, force=True).state == IngestState.FAILED
    assert stored_sums(seller) == ({}, {})
    assert insights.dashboard_for(seller).orders_by_day == []


def test_each_seller_has_sums_of_their_own_lines_only():
    seller, other = SellerFactory(), SellerFactory()
    ingested(ORDERS, orders_body(), seller=seller)
    ingested(ORDERS, order_lines("444-0001 02 Shipped SKU-0 9 USD 900.00"), seller=other)
    assert stored_sums(seller) == sums_over_lines(seller)
    assert stored_sums(other) == sums_over_lines(other)
    board = insights.dashboard_for(seller)
    assert [day.orders for day in board.orders_by_day] == [4, 4, 3]
    assert "SKU-0" in {sku.sku for sku in board.top_skus}
    assert max(sku.units for sku in board.top_skus) < 9
    (only,) = insights.dashboard_for(other).orders_by_day
    assert (only.orders, only.units, only.revenue) == (1, 9, Decimal("900.00"))


def test_the_dashboard_shows_the_thirty_days_up_to_the_newest_order():
    seller = SellerFactory()
    body = [ORDERS_HEADER]
    for day in range(1, 41):  # 40 days of one order each, 2020-04-01 to 2020-05-10
        month, date = (4, day) if day <= 30 else (5, day - 30)
        body.append(
            f"555-{day:04d}\t2020-{month:02d}-{date:02d}T23:30:00+00:00\tShipped\tSKU-1\t1\t"
            f"USD\t1.00\tWidget\n"
        )
    ingested(ORDERS, "".join(body).encode(), seller=seller)
    days = insights.dashboard_for(seller).orders_by_day
    assert len(days) == insights.ORDER_DAYS
    assert (days[0].day.isoformat(), days[-1].day.isoformat()) == ("2020-04-11", "2020-05-10")
