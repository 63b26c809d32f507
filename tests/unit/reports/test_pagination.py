"""The reports list stays fast at any depth: every page is an index range scan, never a sort
or a scan of the seller's whole history (checked on SQLite's query plan)."""

from __future__ import annotations

import pytest
from django.db import connection

from reports import services
from tests.factories import ReportRequestFactory, SellerFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="reads SQLite's EXPLAIN QUERY PLAN output"
    ),
]


@pytest.mark.parametrize(
    "filters",
    [{}, {"report_type": "_GET_AFN_INVENTORY_DATA_"}, {"status": "submitted"}],
)
def test_a_deep_page_is_an_index_range_scan(filters, django_assert_num_queries):
    seller = SellerFactory()
    ReportRequestFactory(seller=seller)
    with django_assert_num_queries(1) as captured:
        services.list_report_requests(seller, before=100_000, **filters)
    sql = captured.captured_queries[0]["sql"]
    assert "COUNT(" not in sql.upper()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    main = next(step for step in plan.split(" | ") if "reports_reportrequest " in step)
    # Equality on the seller (and the filter), then a range on the key the page continues from.
    assert main.startswith("SEARCH reports_reportrequest USING"), plan
    assert "seller_id=?" in main, plan
    assert "id<?" in main, plan
    assert "TEMP B-TREE" not in plan, f"sorted instead of read in index order: {plan}"
    assert "SCAN reports_reportrequest" not in plan, plan
