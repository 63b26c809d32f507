"""Odd input is a field error, never a 500 nor a vague "could not be read": characters XML
cannot carry in the feed builder's rows and CSV files, file names over what a file system
takes (255 bytes in UTF-8), names that name no file, and XML using an undeclared entity, in
the browser and the API alike. Stored names are shortened and normalised."""

from __future__ import annotations

import io
import unicodedata

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from feeds.checks import FeedRefused, check_feed
from feeds.models import FeedSubmission
from partners import services
from partners.models import Grant, Partner
from sellers.models import Seller
from tests.factories import FEED_BODY, SellerFactory, SellerMarketplaceFactory

INVENTORY = "_POST_INVENTORY_AVAILABILITY_DATA_"
LONG_NAMES = [
    # 200 characters, 400 bytes: under Django's 255-character cap, over the file system's.
    "é" * 200 + ".xml",
    # An "extension" longer than a temporary file's name may be.
    "stock." + "x" * 250,
    "在庫" * 100 + ".xml",
]
ENTITY_FEED = FEED_BODY.replace(b"<SKU>SKU-1</SKU>", b"<SKU>SKU&nbsp;1</SKU>")


@pytest.fixture
def seller(owner) -> Seller:
    seller = SellerFactory(owner=owner, region="NA")
    SellerMarketplaceFactory(seller=seller, marketplace_id="ATVPDKIKX0DER")
    return seller


@pytest.fixture
def api(seller) -> APIClient:
    partner = Partner.objects.create(name="Acme Integrations")
    _, key = services.create_api_key(partner, name="tests")
    services.grant_partner(seller, partner, scopes=Grant.Scope.values)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def _assert_stored_name_fits(feed: FeedSubmission, given: str) -> None:
    assert len(feed.filename.encode()) <= 255
    assert unicodedata.is_normalized("NFC", feed.filename)
    assert given.startswith(feed.filename.rsplit(".", 1)[0][:10])
    assert default_storage.exists(feed.file)
    assert all(len(part.encode()) <= 255 for part in feed.file.split("/"))


# ---- the feed builder -----------------------------------------------------------------------


