"""NextToken paging over HTTP: many pages, items arriving in between, bad and stale tokens."""

from __future__ import annotations

import base64
import hashlib

import pytest

from tests.integration.sandbox.conftest import EU_SELLER, EU_TOKEN, config
from tests.integration.sandbox.signed_client import error, text, texts, xml

MANY = {"RequestReport": {"quota": 1000, "restore_seconds": 1, "hourly": None}}


@pytest.fixture
def busy(make_sandbox, make_client):
    """A sandbox whose seller has 120 report requests, one second apart."""
    sandbox = make_sandbox(config(throttling={"groups": MANY}))
    client = make_client(sandbox)
    ids = []
    for _ in range(120):
        response = client.call("RequestReport", {"ReportType": "_GET_MERCHANT_LISTINGS_DATA_"})
        ids.append(text(xml(response), "ReportRequestId"))
        sandbox.state.clock.advance(1)
    return sandbox, client, ids


def test_many_pages_list_everything_once_newest_first(busy):
    sandbox, client, ids = busy
    first = xml(client.call("GetReportRequestList", {"MaxCount": "7"}))
    assert text(first, "HasNext") == "true"
    seen = texts(first, "ReportRequestId")
    token = text(first, "NextToken")
    assert len(token) > 100
    # Requests made while paging are newer than the cursor and do not disturb the listing.
    client.call("RequestReport", {"ReportType": "_GET_MERCHANT_LISTINGS_DATA_"})
    pages = 1
    while token:
        sandbox.state.clock.advance(2)  # the ByNextToken bucket regains one call every 2 s
        response = client.call("GetReportRequestListByNextToken", {"NextToken": token})
        assert response.status_code == 200, response.text
        root = xml(response)
        seen += texts(root, "ReportRequestId")
        has_next = text(root, "HasNext")
        token = texts(root, "NextToken")[0] if has_next == "true" else None
        assert (token is None) == (texts(root, "NextToken") == [])
        pages += 1
    assert pages == 18  # 120 items, 7 a page
    assert seen == list(reversed(ids))


def test_a_filtered_listing_keeps_its_filter_across_pages(busy):
    _, client, ids = busy
    wanted = {f"ReportRequestIdList.Id.{n + 1}": request_id for n, request_id in enumerate(ids[:5])}
    first = xml(client.call("GetReportRequestList", {**wanted, "MaxCount": "3"}))
    rest = xml(
        client.call("GetReportRequestListByNextToken", {"NextToken": text(first, "NextToken")})
    )
    assert text(rest, "HasNext") == "false"
    got = texts(first, "ReportRequestId") + texts(rest, "ReportRequestId")
    assert got == list(reversed(ids[:5]))


def test_corrupted_expired_and_foreign_tokens(busy, make_client):
    sandbox, client, _ = busy
    token = text(xml(client.call("GetReportRequestList")), "NextToken")

    def refused(response):
        info = error(response)
        assert (info.status, info.code, info.request_id_tag) == (
            400,
            "NextTokenCorrupted",
            "RequestId",
        )
        return info

    flipped = token[:40] + ("A" if token[40] != "A" else "B") + token[41:]
    refused(client.call("GetReportRequestListByNextToken", {"NextToken": flipped}))
    refused(client.call("GetReportRequestListByNextToken", {"NextToken": token[:-10]}))
    # A token belongs to the listing, seller and developer it was issued for.
    refused(client.call("GetReportListByNextToken", {"NextToken": token}))
    eu = make_client(sandbox, seller=EU_SELLER, token=EU_TOKEN)
    refused(eu.call("GetReportRequestListByNextToken", {"NextToken": token}))
    # GetReportScheduleList never issues tokens.
    refused(client.call("GetReportScheduleListByNextToken", {"NextToken": token}))

    assert client.call("GetReportRequestListByNextToken", {"NextToken": token}).status_code == 200
    sandbox.state.clock.advance(901)
    assert (
        "expired"
        in refused(client.call("GetReportRequestListByNextToken", {"NextToken": token})).message
    )


def test_next_token_is_required(client):
    info = error(client.call("GetFeedSubmissionListByNextToken"))
    assert (info.status, info.code) == (400, "ValidationError")
    assert info.message == (
        "1 validation error detected: Value null at 'nextToken' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_report_and_feed_listings_page_too(make_sandbox, make_client):
    limits = {
        "SubmitFeed": {"quota": 100, "restore_seconds": 1, "hourly": None},
        "RequestReport": {"quota": 100, "restore_seconds": 1, "hourly": None},
    }
    sandbox = make_sandbox(
        config(
            throttling={"groups": limits},
            delays={
                "report_submitted": 0,
                "report_in_progress": 0,
                "feed_submitted": 0,
                "feed_in_progress": 0,
            },
        )
    )
    client = make_client(sandbox)
    body = b"sku\tquantity\n"
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324
    for _ in range(12):
        client.call(
            "SubmitFeed",
            {"FeedType": "_POST_FLAT_FILE_INVLOADER_DATA_", "ContentMD5Value": md5},
            body=body,
        )
        client.call("RequestReport", {"ReportType": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"})
        sandbox.state.clock.advance(1)

    def walk(first_action, next_action, item, max_count):
        root = xml(client.call(first_action, {"MaxCount": str(max_count)}))
        found = texts(root, item)
        while text(root, "HasNext") == "true":
            root = xml(client.call(next_action, {"NextToken": text(root, "NextToken")}))
            found += texts(root, item)
        return found

    feeds = walk("GetFeedSubmissionList", "GetFeedSubmissionListByNextToken", "FeedSubmissionId", 5)
    assert len(set(feeds)) == 12
    reports = walk("GetReportList", "GetReportListByNextToken", "ReportId", 5)
    # Twelve listings reports and, for every flat-file feed, a FeedSummaryReport.
    assert len(set(reports)) == 24


def test_marketplace_participations_page_with_next_token_only(make_sandbox, make_client):
    sandbox = make_sandbox(config(paging={"participations_page_size": 1}))
    client = make_client(sandbox)
    first = xml(client.call("ListMarketplaceParticipations"))
    assert texts(first, "HasNext") == []
    assert texts(first, "MarketplaceId") == ["ATVPDKIKX0DER", "ATVPDKIKX0DER"]
    second = xml(
        client.call(
            "ListMarketplaceParticipationsByNextToken", {"NextToken": text(first, "NextToken")}
        )
    )
    assert texts(second, "NextToken") == []
    assert text(second, "DomainName") == "www.amazon.ca"
    assert text(second, "DefaultCurrencyCode") == "CAD"
    assert text(second, "HasSellerSuspendedListings") == "No"
