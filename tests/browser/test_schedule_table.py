"""A seller searches the schedules and sorts them by clicking a column header."""

from __future__ import annotations

import pytest

from reports.models import ReportSchedule
from tests.browser.test_layout import log_in
from tests.factories import SellerFactory


@pytest.mark.django_db(transaction=True)
def test_search_and_sort_the_schedules(live_server, page, owner):
    seller = SellerFactory(owner=owner, name="Shop")
    for report_type, every in (
        ("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", "_1_DAY_"),
        ("_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_", "_15_MINUTES_"),
        ("_GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE_", "_1_WEEK_"),
    ):
        ReportSchedule.objects.create(seller=seller, report_type=report_type, schedule=every)
    page.set_viewport_size({"width": 360, "height": 800})
    log_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/reports/sellers/{seller.pk}/schedules/")
    first_cells = page.locator("table.schedules tbody tr td:nth-child(2)")

    page.click("th >> text=Every")
    page.wait_for_url("**sort=every**")
    assert page.locator("th[aria-sort=ascending]").inner_text() == "Every"
    assert "15" in first_cells.first.inner_text()
    page.click("th >> text=Every")
    page.wait_for_url("**sort=-every**")
    assert page.locator("th[aria-sort=descending]").inner_text() == "Every"
    assert "15" in first_cells.last.inner_text()

    page.get_by_label("Search").fill("returns")
    page.click("button:has-text('Search')")
    page.wait_for_url("**q=returns**")
    assert page.locator("table.schedules tbody tr").count() == 1
    assert page.locator("th[aria-sort=descending]").inner_text() == "Every", "sort kept"
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
