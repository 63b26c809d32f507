"""A seller who uploads more than the portal accepts in one request is told so on a page of its
own, and nothing is stored."""

from __future__ import annotations

import pytest

from feeds.models import FeedSubmission
from tests.factories import SellerFactory, SellerMarketplaceFactory


@pytest.mark.django_db(transaction=True)
def test_an_upload_over_the_request_cap_is_refused_with_a_message(
    live_server, page, owner, settings
):
    settings.FEED_UPLOAD_MAX_BYTES = 64 * 1024
    seller = SellerFactory(owner=owner, name="Shop")
    SellerMarketplaceFactory(seller=seller)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", owner.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/feeds/sellers/{seller.pk}/upload/")
    page.set_input_files(
        "#id_file",
        files=[{"name": "big.xml", "mimeType": "text/xml", "buffer": b" " * (512 * 1024)}],
    )
    page.click("button:has-text('Check and send')")
    page.wait_for_selector("h1:has-text('Request refused')")
    message = page.locator("[role=alert]").inner_text()
    assert "larger than the 131072 bytes this page accepts" in message
    page.click("text=Back")
    page.wait_for_selector("#id_file")
    assert not FeedSubmission.objects.exists()
