"""A seller narrows the feed list by searching and filtering, sorts it by date and pages it."""

from __future__ import annotations

import pytest

from tests.browser.layout_support import blocking_axe_violations
from tests.browser.test_layout import log_in
from tests.factories import FeedSubmissionFactory, SellerFactory

PRICES = "_POST_PRODUCT_PRICING_DATA_"


@pytest.mark.django_db(transaction=True)
def test_search_filter_sort_and_page_the_feed_list(live_server, page, owner, media):
    seller = SellerFactory(owner=owner, name="Shop")
    prices = [
        FeedSubmissionFactory(seller=seller, feed_type=PRICES, state="complete") for _ in range(26)
    ]
    FeedSubmissionFactory(seller=seller, filename="stock.xml", state="complete")
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/feeds/sellers/{seller.pk}/")
    rows = page.locator("table.feeds tbody tr")
    assert rows.count() == 25
    assert "Inventory feed" in rows.first.inner_text()

    page.get_by_label("Search").fill("stock.xml")
    page.click("button:has-text('Filter')")
    page.wait_for_url("**q=stock.xml**")
    assert rows.count() == 1

    page.get_by_label("Search").fill("")
    page.get_by_label("Type").select_option(PRICES)
    page.click("button:has-text('Filter')")
    page.wait_for_url(f"**feed_type={PRICES}**")
    page.click("th >> text=Created")
    page.wait_for_url("**sort=created**")
    assert rows.first.locator("a").get_attribute("href").endswith(f"/{prices[0].pk}/")
    page.click(".pager >> text=Next →")
    page.wait_for_url("**after=**")
    assert rows.count() == 1
    assert rows.first.locator("a").get_attribute("href").endswith(f"/{prices[-1].pk}/")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_sort_the_feed_list_by_errors_and_page_it(live_server, axe_page, owner, media, width):
    page = axe_page
    seller = SellerFactory(owner=owner, name="Shop")
    worst = FeedSubmissionFactory(seller=seller, state="complete", messages_with_error=9)
    for errors in [0, 1, 2] * 9:
        FeedSubmissionFactory(seller=seller, state="complete", messages_with_error=errors)
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/feeds/sellers/{seller.pk}/")
    rows = page.locator("table.feeds tbody tr")

    page.click("th >> text=Errors")
    page.wait_for_url("**sort=-errors**")
    assert page.locator("th[aria-sort=descending] >> text=Errors").count() == 1
    assert rows.first.locator("a").get_attribute("href").endswith(f"/{worst.pk}/")
    page.click(".pager >> text=Next →")
    page.wait_for_url("**before=**")
    assert rows.count() == 3
    assert all(text.strip().endswith("0") for text in rows.all_inner_texts())
    assert "sort=-errors" in page.url
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert blocking_axe_violations(page) == []
