"""A seller reads report data in the browser: the dashboard's charts, a 10,000-row table
filtered and sorted, and an export of the filtered view."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from reports.models import OrderLine
from tests.factories import SellerFactory
from tests.unit.reports.report_data import (
    INVENTORY,
    ORDERS,
    ORDERS_HEADER,
    SETTLEMENT,
    ingested,
    inventory_body,
    orders_body,
    settlement_body,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", user.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def big_orders_body(rows: int) -> bytes:
    lines = [ORDERS_HEADER]
    for n in range(rows):
        lines.append(
            f"111-{n:07d}\t2020-05-{1 + n % 28:02d}T10:00:00+00:00\tShipped\tSKU-{n % 97}\t"
            f"{1 + n % 3}\tUSD\t{n % 500}.{n % 100:02d}\tWidget {n % 97}\n"
        )
    return "".join(lines).encode()


def test_dashboard_charts_show_the_numbers_of_the_rows(live_server, page, owner, media):
    seller = SellerFactory(owner=owner, name="Chart shop")
    for number, (start, end) in enumerate(
        [("2020-04-03", "2020-04-17"), ("2020-04-17", "2020-05-01"), ("2020-05-01", "2020-05-15")]
    ):
        ingested(SETTLEMENT, settlement_body(f"10{number}", "73.00", start, end), seller=seller)
    ingested(ORDERS, orders_body(), seller=seller)
    ingested(INVENTORY, inventory_body(), seller=seller)
    log_in(page, live_server, owner)

    page.goto(f"{live_server.url}/reports/sellers/{seller.pk}/dashboard/")
    page.wait_for_selector("figure.chart[data-drawn=true]")
    assert page.locator(".deposit-amount").inner_text() == "73.00 USD"
    charts = page.evaluate(
        """() => Array.from(document.querySelectorAll('figure.chart canvas')).map(canvas => {
            const chart = Chart.getChart(canvas);
            return {labels: chart.data.labels,
                    series: chart.data.datasets.map(d => [d.label, d.data])};
        })"""
    )
    settlements, orders_per_day, skus = charts
    assert len(settlements["labels"]) == 3
    assert dict(settlements["series"])["Sales"] == [100.0, 100.0, 100.0]
    assert dict(settlements["series"])["Amazon fees"] == [-17.0, -17.0, -17.0]
    assert dict(settlements["series"])["Refunds"] == [-10.0, -10.0, -10.0]
    # Orders per day: distinct orders of the rows (the cancelled one left out).
    expected_days = {}
    for line in OrderLine.objects.exclude(order_status="Cancelled"):
        expected_days.setdefault(line.purchase_date.date(), set()).add(line.amazon_order_id)
    assert orders_per_day["series"][0][1] == [len(v) for _, v in sorted(expected_days.items())]
    revenue = dict(skus["series"])["Revenue"]
    assert revenue == sorted(revenue, reverse=True)
    assert sum(revenue) == float(
        sum(
            (line.item_price for line in OrderLine.objects.exclude(order_status="Cancelled")),
            Decimal(0),
        )
    )
    # Each chart has its numbers as a table beside it.
    assert page.locator("#settlements-table tbody tr").count() == 3
    page.click("#skus-table tbody tr:first-child a")
    page.wait_for_url("**/rows/?f.sku=*")
    assert page.locator(".rows-table tbody tr").count() >= 1


def test_filter_sort_and_export_a_ten_thousand_row_report(live_server, page, owner, media):
    seller = SellerFactory(owner=owner, name="Big shop")
    report = ingested(ORDERS, big_orders_body(10_000), seller=seller)
    log_in(page, live_server, owner)

    page.goto(f"{live_server.url}/reports/{report.pk}/rows/")
    assert page.locator("#row-count").get_attribute("data-count") == "10000"
    assert page.locator(".rows-table tbody tr").count() == 50

    # Filter: one SKU, then a price range, through the form's "add a filter" line.
    page.fill("#row-search", "Widget 7")
    page.select_option("#new-filter-column", "item-price")
    page.select_option("#new-filter-operator", "min")
    page.fill("#new-filter-value", "400")
    page.click("button:has-text('Apply')")
    page.wait_for_url("**/rows/?*")
    expected = [
        n for n in range(10_000) if f"Widget {n % 97}".find("Widget 7") >= 0 and n % 500 >= 400
    ]
    assert page.locator("#row-count").get_attribute("data-count") == str(len(expected))

    # Sort by price, descending: click the header twice.
    page.click(".rows-table th a[data-column='item-price']")
    page.wait_for_url("**sort=item-price*")
    page.click(".rows-table th a[data-column='item-price']")
    page.wait_for_url("**sort=-item-price*")
    header = page.locator(".rows-table thead th").all_inner_texts()
    price_column = [h.strip(" ▲▼") for h in header].index("item-price")
    prices = [
        Decimal(text)
        for text in page.locator(
            f".rows-table tbody td:nth-child({price_column + 1})"
        ).all_inner_texts()
    ]
    assert prices == sorted(prices, reverse=True)
    assert len(prices) == min(50, len(expected))

    with page.expect_download() as download_info:
        page.click("a.export-csv")
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    exported = list(csv.DictReader(io.StringIO(text)))
    assert len(exported) == len(expected)
    assert [Decimal(row["item-price"]) for row in exported] == sorted(
        (Decimal(row["item-price"]) for row in exported), reverse=True
    )
    assert all(Decimal(row["item-price"]) >= 400 for row in exported)


def test_a_report_too_large_to_scan_sorts_and_filters_by_its_indexed_columns(
    live_server, page, owner, media, monkeypatch
):
    monkeypatch.setattr("reports.rows.SCAN_LIMIT", 1_000)
    seller = SellerFactory(owner=owner, name="Big shop")
    report = ingested(ORDERS, big_orders_body(2_000), seller=seller)
    log_in(page, live_server, owner)

    page.goto(f"{live_server.url}/reports/{report.pk}/rows/")
    assert "sorted and filtered by purchase-date" in page.locator(".scan-limit").inner_text()
    assert page.locator("#row-search").count() == 0
    # Only the indexed column sorts: the others are headers without a link.
    assert page.locator(".rows-table th a[data-column]").all_inner_texts() == ["purchase-date"]
    assert page.locator("#new-filter-column option").all_inner_texts() == ["purchase-date"]

    page.select_option("#new-filter-operator", "min")
    page.fill("#new-filter-value", "2020-05-27")
    page.click("button:has-text('Apply')")
    page.wait_for_url("**/rows/?*")
    # Days 27 and 28 of every 28 lines.
    assert page.locator("#row-count").get_attribute("data-count") == "142"
    page.click(".rows-table th a[data-column='purchase-date']")
    page.wait_for_url("**sort=purchase-date*")
    assert page.locator(".rows-table tbody tr").count() == 50

    # A sort the report is too large for, asked in the address, is explained.
    page.goto(f"{live_server.url}/reports/{report.pk}/rows/?sort=sku")
    assert (
        "Sorting by “sku” is offered for reports of up to 1,000 rows"
        in page.locator(".form-error").inner_text()
    )
