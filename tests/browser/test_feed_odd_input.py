"""Odd input on the feed pages is a message on the field, never an error page: a file whose
name is over 255 bytes in UTF-8 is stored under a shortened name, an XML file using an
undeclared entity is refused naming it, and builder rows with a control character name the
line."""

from __future__ import annotations

import pytest

from feeds.models import FeedSubmission
from tests.factories import FEED_BODY, SellerFactory, SellerMarketplaceFactory

INVENTORY = "_POST_INVENTORY_AVAILABILITY_DATA_"


@pytest.fixture
def logged_in(live_server, page, owner, media):
    seller = SellerFactory(owner=owner, name="Shop")
    SellerMarketplaceFactory(seller=seller)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", owner.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return seller


def _upload(page, live_server, seller, name: str, body: bytes) -> None:
    page.goto(f"{live_server.url}/feeds/sellers/{seller.pk}/upload/")
    page.select_option("#id_feed_type", INVENTORY)
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": "text/xml", "buffer": body}])
    page.click("button:has-text('Check and send')")


@pytest.mark.django_db(transaction=True)
def test_a_file_with_a_very_long_name_is_stored_under_a_shortened_one(live_server, page, logged_in):
    name = "Bestandsübersicht-" + "é" * 150 + ".xml"
    _upload(page, live_server, logged_in, name, FEED_BODY)
    page.wait_for_url("**/feeds/*/")
    feed = FeedSubmission.objects.get()
    assert len(feed.filename.encode()) <= 255
    assert feed.filename.startswith("Bestandsübersicht-éé")
    assert feed.filename.endswith(".xml")
    assert feed.filename in page.content()


@pytest.mark.django_db(transaction=True)
def test_an_undeclared_entity_is_named_on_the_file_field(live_server, page, logged_in):
    body = FEED_BODY.replace(b"<SKU>SKU-1</SKU>", b"<SKU>SKU&nbsp;1</SKU>")
    _upload(page, live_server, logged_in, "stock.xml", body)
    error = page.locator(".field-error")
    error.wait_for()
    assert "undeclared entity" in error.inner_text()
    assert "nbsp" in error.inner_text()
    assert not FeedSubmission.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_builder_rows_with_a_control_character_name_the_line(live_server, page, logged_in):
    page.goto(f"{live_server.url}/feeds/sellers/{logged_in.pk}/build/")
    page.check("input[name=kind][value=inventory]")
    page.fill("#id_table", "AB-1,5\nAB\x012,3\n")
    page.click("button:has-text('Build the feed for review')")
    page.wait_for_selector("text=Line 2: the character U+0001 cannot be sent in a feed")
    assert not FeedSubmission.objects.exists()
