"""A seller's feed list: newest first, searchable by what a feed is and by file name,
filterable, sortable by date and paged both ways; the live refresh keeps the filters."""

from __future__ import annotations

import pytest
from lxml import html

from feeds import services
from tests.factories import FeedSubmissionFactory, SellerFactory

PRICES = "_POST_PRODUCT_PRICING_DATA_"

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(owner):
    return SellerFactory(owner=owner)


def test_feeds_page_both_ways_in_either_order(seller, media):
    made = [FeedSubmissionFactory(seller=seller).pk for _ in range(5)]
    first = services.page_feeds(seller, size=2)
    assert [f.pk for f in first.items] == made[:-3:-1]
    older = services.page_feeds(seller, before=first.before, size=2)
    assert [f.pk for f in older.items] == made[2:0:-1]
    assert [f.pk for f in services.page_feeds(seller, after=older.after, size=2).items] == (
        made[:-3:-1]
    )
    oldest = services.page_feeds(seller, sort="created", size=2)
    assert [f.pk for f in oldest.items] == made[:2]


def test_search_matches_the_feed_kind_or_the_file_name(seller, media):
    prices = FeedSubmissionFactory(seller=seller, feed_type=PRICES, filename="june.xml")
    stock = FeedSubmissionFactory(seller=seller, filename="stock-levels.xml")
    assert [f.pk for f in services.list_feeds(seller, search="pricing")] == [prices.pk]
    assert [f.pk for f in services.list_feeds(seller, search="STOCK-levels")] == [stock.pk]
    assert list(services.list_feeds(seller, search="_POST_")) == []


def test_page_keeps_filters_on_sort_pager_and_live_refresh(owner_client, seller, media):
    for _ in range(27):
        FeedSubmissionFactory(seller=seller, state="submitted", processing_status="_SUBMITTED_")
    url = f"/feeds/sellers/{seller.pk}/"
    page = html.fromstring(owner_client.get(url, {"q": "inventory"}).content)
    assert len(page.xpath("//table[@class='feeds']/tbody/tr")) == 25
    assert page.xpath("//th[@aria-sort]")[0].get("aria-sort") == "descending"
    assert "q=inventory" in page.xpath("//th[@aria-sort]/a")[0].get("href")
    assert "q=inventory" in page.xpath("//nav[@class='pager']/a[@class='next']")[0].get("href")
    assert "q=inventory" in page.get_element_by_id("feed-table").get("hx-get")

    fragment = owner_client.get(f"/feeds/sellers/{seller.pk}/table/", {"sort": "created"})
    rows = html.fromstring(fragment.content).xpath("//table[@class='feeds']/tbody/tr")
    assert len(rows) == 25

    nothing = owner_client.get(url, {"q": "no such feed"}).content.decode()
    assert "No feeds match these filters." in nothing
    refused = owner_client.get(url, {"state": "sideways"})
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()


def test_another_sellers_list_is_not_found(stranger_client, seller):
    assert stranger_client.get(f"/feeds/sellers/{seller.pk}/", {"q": "x"}).status_code == 404
