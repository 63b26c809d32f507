"""Seller pages speak the seller's language: Amazon's raw names, ids and checksums sit in a
"Technical details" disclosure, never in the page's own text."""

from __future__ import annotations

import pytest
from lxml import html

from tests.factories import (
    FeedSubmissionFactory,
    ReportFactory,
    ReportRequestFactory,
    SellerFactory,
)


def split_technical(content: bytes) -> tuple[str, str]:
    """The main content's text outside and inside its technical-details disclosures."""
    main = html.fromstring(content).get_element_by_id("main")
    disclosures = main.xpath(".//details[contains(concat(' ', @class, ' '), ' technical ')]")
    assert disclosures, "the page has a Technical details disclosure"
    assert all(d.find("summary").text_content() == "Technical details" for d in disclosures)
    inside = " ".join(d.text_content() for d in disclosures)
    for disclosure in disclosures:
        disclosure.drop_tree()
    return main.text_content(), inside


@pytest.mark.django_db
def test_report_request_page_keeps_amazon_ids_in_the_disclosure(owner_client, owner):
    seller = SellerFactory(owner=owner)
    report_request = ReportRequestFactory(
        seller=seller, status="done", mws_request_id="50123456789", report_options="custom=true"
    )
    report = ReportFactory(seller=seller, request=report_request, body=b"sku\tprice\nA\t1\n")

    response = owner_client.get(f"/reports/requests/{report_request.pk}/")
    outside, inside = split_technical(response.content)
    assert report_request.report_type_name in outside
    for raw in ("_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", "50123456789", report.report_id):
        assert raw in inside
        assert raw not in outside
    assert "custom=true" in inside


@pytest.mark.django_db
def test_feed_page_keeps_the_submission_id_and_md5_in_the_disclosure(owner_client, owner):
    seller = SellerFactory(owner=owner)
    feed = FeedSubmissionFactory(
        seller=seller, state="submitted", feed_submission_id="777000111", processing_status=""
    )
    response = owner_client.get(f"/feeds/{feed.pk}/")
    outside, inside = split_technical(response.content)
    for raw in (feed.feed_type, "777000111", feed.content_md5):
        assert raw in inside
        assert raw not in outside
    assert feed.feed_type_name in outside
