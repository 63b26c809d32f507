"""A seller finds a feed type by typing what it is for, sees what it carries, finds the one
they sent last at the top, and the sample link follows the choice."""

from __future__ import annotations

import pytest

from tests.browser.layout_support import blocking_axe_violations
from tests.browser.test_layout import log_in
from tests.factories import FeedSubmissionFactory, SellerFactory

PRICES = "_POST_PRODUCT_PRICING_DATA_"
SHIPPED = "_POST_ORDER_FULFILLMENT_DATA_"


def visible_options(page: object) -> list[str]:
    return page.eval_on_selector(
        "#id_feed_type",
        "select => [...select.options].filter(o => !o.hidden && o.value).map(o => o.text)",
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_search_narrows_the_feed_picker_and_describes_the_choice(
    live_server, axe_page, owner, media, width
):
    page = axe_page
    seller = SellerFactory(owner=owner, name="Shop")
    FeedSubmissionFactory(seller=seller, feed_type=PRICES)
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/feeds/sellers/{seller.pk}/upload/")

    assert page.locator("#id_feed_type optgroup").first.get_attribute("label") == "Recently used"
    everything = len(visible_options(page))
    page.get_by_label("Find a feed type").fill("tracking number")
    assert visible_options(page) == [
        "Order fulfillment (XML)",
        "Flat file order fulfillment (flat file)",
    ]
    assert page.locator(".picker-count").inner_text() == "2 feed types match."
    # The choice follows the search, and so do the line below and the sample link.
    assert page.input_value("#id_feed_type") == SHIPPED
    assert "tracking number" in page.locator("#feed-type-about").inner_text()
    assert SHIPPED in page.get_attribute("#feed-sample-link", "href")
    assert page.locator("#id_feed_type optgroup[label='Recently used']").is_hidden()

    page.get_by_label("Find a feed type").fill("_POST_")
    assert visible_options(page) == []
    assert page.locator(".picker-count").inner_text() == "No feed type matches."
    page.get_by_label("Find a feed type").fill("")
    assert len(visible_options(page)) == everything
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert blocking_axe_violations(page) == []
