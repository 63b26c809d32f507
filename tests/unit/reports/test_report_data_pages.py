"""The pages over report data: table browser, exports, settlement, dashboard."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from reports.models import Report
from tests.factories import ReportFactory, SellerFactory
from tests.unit.reports.report_data import (
    INVENTORY,
    ORDERS,
    SETTLEMENT,
    ingested,
    inventory_body,
    orders_body,
    settlement_body,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(owner):
    return SellerFactory(owner=owner)


@pytest.fixture
def orders(seller) -> Report:
    return ingested(ORDERS, orders_body(), seller=seller)


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


# ---- table browser ----------------------------------------------------------------------------


def test_the_table_shows_every_column_and_the_first_rows(owner_client, orders):
    response = owner_client.get(f"/reports/{orders.pk}/rows/")
    assert response.status_code == 200
    page = response.context["page"]
    assert [c.name for c in page.columns][:3] == [
        "amazon-order-id",
        "purchase-date",
        "order-status",
    ]
    assert len(page.rows) == 12
    assert page.rows[0][1]["item-price"] == Decimal("10.25")
    assert b"12 rows." in response.content


def test_sorting_and_filtering_by_value_range_and_search(owner_client, orders):
    url = f"/reports/{orders.pk}/rows/"
    page = owner_client.get(url, {"sort": "-item-price"}).context["page"]
    prices = [row["item-price"] for _, row in page.rows]
    assert prices == sorted(prices, reverse=True)
    page = owner_client.get(url, {"f.sku": "sku-1"}).context["page"]
    assert {row["sku"] for _, row in page.rows} == {"SKU-1"}
    assert page.count == 3
    page = owner_client.get(url, {"f.item-price.min": "15", "f.item-price.max": "17.25"}).context[
        "page"
    ]
    assert sorted(row["item-price"] for _, row in page.rows) == [
        Decimal("15.25"),
        Decimal("16.25"),
        Decimal("17.25"),
    ]
    page = owner_client.get(url, {"f.purchase-date.min": "2020-05-03"}).context["page"]
    assert page.count == 4
    page = owner_client.get(url, {"q": "widget 2"}).context["page"]
    assert {row["sku"] for _, row in page.rows} == {"SKU-2"}


def test_pages_follow_each_other_without_gaps_or_repeats(owner_client, seller, monkeypatch):
    from reports import views

    monkeypatch.setattr(views, "ROWS_PER_PAGE", 5)
    report = ingested(ORDERS, orders_body(23), seller=seller)
    seen = []
    params = {"sort": "sku"}
    while True:
        response = owner_client.get(f"/reports/{report.pk}/rows/", params)
        page = response.context["page"]
        seen += [line for line, _ in page.rows]
        if not page.next_cursor:
            break
        params = {"sort": "sku", "cursor": page.next_cursor}
    assert sorted(seen) == list(range(2, 25))
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        ({"sort": "no-such-column"}, "sort", "no column"),
        ({"f.item-price.min": "cheap"}, "f.item-price.min", "not a number"),
        ({"f.purchase-date.max": "yesterday"}, "f.purchase-date.max", "not a date"),
        ({"f.sku.min": "A"}, "f.sku.min", "holds text"),
        ({"cursor": "!!!"}, "cursor", "not valid"),
    ],
)
def test_bad_parameters_are_named_on_the_page(owner_client, orders, params, field, text):
    response = owner_client.get(f"/reports/{orders.pk}/rows/", params)
    assert response.status_code == 400
    assert text in response.context["errors"][field]
    assert len(response.context["page"].rows) == 12


def test_a_report_not_read_yet_shows_its_first_rows_instead(owner_client, seller):
    report = ReportFactory(seller=seller, body=b"sku\tasin\tprice\tquantity\nA\tB\t1\t2\n")
    response = owner_client.get(f"/reports/{report.pk}/rows/")
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.pk}/preview/"


def test_lines_that_could_not_be_read_are_listed(owner_client, seller):
    body = b"amazon-order-id\tquantity\n111-1\t1\n111-2\tmany\n"
    report = ingested(ORDERS, body, seller=seller)
    response = owner_client.get(f"/reports/{report.pk}/rows/")
    assert b"1 line could not be read" in response.content
    assert b"many" in response.content


# ---- exports ----------------------------------------------------------------------------------


def test_csv_export_of_a_filtered_sorted_view(owner_client, orders):
    response = owner_client.get(
        f"/reports/{orders.pk}/export.csv", {"f.sku": "SKU-0", "sort": "-item-price"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('.csv"')
    text = streamed(response).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["amazon-order-id"] for row in rows] == ["111-0008", "111-0004", "111-0000"]
    assert rows[0]["item-price"] == "18.25"


def test_xlsx_export_has_typed_cells(owner_client, orders):
    response = owner_client.get(f"/reports/{orders.pk}/export.xlsx", {"f.sku": "SKU-1"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(streamed(response)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "amazon-order-id"
    assert len(rows) == 4
    price = rows[0].index("item-price")
    assert rows[1][price] == pytest.approx(11.25)


def test_xlsx_refuses_more_rows_than_a_sheet_holds(owner_client, orders, monkeypatch):
    from reports import exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 5)
    response = owner_client.get(f"/reports/{orders.pk}/export.xlsx", follow=True)
    assert b"export it as CSV" in response.content


# ---- settlement and dashboard -------------------------------------------------------------------


def test_the_settlement_page_groups_lines_and_compares_with_the_previous(owner_client, seller):
    ingested(
        SETTLEMENT, settlement_body("1000", "50.00", "2020-04-17", "2020-05-01"), seller=seller
    )
    report = ingested(SETTLEMENT, settlement_body(), seller=seller)
    response = owner_client.get(f"/reports/settlements/{report.settlement.pk}/")
    assert response.status_code == 200
    reconciliation = response.context["reconciliation"]
    assert reconciliation.previous is not None
    groups = {group.category: group for group in reconciliation.groups}
    assert groups["price"].total == Decimal("90.00")
    assert groups["fee"].total == Decimal("-17.00")
    assert dict((name, total) for name, total, _ in groups["fee"].items) == {
        "Commission": Decimal("-15.00"),
        "FBAPerUnitFulfillmentFee": Decimal("-2.00"),
    }
    assert b"Reconciled" in response.content
    assert b"settlement-mismatch" not in response.content


def test_a_settlement_that_does_not_reconcile_is_flagged_on_its_page_and_dashboard(
    owner_client, seller
):
    report = ingested(SETTLEMENT, settlement_body(total="80.00"), seller=seller)
    page = owner_client.get(f"/reports/settlements/{report.settlement.pk}/")
    assert b"settlement-mismatch" in page.content
    assert "80.00 USD" in page.content.decode()
    dashboard = owner_client.get(f"/reports/sellers/{seller.pk}/dashboard/")
    assert b"Does not reconcile" in dashboard.content


def test_the_dashboard_numbers_match_the_rows(owner_client, seller, orders):
    ingested(SETTLEMENT, settlement_body(), seller=seller)
    ingested(INVENTORY, inventory_body(), seller=seller)
    response = owner_client.get(f"/reports/sellers/{seller.pk}/dashboard/")
    assert response.status_code == 200
    board = response.context["board"]
    assert board.last_settlement.total_amount == Decimal("73.00")
    (last,) = board.settlements
    assert (last.sales, last.fees, last.refunds) == (
        Decimal("100.00"),
        Decimal("-17.00"),
        Decimal("-10.00"),
    )
    # 12 order lines over three days, the last one cancelled.
    assert [day.orders for day in board.orders_by_day] == [4, 4, 3]
    assert sum(day.revenue for day in board.orders_by_day) == sum(
        Decimal(f"{10 + n}.25") for n in range(11)
    )
    top = board.top_skus[0]
    assert top.revenue == max(sku.revenue for sku in board.top_skus)
    assert board.stock.in_stock == 2
    assert board.stock.out_of_stock == 1
    assert board.stock.inbound == 9
    assert board.stock.unfulfillable == 1
    # Each number links to its rows.
    assert f"/reports/{orders.pk}/rows/?f.sku=" in top.url
    assert owner_client.get(board.stock.in_stock_url).context["page"].count == 2


def test_an_empty_dashboard_says_what_feeds_each_panel(owner_client, seller):
    response = owner_client.get(f"/reports/sellers/{seller.pk}/dashboard/")
    text = response.content.decode()
    assert "settlement report" in text
    assert f"/reports/sellers/{seller.pk}/schedules/?report_type=" in text


# ---- another tenant ---------------------------------------------------------------------------


def test_another_sellers_data_is_404_everywhere(stranger_client, seller, orders):
    report = ingested(SETTLEMENT, settlement_body(), seller=seller)
    for url in (
        f"/reports/{orders.pk}/rows/",
        f"/reports/{orders.pk}/export.csv",
        f"/reports/{orders.pk}/export.xlsx",
        f"/reports/settlements/{report.settlement.pk}/",
        f"/reports/sellers/{seller.pk}/dashboard/",
    ):
        assert stranger_client.get(url).status_code == 404, url


def test_columns_without_a_typed_column_sort_and_filter_by_their_type(owner_client, seller):
    # The first settlement layout keeps its amount columns (price-amount, ...) in each row's
    # extra values: they still compare as numbers, and dates as dates.
    head = (
        "settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\t"
        "currency\ttransaction-type\torder-id\tposted-date\tsku\tprice-type\tprice-amount\n"
    )
    lines = [
        "7\t2020-05-01T00:00:00+00:00\t2020-05-15T00:00:00+00:00\t2020-05-16T00:00:00+00:00\t"
        "127.50\tUSD\t\t\t\t\t\t\n"
    ]
    for n, amount in enumerate(["9.50", "100.00", "18.00"]):
        lines.append(
            f"7\t\t\t\t\t\tOrder\t111-{n}\t2020-05-0{n + 2}T00:00:00+00:00\tSKU-{n}\t"
            f"Principal\t{amount}\n"
        )
    report = ingested(
        "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_", (head + "".join(lines)).encode(), seller=seller
    )
    url = f"/reports/{report.pk}/rows/"
    page = owner_client.get(url, {"sort": "-price-amount"}).context["page"]
    assert [row["price-amount"] for _, row in page.rows][:3] == [
        Decimal("100.00"),
        Decimal("18.00"),
        Decimal("9.50"),
    ]
    page = owner_client.get(url, {"f.price-amount.min": "10"}).context["page"]
    assert sorted(row["order-id"] for _, row in page.rows) == ["111-1", "111-2"]
    page = owner_client.get(url, {"f.total-amount": "127.5"}).context["page"]
    assert [line for line, _ in page.rows] == [2]
    page = owner_client.get(url, {"f.settlement-end-date.min": "2020-05-10"}).context["page"]
    assert page.count == 1


def test_the_preview_says_how_the_reading_stands(owner_client, seller):
    from reports.models import IngestState, ReportData

    report = ReportFactory(seller=seller, body=b"sku\tasin\tprice\tquantity\nA\tB\t1\t2\n")
    ReportData.objects.create(report=report, state=IngestState.WAITING)
    assert b"being read into rows" in owner_client.get(f"/reports/{report.pk}/preview/").content
    ReportData.objects.filter(report=report).update(
        state=IngestState.FAILED, error_message="The stored copy is missing."
    )
    page = owner_client.get(f"/reports/{report.pk}/preview/").content.decode()
    assert "could not be read into rows: The stored copy is missing." in page


def test_cells_are_escaped(owner_client, seller):
    body = b"sku\tasin\tprice\tquantity\n<script>alert(1)</script>\tB0\t1.00\t1\n"
    report = ingested("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", body, seller=seller)
    page = owner_client.get(f"/reports/{report.pk}/rows/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_settlement_sent_in_several_formats_counts_once(owner_client, seller):
    first = ingested(SETTLEMENT, settlement_body(), seller=seller)
    ingested("_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_", settlement_body(), seller=seller)
    board = owner_client.get(f"/reports/sellers/{seller.pk}/dashboard/").context["board"]
    assert [s.report_id for s in board.settlements] == [first.pk]


def test_settlements_in_another_currency_are_listed_apart(owner_client, seller):
    ingested(SETTLEMENT, settlement_body("1"), seller=seller)
    earlier = settlement_body("2", "50.00", "2020-04-17", "2020-05-01")
    canadian = ingested(SETTLEMENT, earlier.replace(b"\tUSD\t", b"\tCAD\t"), seller=seller)
    response = owner_client.get(f"/reports/sellers/{seller.pk}/dashboard/")
    board = response.context["board"]
    assert board.currency == "USD"
    assert [s.currency for s in board.settlements] == ["USD"]
    assert [s.pk for s in board.other_currencies] == [canadian.settlement.pk]
    assert f"/reports/settlements/{canadian.settlement.pk}/" in response.content.decode()


def test_the_previous_settlement_is_in_the_same_currency(owner_client, seller):
    ingested(SETTLEMENT, settlement_body("1", "50.00", "2020-04-03", "2020-04-17"), seller=seller)
    other = settlement_body("2", "50.00", "2020-04-17", "2020-05-01")
    ingested(SETTLEMENT, other.replace(b"\tUSD\t", b"\tMXN\t"), seller=seller)
    report = ingested(SETTLEMENT, settlement_body("3"), seller=seller)
    response = owner_client.get(f"/reports/settlements/{report.settlement.pk}/")
    assert response.context["reconciliation"].previous.settlement_id == "1"


# ---- reports too large to scan ----------------------------------------------------------------


@pytest.fixture
def large(monkeypatch):
    """Reports of more than 5 rows count as large: sorted and filtered by indexes only."""
    monkeypatch.setattr("reports.rows.SCAN_LIMIT", 5)


def test_a_large_report_is_sorted_and_filtered_by_its_indexed_columns(owner_client, orders, large):
    url = f"/reports/{orders.pk}/rows/"
    response = owner_client.get(url)
    text = response.content.decode()
    assert "sorted and filtered by purchase-date" in text
    headers = {column.name: link["url"] for column, link in response.context["headers"]}
    assert headers["purchase-date"] == "?sort=purchase-date"
    assert headers["sku"] == ""
    assert [c.name for c in response.context["filter_columns"]] == ["purchase-date"]
    assert 'name="q"' not in text
    page = owner_client.get(url, {"sort": "-purchase-date"}).context["page"]
    dates = [row["purchase-date"] for _, row in page.rows]
    assert dates == sorted(dates, reverse=True)
    page = owner_client.get(
        url, {"f.purchase-date.min": "2020-05-03", "f.purchase-date.max": "2020-05-03T23:59:59"}
    ).context["page"]
    assert page.count == 4


@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        ({"sort": "sku"}, "sort", "Sorting by “sku” is offered for reports of up to 5 rows"),
        ({"f.sku": "SKU-1"}, "f.sku", "Filtering by “sku” is offered"),
        ({"q": "Widget"}, "q", "Searching every column is offered for reports of up to 5 rows"),
    ],
)
def test_a_large_report_says_why_a_column_cannot_sort_or_filter_it(
    owner_client, orders, large, params, field, text
):
    response = owner_client.get(f"/reports/{orders.pk}/rows/", params)
    assert response.status_code == 400
    assert response.context["errors"][field].startswith(text)
    assert "this one has 12" in response.context["errors"][field]
    # The page still shows the rows, in the report's order.
    assert len(response.context["page"].rows) == 12


def test_a_large_report_exports_a_view_filtered_by_any_column(owner_client, orders, large):
    response = owner_client.get(
        f"/reports/{orders.pk}/export.csv", {"f.sku": "SKU-1", "sort": "item-price"}
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(streamed(response).decode("utf-8-sig"))))
    assert {row["sku"] for row in rows} == {"SKU-1"}
    assert len(rows) == 3


def test_a_large_report_without_indexed_columns_keeps_its_order(owner_client, seller, large):
    report = ingested(
        INVENTORY, inventory_body() + inventory_body().split(b"\n", 1)[1] * 2, seller=seller
    )
    url = f"/reports/{report.pk}/rows/"
    text = owner_client.get(url).content.decode()
    assert "it is shown in its own order, without sorting or filtering" in text
    response = owner_client.get(url, {"sort": "-sku"})
    assert response.status_code == 400
    assert "so it keeps the report's order" in response.context["errors"]["sort"]


def test_the_dashboards_sku_links_export_a_report_too_large_to_filter_by_sku(
    owner_client, seller, orders, large
):
    board = owner_client.get(f"/reports/sellers/{seller.pk}/dashboard/").context["board"]
    top = board.top_skus[0]
    assert top.url.startswith(f"/reports/{orders.pk}/export.csv?f.sku=")
    rows = list(
        csv.DictReader(io.StringIO(streamed(owner_client.get(top.url)).decode("utf-8-sig")))
    )
    assert rows
    assert {row["sku"] for row in rows} == {top.sku}
