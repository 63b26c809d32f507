"""Points where recorded real MWS answers (2014-2020) fix the shape of the sandbox's answers."""

from __future__ import annotations

import pytest

from mwssandbox.config import ConfigError, load_config
from tests.integration.sandbox.conftest import config
from tests.integration.sandbox.signed_client import children, error, text, xml
from tests.integration.sandbox.test_feeds import feed_info, inventory_feed, submit
from tests.integration.sandbox.test_reports import _info, _request


def test_error_bodies_carry_no_empty_detail(client):
    response = client.call("GetReportList", {"MaxCount": "101"})
    assert response.status_code == 400
    assert b"Detail" not in response.content
    assert error(response).code == "InvalidParameterValue"


def test_listed_feed_submissions_start_with_their_processing_status(client, clock):
    submitted = submit(client, inventory_feed("SKU-1", 1))
    (info,) = children(xml(submitted), "FeedSubmissionInfo")
    # SubmitFeed keeps the order recorded for its own answer.
    assert [child.tag.rsplit("}", 1)[-1] for child in info] == [
        "FeedSubmissionId",
        "FeedType",
        "SubmittedDate",
        "FeedProcessingStatus",
    ]
    submission_id = text(info, "FeedSubmissionId")
    clock.advance(600)
    listed = feed_info(client, submission_id)
    assert listed["FeedProcessingStatus"] == "_DONE_"
    assert list(listed) == [
        "FeedProcessingStatus",
        "FeedType",
        "FeedSubmissionId",
        "StartedProcessingDate",
        "SubmittedDate",
        "CompletedProcessingDate",
    ]


def test_cancelling_a_done_request_leaves_out_its_report(client, clock):
    request_id = _request(client)
    clock.advance(30)
    assert _info(client, request_id)["ReportProcessingStatus"] == "_DONE_"
    response = client.call("CancelReportRequests", {"ReportRequestIdList.Id.1": request_id})
    assert response.status_code == 200, response.text
    (info,) = children(xml(response), "ReportRequestInfo")
    names = {child.tag.rsplit("}", 1)[-1]: child.text for child in info}
    assert names["ReportProcessingStatus"] == "_DONE_"
    assert "GeneratedReportId" not in names
    # The request itself still names its report when listed.
    assert "GeneratedReportId" in _info(client, request_id)


def test_a_single_element_id_list_without_its_number(client, clock):
    submission_id = text(xml(submit(client, inventory_feed("SKU-2", 2))), "FeedSubmissionId")
    response = client.call("GetFeedSubmissionList", {"FeedSubmissionIdList.Id": submission_id})
    assert response.status_code == 200, response.text
    (info,) = children(xml(response), "FeedSubmissionInfo")
    assert text(info, "FeedSubmissionId") == submission_id


def test_the_same_list_member_given_twice_is_refused(client):
    response = client.call(
        "GetFeedSubmissionList",
        {"FeedSubmissionIdList.Id": "1", "FeedSubmissionIdList.Id.1": "2"},
    )
    assert response.status_code == 400
    problem = error(response)
    assert problem.code == "InvalidParameterValue"
    assert "given twice" in problem.message


def test_a_list_member_with_a_trailing_dot_is_refused(client):
    response = client.call("GetFeedSubmissionList", {"FeedSubmissionIdList.Id.": "1"})
    assert response.status_code == 400
    assert error(response).code == "InvalidParameterValue"


def test_participations_can_list_a_non_retail_marketplace(make_sandbox, make_client):
    raw = config()
    raw["sellers"][0]["non_retail_marketplaces"] = ["A6W85IYQ5WB1C"]
    client = make_client(make_sandbox(raw))
    root = xml(client.call("ListMarketplaceParticipations"))
    ids = [text(row, "MarketplaceId") for row in children(root, "Participation")]
    assert ids[-1] == "A6W85IYQ5WB1C"
    (iba,) = [m for m in children(root, "Marketplace") if text(m, "MarketplaceId") == ids[-1]]
    assert (text(iba, "DomainName"), text(iba, "Name"), text(iba, "DefaultCurrencyCode")) == (
        "iba.login.amazon.com",
        "IBA",
        "USD",
    )
    # Nothing can be requested for it.
    refused = client.call(
        "RequestReport",
        {
            "ReportType": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_",
            "MarketplaceIdList.Id.1": "A6W85IYQ5WB1C",
        },
    )
    assert refused.status_code == 400


def test_an_unknown_non_retail_marketplace_is_a_config_error():
    raw = config()
    raw["sellers"][0]["non_retail_marketplaces"] = ["ATVPDKIKX0DER"]
    with pytest.raises(ConfigError, match="unknown non-retail marketplace"):
        load_config(raw)
