"""Feeds help in the browser: the upload form follows the chosen type (sample link, purge
controls), a failed feed's codes explain themselves, and "fix and resubmit" leads from the
results to a prefilled upload with the failed rows to correct."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.models import FeedSubmission
from tests.browser.test_sellers_onboarding import log_in_to_portal
from tests.factories import (
    FeedMessageResultFactory,
    FeedSubmissionFactory,
    SellerFactory,
    SellerMarketplaceFactory,
)

LISTINGS = "_POST_FLAT_FILE_LISTINGS_DATA_"
INVENTORY = "_POST_INVENTORY_AVAILABILITY_DATA_"
FLAT_FEED = b"sku\tprice\tquantity\nOK-1\t1.00\t1\nBAD-2\t-1\t1\n"


@pytest.fixture
def seller(owner, media):
    seller = SellerFactory(owner=owner, seller_id="A1BROWSERHELP1", region="NA", name="Shop")
    SellerMarketplaceFactory(seller=seller, marketplace_id="ATVPDKIKX0DER", name="Amazon.com")
    SellerMarketplaceFactory(seller=seller, marketplace_id="A2EUQ1WTGCTBG2", name="Amazon.ca")
    return seller


@pytest.mark.django_db(transaction=True)
def test_upload_form_follows_the_chosen_type(live_server, page, owner, seller):
    log_in_to_portal(page, live_server.url, owner)
    page.goto(f"{live_server.url}/feeds/sellers/{seller.pk}/upload/")
    purge = page.locator("[data-purge-field]").first
    sample = page.locator("#feed-sample-link")
    assert not purge.is_visible()
    assert not sample.is_visible()

    page.select_option("#id_feed_type", LISTINGS)
    assert purge.is_visible()
    page.check("#id_purge_and_replace")
    with page.expect_download() as download:
        sample.click()
    body = Path(download.value.path()).read_bytes()
    assert body.startswith(b"sku\tproduct-id\t")

    # An XML type takes no purge: the controls go, and the ticked box with them.
    page.select_option("#id_feed_type", INVENTORY)
    assert not purge.is_visible()
    assert not page.is_checked("#id_purge_and_replace")
    with page.expect_download() as download:
        sample.click()
    assert b"<MessageType>Inventory</MessageType>" in Path(download.value.path()).read_bytes()

    page.get_by_text("Sample files of every feed type").click()
    assert page.locator(".feed-samples a").count() >= 30


@pytest.mark.django_db(transaction=True)
def test_fix_and_resubmit_from_a_failed_feed(live_server, page, owner, seller):
    feed = FeedSubmissionFactory(
        seller=seller,
        feed_type=LISTINGS,
        filename="listings.txt",
        state=FeedSubmission.State.COMPLETE,
        feed_submission_id="70001",
        marketplace_ids=["A2EUQ1WTGCTBG2"],
        messages_processed=2,
        messages_successful=1,
        messages_with_error=1,
        body=FLAT_FEED,
    )
    FeedMessageResultFactory(submission=feed, message_id=2, sku="BAD-2", code="8105")
    log_in_to_portal(page, live_server.url, owner)
    page.goto(f"{live_server.url}/feeds/{feed.pk}/")

    # The code explains itself.
    page.locator(".results a", has_text="8105").click()
    page.wait_for_url("**/feeds/codes/#code-8105")
    assert "A value is malformed" in page.locator("#code-8105").inner_text()
    page.go_back()

    fix = page.locator("section.fix-and-resubmit")
    with page.expect_download() as download:
        fix.get_by_role("link", name="Download the failed rows").click()
    assert Path(download.value.path()).read_bytes() == b"sku\tprice\tquantity\nBAD-2\t-1\t1\n"

    fix.get_by_role("link", name="Upload the corrected file").click()
    page.wait_for_url(f"**/feeds/sellers/{seller.pk}/upload/?from={feed.pk}")
    assert "Resubmitting a corrected file" in page.locator(".resubmit-note").inner_text()
    assert page.input_value("#id_feed_type") == LISTINGS
    assert page.is_checked("input[name=marketplaces][value=A2EUQ1WTGCTBG2]")
    assert not page.is_checked("input[name=marketplaces][value=ATVPDKIKX0DER]")
    # The type takes purge and replace, so it is offered, but never ticked for the seller.
    assert page.locator("[data-purge-field]").first.is_visible()
    assert not page.is_checked("#id_purge_and_replace")
