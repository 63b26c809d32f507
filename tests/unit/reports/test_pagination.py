"""The reports list stays fast at any depth: every page is an index range scan, never a sort
or a scan of the seller's whole history (checked on SQLite's query plan)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from reports import services
from tests.factories import ReportFactory, ReportRequestFactory, SellerFactory

AFN = "_GET_AFN_INVENTORY_DATA_"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="reads SQLite's EXPLAIN QUERY PLAN output"
    ),
]


SINCE = datetime(2026, 1, 1, tzinfo=UTC)
UNTIL = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("list_rows", "table", "filters"),
    [
        (services.list_report_requests, "reports_reportrequest", {}),
        (services.list_report_requests, "reports_reportrequest", {"report_type": AFN}),
        (services.list_report_requests, "reports_reportrequest", {"status": "submitted"}),
        (services.list_report_requests, "reports_reportrequest", {"since": SINCE}),
        (services.list_report_requests, "reports_reportrequest", {"since": SINCE, "until": UNTIL}),
        (services.list_reports, "reports_report", {}),
        (services.list_reports, "reports_report", {"report_type": AFN}),
        (services.list_reports, "reports_report", {"state": "stored"}),
        (services.list_reports, "reports_report", {"since": SINCE, "until": UNTIL}),
    ],
)
def test_a_deep_page_is_an_index_range_scan(list_rows, table, filters, django_assert_num_queries):
    seller = SellerFactory()
    ReportRequestFactory(seller=seller)
    ReportFactory(seller=seller)
    with django_assert_num_queries(1) as captured:
        list_rows(seller, before=100_000, **filters)
    sql = captured.captured_queries[0]["sql"]
    assert "COUNT(" not in sql.upper()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    main = next(step for step in plan.split(" | ") if f"{table} " in step)
    # Equality on the seller (and the filter), then a range on the key the page continues from.
    assert main.startswith(f"SEARCH {table} USING"), plan
    assert "seller_id=?" in main, plan
    assert "id<?" in main, plan
    assert "TEMP B-TREE" not in plan, f"sorted instead of read in index order: {plan}"
    assert f"SCAN {table}" not in plan, plan
