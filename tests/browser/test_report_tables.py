"""A seller searches the report requests by what they are about, sorts them by date and pages
through them, on a phone as on a desktop."""

from __future__ import annotations

import pytest

from tests.browser.test_layout import log_in
from tests.factories import ReportRequestFactory, SellerFactory

RETURNS = "_GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE_"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_search_sort_and_page_the_request_list(live_server, page, owner, width):
    seller = SellerFactory(owner=owner, name="Shop")
    returns = [ReportRequestFactory(seller=seller, report_type=RETURNS) for _ in range(27)]
    ReportRequestFactory(seller=seller)  # an Active listings report, the newest
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/reports/sellers/{seller.pk}/")
    rows = page.locator("table.requests tbody tr")
    assert rows.count() == 25
    assert "Inventory report" in rows.first.inner_text()

    page.get_by_label("Search").fill("returns")
    page.click("button:has-text('Filter')")
    page.wait_for_url("**q=returns**")
    assert all("Returns by return date" in text for text in rows.all_inner_texts())

    page.click("th >> text=Requested")
    page.wait_for_url("**sort=created**")
    assert page.locator("th[aria-sort=ascending]").count() == 1
    assert rows.first.locator("a").get_attribute("href").endswith(f"/{returns[0].pk}/")
    page.click(".pager >> text=Next →")
    page.wait_for_url("**after=**")
    assert rows.count() == 2
    assert rows.last.locator("a").get_attribute("href").endswith(f"/{returns[-1].pk}/")
    page.click(".pager >> text=← Previous")
    page.wait_for_url("**before=**")
    assert rows.count() == 25
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
