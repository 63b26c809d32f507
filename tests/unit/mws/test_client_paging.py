"""MWSClient.iter_pages: the three paging styles and NextTokenCorrupted recovery."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mwsclient.client import MWSClient, has_more
from mwsclient.errors import (
    InvalidParameterError,
    InvalidResponseError,
    NextTokenCorruptedError,
)
from mwsclient.results import FeedSubmissionListResult, ReportListResult

from .conftest import SELLER
from .fixtures import error_fixture, fixture
from .server import Reply, ScriptedServer

MakeClient = Callable[..., MWSClient]
NS = "http://mws.amazonaws.com/doc/2009-01-01/"


def feed_page(operation: str, ids: list[str], token: str | None) -> Reply:
    """A GetFeedSubmissionList(ByNextToken) page with these submissions."""
    items = "".join(
        f"<FeedSubmissionInfo><FeedSubmissionId>{i}</FeedSubmissionId>"
        "<FeedType>_POST_PRODUCT_DATA_</FeedType><FeedProcessingStatus>_DONE_</FeedProcessingStatus>"
        "<SubmittedDate>2020-06-24T10:00:58+00:00</SubmittedDate></FeedSubmissionInfo>"
        for i in ids
    )
    more = (
        f"<NextToken>{token}</NextToken><HasNext>true</HasNext>"
        if token
        else "<HasNext>false</HasNext>"
    )
    body = (
        f'<?xml version="1.0"?><{operation}Response xmlns="{NS}"><{operation}Result>{more}{items}'
        f"</{operation}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    )
    return Reply(200, body.encode())


def submission_ids(pages: list) -> list[str]:
    return [i.feed_submission_id for page in pages for i in page.result.feed_submission_info]


def test_has_next_style_walks_every_page(server: ScriptedServer, make_client: MakeClient) -> None:
    server.reply(
        feed_page("GetFeedSubmissionList", ["3", "2"], "token-1"),
        feed_page("GetFeedSubmissionListByNextToken", ["1"], "token-2"),
        feed_page("GetFeedSubmissionListByNextToken", ["0"], None),
    )
    pages = list(
        make_client().iter_pages("GetFeedSubmissionList", seller_id=SELLER, params={"MaxCount": 2})
    )
    assert submission_ids(pages) == ["3", "2", "1", "0"]
    actions = [
        (r.form["Action"], r.form.get("NextToken"), r.form.get("MaxCount")) for r in server.received
    ]
    assert actions == [
        ("GetFeedSubmissionList", None, "2"),
        ("GetFeedSubmissionListByNextToken", "token-1", None),
        ("GetFeedSubmissionListByNextToken", "token-2", None),
    ]


def test_next_token_style_stops_when_the_token_is_gone(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.reply(
        Reply(200, fixture("ListMarketplaceParticipations.xml")),
        Reply(200, fixture("ListMarketplaceParticipationsByNextToken.xml")),
    )
    pages = list(make_client().iter_pages("ListMarketplaceParticipations", seller_id=SELLER))
    marketplaces = [p.marketplace_id for page in pages for p in page.result.participations]
    assert marketplaces == ["A2EUQ1WTGCTBG2", "A6W85IYQ5WB1C", "ATVPDKIKX0DER"]
    assert server.received[1].form["NextToken"] == "c2Vjb25kIHBhZ2Ugb2YgcGFydGljaXBhdGlvbnM="
    assert server.received[1].path == "/Sellers/2011-07-01"


def test_next_token_corrupted_restarts_without_repeating_items(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.reply(
        feed_page("GetFeedSubmissionList", ["5", "4"], "token-1"),
        Reply(400, error_fixture("NextTokenCorrupted")),
        # The restart sees a newer submission ("6") and the ones already yielded.
        feed_page("GetFeedSubmissionList", ["6", "5", "4"], "token-2"),
        feed_page("GetFeedSubmissionListByNextToken", ["4", "3"], None),
    )
    pages = list(make_client().iter_pages("GetFeedSubmissionList", seller_id=SELLER))
    assert submission_ids(pages) == ["5", "4", "6", "3"]
    actions = [(r.form["Action"], r.form.get("NextToken")) for r in server.received]
    assert actions == [
        ("GetFeedSubmissionList", None),
        ("GetFeedSubmissionListByNextToken", "token-1"),
        ("GetFeedSubmissionList", None),
        ("GetFeedSubmissionListByNextToken", "token-2"),
    ]


def test_next_token_corrupted_gives_up_after_a_few_restarts(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    for _ in range(4):
        server.reply(
            feed_page("GetFeedSubmissionList", ["1"], "token"),
            Reply(400, error_fixture("NextTokenCorrupted")),
        )
    with pytest.raises(NextTokenCorruptedError):
        list(make_client().iter_pages("GetFeedSubmissionList", seller_id=SELLER))
    assert len(server.received) == 8


def test_only_listing_operations_page(make_client: MakeClient) -> None:
    client = make_client()
    with pytest.raises(InvalidParameterError):
        next(client.iter_pages("GetReportCount", seller_id=SELLER))
    with pytest.raises(InvalidParameterError):
        next(client.iter_pages("GetReportListByNextToken", seller_id=SELLER))


def test_the_three_styles() -> None:
    more = ReportListResult((), has_next=True, next_token="t")
    last = ReportListResult((), has_next=False, next_token=None)
    assert has_more("has_next", more)
    assert not has_more("has_next", last)
    assert has_more("next_token", more)
    assert not has_more("next_token", last)
    assert not has_more("none", more)
    available = FeedSubmissionListResult(
        (), has_next=None, next_token="t", more_results_available=True
    )
    assert has_more("more_results", available)
    # More results "later" is not more results now.
    assert not has_more(
        "more_results",
        FeedSubmissionListResult((), has_next=None, next_token="t", more_results_available=False),
    )
    with pytest.raises(InvalidResponseError, match="NextToken"):
        has_more("has_next", ReportListResult((), has_next=True, next_token=None))
