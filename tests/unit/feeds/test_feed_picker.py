"""The feed type picker is the report picker on feeds: human names under their category, the
types the seller sent lately first, and a line on what each carries."""

from __future__ import annotations

import pytest
from lxml import html

from feeds.forms import offered_feed_types
from feeds.services import list_recent_feed_types
from mwsclient.operations import FEED_TYPES
from mwsportal.picker import RECENTLY_USED
from tests.factories import FeedSubmissionFactory, SellerFactory

PRICES = "_POST_PRODUCT_PRICING_DATA_"
STOCK = "_POST_INVENTORY_AVAILABILITY_DATA_"
VAT = "_UPLOAD_VAT_INVOICE_"

pytestmark = pytest.mark.django_db


def test_recent_types_are_the_sellers_own_newest_first_each_once(owner, media):
    seller = SellerFactory(owner=owner)
    for feed_type in (STOCK, PRICES, STOCK):
        FeedSubmissionFactory(seller=seller, feed_type=feed_type)
    # Neither a type the upload form does not offer nor another seller's feeds count.
    FeedSubmissionFactory(seller=seller, feed_type=VAT)
    FeedSubmissionFactory(seller=SellerFactory(), feed_type=PRICES)
    assert list_recent_feed_types(seller, offered_feed_types()) == [STOCK, PRICES]
    assert list_recent_feed_types(seller, offered_feed_types(), limit=1) == [STOCK]


def test_every_offered_type_says_what_it_carries():
    assert all(FEED_TYPES[value].description for value in offered_feed_types())


def test_upload_picker_offers_recent_types_first_and_describes_each(owner_client, owner, media):
    seller = SellerFactory(owner=owner)
    FeedSubmissionFactory(seller=seller, feed_type=PRICES)
    page = html.fromstring(owner_client.get(f"/feeds/sellers/{seller.pk}/upload/").content)
    groups = page.xpath("//select[@id='id_feed_type']/optgroup")
    assert groups[0].get("label") == RECENTLY_USED
    assert [o.get("value") for o in groups[0].findall("option")] == [PRICES]
    price = page.xpath(f"//optgroup[@label='Products and inventory']/option[@value='{PRICES}']")[0]
    assert price.get("data-description") == FEED_TYPES[PRICES].description
    assert "Pricing feed" in price.get("data-search")
    assert "_POST_" not in price.get("data-search")
    search = page.xpath("//input[@data-picker-search='id_feed_type']")[0]
    assert page.xpath(f"//label[@for='{search.get('id')}']")