# (A NUL in the text area is the form field's own error; in a CSV file it reaches the rows.)
@pytest.mark.parametrize("character", ["\x01", "\x1b", "\ufffe", "\uffff"])
def test_a_builder_row_with_a_character_xml_cannot_carry_is_a_line_error(
    owner_client, seller, character
):
    response = owner_client.post(
        reverse("feeds:build", args=[seller.pk]),
        {"kind": "inventory", "table": f"A-1,5\nB{character}2,3"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Line 2: the character U+{ord(character):04X} cannot be sent in a feed" in page
    assert not FeedSubmission.objects.exists()


@pytest.mark.parametrize(
    "body", ["sku,quantity\nA\x00,1\n", "sku,price,currency\nA,1.00,US\ufffeD\n"]
)
def test_a_builder_csv_with_such_a_character_is_a_line_error(owner_client, seller, body):
    kind = "price" if "price" in body else "inventory"
    upload = SimpleUploadedFile("rows.csv", body.encode())
    response = owner_client.post(
        reverse("feeds:build", args=[seller.pk]), {"kind": kind, "csv_file": upload}
    )
    assert response.status_code == 400
    assert "Line 2: the character U+" in response.content.decode()
    assert not FeedSubmission.objects.exists()


# ---- file names -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", LONG_NAMES)
def test_a_browser_upload_with_a_long_name_is_stored_under_a_shortened_one(
    owner_client, seller, name
):
    response = owner_client.post(
        reverse("feeds:upload", args=[seller.pk]),
        {"feed_type": INVENTORY, "file": SimpleUploadedFile(name, FEED_BODY)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    _assert_stored_name_fits(FeedSubmission.objects.get(), name)


@pytest.mark.parametrize("name", LONG_NAMES)
def test_an_api_upload_with_a_long_name_is_stored_under_a_shortened_one(api, seller, name):
    multipart = api.post(
        f"/api/v1/sellers/{seller.pk}/feeds/",
        {"feed_type": INVENTORY, "file": SimpleUploadedFile(name, FEED_BODY)},
        format="multipart",
    )
    raw = api.generic(
        "POST",
        f"/api/v1/sellers/{seller.pk}/feeds/?feed_type={INVENTORY}&filename={name}",
        FEED_BODY,
        content_type="text/xml",
    )
    assert (multipart.status_code, raw.status_code) == (201, 201), (multipart.content, raw.content)
    for feed in FeedSubmission.objects.all():
        _assert_stored_name_fits(feed, name)


def test_a_stored_name_is_normalised(api, seller):
    decomposed = "Cafe\u0301 stock\u200b.xml"
    response = api.generic(
        "POST",
        f"/api/v1/sellers/{seller.pk}/feeds/?feed_type={INVENTORY}&filename={decomposed}",
        FEED_BODY,
        content_type="text/xml",
    )
    assert response.status_code == 201
    assert FeedSubmission.objects.get().filename == "Café stock.xml"


@pytest.mark.parametrize("name", ["..", ".", "a/", "feeds\\", "   ", ""])
def test_a_raw_upload_name_that_names_no_file_is_a_filename_error(api, seller, name):
    response = api.generic(
        "POST",
        f"/api/v1/sellers/{seller.pk}/feeds/?feed_type={INVENTORY}&filename={name}",
        FEED_BODY,
        content_type="text/xml",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "filename"
    assert "not a file" in error["message"]
    assert not FeedSubmission.objects.exists()


@pytest.mark.parametrize("name", ["..", "a/", "."])
def test_a_multipart_file_whose_name_names_no_file_is_a_file_error(api, seller, name):
    body = (
        b'--BB\r\nContent-Disposition: form-data; name="feed_type"\r\n\r\n'
        + INVENTORY.encode()
        + b'\r\n--BB\r\nContent-Disposition: form-data; name="file"; filename="'
        + name.encode()
        + b'"\r\nContent-Type: text/xml\r\n\r\n'
        + FEED_BODY
        + b"\r\n--BB--\r\n"
    )
    response = api.generic(
        "POST",
        f"/api/v1/sellers/{seller.pk}/feeds/",
        body,
        content_type="multipart/form-data; boundary=BB",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "file"
    assert "names a file" in error["message"]
    assert not FeedSubmission.objects.exists()


def test_a_name_with_nothing_safe_for_storage_is_still_stored(api, seller):
    response = api.generic(
        "POST",
        f"/api/v1/sellers/{seller.pk}/feeds/?feed_type={INVENTORY}&filename=%3F%3F%3F",
        FEED_BODY,
        content_type="text/xml",
    )
    assert response.status_code == 201, response.content
    feed = FeedSubmission.objects.get()
    assert feed.filename == "???"
    assert default_storage.exists(feed.file)


# ---- undeclared entities --------------------------------------------------------------------


def test_an_undeclared_entity_is_refused_as_such():
    with pytest.raises(FeedRefused) as refused:
        check_feed(io.BytesIO(ENTITY_FEED), INVENTORY, "NA")
    assert "undeclared entity" in str(refused.value)
    assert "nbsp" in str(refused.value)
    assert refused.value.line == 2  # the envelope's line, after the declaration
    assert "empty" not in str(refused.value)


def test_an_undeclared_entity_is_named_in_the_browser_and_the_api(owner_client, api, seller):
    page = owner_client.post(
        reverse("feeds:upload", args=[seller.pk]),
        {"feed_type": INVENTORY, "file": SimpleUploadedFile("stock.xml", ENTITY_FEED)},
    )
    answer = api.generic(
        "POST",
        f"/api/v1/sellers/{seller.pk}/feeds/?feed_type={INVENTORY}",
        ENTITY_FEED,
        content_type="text/xml",
    )
    assert page.status_code == 400
    assert "undeclared entity" in page.content.decode()
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "file"
    assert "undeclared entity" in answer.json()["error"]["message"]
    assert not FeedSubmission.objects.exists()
