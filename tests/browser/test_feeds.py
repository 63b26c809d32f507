"""A seller builds an inventory feed from a CSV, submits it, watches it finish, reads the
per-message errors, then sees the new quantities in a listings report."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.files.storage import default_storage

from feeds.models import FeedSubmission
from mwssandbox.server import RunningSandbox, running_sandbox
from reports.services import poll_all_sellers
from tests.factories import SellerFactory, SellerMarketplaceFactory
from tests.integration.feeds.support import (
    TIME_SCALE,
    US,
    US_SELLER,
    US_TOKEN,
    mfn_skus,
    point_portal_at,
    pump_once,
    sandbox_config,
)


@pytest.fixture
def sandbox(settings, media) -> Iterator[RunningSandbox]:
    # The periodic polls give each seller a slot within their period (chosen by the seller's
    # id, which differs between databases); short periods bring every slot within the loop.
    settings.REPORTS_POLL_SECONDS = 0.5
    settings.FEED_SYNC_SECONDS = 0.5
    with running_sandbox(sandbox_config(), time_scale=TIME_SCALE) as running:
        point_portal_at(settings, running.url)
        yield running


def pump_until_visible(page, selector: str, *, attempts: int = 200) -> None:
    """Run what beat and the worker would run until ``selector`` shows on the page."""
    for _ in range(attempts):
        pump_once()
        poll_all_sellers()
        if page.locator(selector).count():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{selector} never appeared")


@pytest.mark.django_db(transaction=True)
def test_build_submit_watch_errors_then_listings_report(live_server, page, sandbox, owner):
    seller = SellerFactory(owner=owner, seller_id=US_SELLER, auth_token=US_TOKEN, name="Shop")
    SellerMarketplaceFactory(seller=seller, marketplace_id=US)
    first, second = mfn_skus(sandbox, 2)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", owner.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.click("nav.mainnav >> text=Feeds")
    page.click("text=Build a feed")
    page.check("input[name=kind][value=inventory]")
    table = f"sku,quantity,latency\n{first},321,2\nNO-SUCH-SKU-BROWSER,4,1\n{second},0\n"
    page.set_input_files(
        "#id_csv_file",
        files=[{"name": "stock.csv", "mimeType": "text/csv", "buffer": table.encode()}],
    )
    page.click("button:has-text('Build the feed for review')")
    page.wait_for_url("**/feeds/*/")
    review = page.locator("pre.feed-review").inner_text()
    assert f"<SKU>{first}</SKU>" in review
    assert "<Quantity>321</Quantity>" in review
    assert not FeedSubmission.objects.exclude(state="draft").exists()

    page.click("button:has-text('Submit to Amazon')")
    page.wait_for_selector(".feed-status[hx-trigger]")
    pump_until_visible(page, ".processing-report")
    assert page.locator(".feed-status .badge").first.inner_text() == "Processed"
    assert page.locator(".feed-status[hx-trigger]").count() == 0, "polling stopped"
    assert page.locator(".messages-processed").inner_text() == "3"
    assert page.locator(".messages-with-error").inner_text() == "1"
    (error_row,) = page.locator("table.results tbody tr.error").all()
    cells = error_row.locator("td").all_inner_texts()
    assert cells[0] == "2"
    assert cells[1] == "NO-SUCH-SKU-BROWSER"
    assert cells[3] == "13013"

    page.click("nav.mainnav >> text=Reports")
    page.click("text=Request a report")
    page.select_option("#id_report_type", "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_")
    page.click("button:has-text('Request the report')")
    page.wait_for_url("**/reports/requests/*/")
    pump_until_visible(page, ".report-status .badge.ok")
    page.click(".report-status >> text=Preview")
    page.wait_for_url("**/preview/")
    headers = page.locator(".preview-table thead th").all_inner_texts()
    quantity = headers.index("quantity")
    rows = {
        cells[0]: cells
        for cells in (
            row.locator("td").all_inner_texts()
            for row in page.locator(".preview-table tbody tr").all()
        )
    }
    assert rows[first][quantity] == "321"
    assert rows[second][quantity] == "0"


@pytest.mark.django_db(transaction=True)
def test_an_oversized_upload_is_refused_with_a_message(
    live_server, page, owner, settings, tmp_path
):
    settings.FEED_UPLOAD_MAX_BYTES = 1024 * 1024
    seller = SellerFactory(owner=owner, name="Shop")
    SellerMarketplaceFactory(seller=seller)
    # Over the file limit but under the cap on the whole request (the limit and 64 KiB), so
    # the form answers (tests/browser/test_request_limits.py sends more than the cap).
    big = tmp_path / "big.xml"
    big.write_bytes(b"<" * (1024 * 1024 + 32 * 1024))

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", owner.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/feeds/sellers/{seller.pk}/upload/")
    page.select_option("#id_feed_type", "_POST_INVENTORY_AVAILABILITY_DATA_")
    page.set_input_files("#id_file", str(big))
    page.click("button:has-text('Check and send')")
    error = page.locator(".field-error")
    error.wait_for()
    assert "larger than the 1 MiB limit" in error.inner_text()
    # The fields sent before the file kept their values.
    assert page.locator("#id_feed_type").input_value() == "_POST_INVENTORY_AVAILABILITY_DATA_"
    assert not FeedSubmission.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_utf8_flat_file_is_refused_then_converted_on_request(
    live_server, page, owner, media, tmp_path
):
    seller = SellerFactory(owner=owner, name="Shop")
    SellerMarketplaceFactory(seller=seller)
    sheet = tmp_path / "prices.txt"
    sheet.write_bytes("sku\tprice\tquantity\nCRÈME-1\t\t4\n".encode())

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", owner.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/feeds/sellers/{seller.pk}/upload/")
    page.select_option("#id_feed_type", "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_")
    page.set_input_files("#id_file", str(sheet))
    page.click("button:has-text('Check and send')")
    error = page.locator(".field-error")
    error.wait_for()
    assert "The file is UTF-8 text" in error.inner_text()
    assert "line 2, column 3" in error.inner_text()
    assert not FeedSubmission.objects.exists()

    page.check("#id_convert_charset")
    page.set_input_files("#id_file", str(sheet))
    page.click("button:has-text('Check and send')")
    page.wait_for_url("**/feeds/*/")
    feed = FeedSubmission.objects.get()
    with default_storage.open(feed.file, "rb") as stored:
        assert stored.read() == "sku\tprice\tquantity\nCRÈME-1\t\t4\n".encode("iso-8859-1")
