"""Report life cycles over HTTP: requests, reports, cancellation, acknowledgements, schedules."""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections import Counter
from datetime import datetime, timedelta

import pytest

from tests.integration.sandbox.conftest import EU_SELLER, EU_TOKEN, config
from tests.integration.sandbox.signed_client import children, error, text, texts, xml

OPEN_LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"
DAY = 86400


def _request(client, report_type=OPEN_LISTINGS, **extra) -> str:
    response = client.call("RequestReport", {"ReportType": report_type, **extra})
    assert response.status_code == 200, response.text
    return text(xml(response), "ReportRequestId")


def _info(client, request_id):
    response = client.call("GetReportRequestList", {"ReportRequestIdList.Id.1": request_id})
    assert response.status_code == 200, response.text
    (info,) = children(xml(response), "ReportRequestInfo")
    return {child.tag.rsplit("}", 1)[-1]: child.text for child in info}


def _md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324


def test_a_report_moves_from_submitted_to_done_and_downloads_with_its_md5(client, clock):
    request_id = _request(client)
    info = _info(client, request_id)
    assert info["ReportProcessingStatus"] == "_SUBMITTED_"
    assert info["Scheduled"] == "false"
    assert info["StartDate"] == info["EndDate"] == info["SubmittedDate"]
    assert {"StartedProcessingDate", "CompletedDate", "GeneratedReportId"}.isdisjoint(info)

    clock.advance(10)
    info = _info(client, request_id)
    assert info["ReportProcessingStatus"] == "_IN_PROGRESS_"
    assert "StartedProcessingDate" in info
    assert "GeneratedReportId" not in info

    clock.advance(20)
    info = _info(client, request_id)
    assert info["ReportProcessingStatus"] == "_DONE_"
    report_id = info["GeneratedReportId"]
    assert len(report_id) == 17
    assert info["CompletedDate"] >= info["StartedProcessingDate"]

    listed = xml(client.call("GetReportList"))
    assert texts(listed, "ReportId") == [report_id]
    assert text(listed, "ReportRequestId") == request_id
    assert text(listed, "Acknowledged") == "false"
    assert texts(listed, "AcknowledgedDate") == []

    download = client.call("GetReport", {"ReportId": report_id})
    assert download.status_code == 200
    assert download.headers["Content-MD5"] == _md5(download.content)
    assert download.headers["Content-Type"] == "text/plain;charset=windows-1252"
    assert download.headers["x-amz-request-id"] == download.headers["x-mws-request-id"]
    assert download.headers["x-mws-quota-max"] == "60.0"
    lines = download.content.decode("cp1252").splitlines()
    assert lines[0] == "sku\tasin\tprice\tquantity"
    assert len(lines) > 1
    # Downloads are the same body every time.
    again = client.call("GetReport", {"ReportId": report_id})
    assert again.content == download.content


def test_counts_and_acknowledgements(client, clock):
    first, second = _request(client), _request(client, "_GET_MERCHANT_LISTINGS_DATA_")
    status = {"ReportProcessingStatusList.Status.1": "_SUBMITTED_"}
    assert text(xml(client.call("GetReportRequestCount", status)), "Count") == "2"
    clock.advance(30)
    assert text(xml(client.call("GetReportRequestCount", status)), "Count") == "0"
    report_ids = [_info(client, r)["GeneratedReportId"] for r in (first, second)]
    assert text(xml(client.call("GetReportCount")), "Count") == "2"

    response = client.call(
        "UpdateReportAcknowledgements",
        {"ReportIdList.Id.1": report_ids[0], "Acknowledged": "true"},
    )
    root = xml(response)
    assert text(root, "Count") == "1"
    assert text(root, "Acknowledged") == "true"
    assert text(root, "AcknowledgedDate")
    unacknowledged = xml(client.call("GetReportList", {"Acknowledged": "false"}))
    assert texts(unacknowledged, "ReportId") == [report_ids[1]]
    assert text(xml(client.call("GetReportCount", {"Acknowledged": "true"})), "Count") == "1"
    # Without the parameter MWS still acknowledged (seen in real traffic).
    client.call("UpdateReportAcknowledgements", {"ReportIdList.Id.1": report_ids[1]})
    assert text(xml(client.call("GetReportCount", {"Acknowledged": "false"})), "Count") == "0"

    unknown = client.call("UpdateReportAcknowledgements", {"ReportIdList.Id.1": "123"})
    assert error(unknown).code == "InvalidReportId"


def test_only_requests_that_have_not_started_can_be_cancelled(client, clock):
    started = _request(client)
    clock.advance(10)
    waiting = _request(client)
    response = client.call(
        "CancelReportRequests",
        {"ReportRequestIdList.Id.1": started, "ReportRequestIdList.Id.2": waiting},
    )
    root = xml(response)
    assert text(root, "Count") == "2"
    statuses = dict(
        zip(texts(root, "ReportRequestId"), texts(root, "ReportProcessingStatus"), strict=True)
    )
    assert statuses == {started: "_IN_PROGRESS_", waiting: "_CANCELLED_"}
    clock.advance(60)
    assert _info(client, started)["ReportProcessingStatus"] == "_DONE_"
    assert _info(client, waiting)["ReportProcessingStatus"] == "_CANCELLED_"

    unknown = client.call("CancelReportRequests", {"ReportRequestIdList.Id.1": "99999999999"})
    info = error(unknown)
    assert (info.status, info.code, info.request_id_tag) == (
        400,
        "InvalidReportRequestId",
        "RequestId",
    )
    assert info.message == "One or more of the provided ReportRequestIds could not be found."


def test_an_empty_window_ends_done_no_data(client, clock):
    request_id = _request(
        client,
        "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_",
        StartDate="2020-01-01T00:00:00Z",
        EndDate="2020-01-01T00:00:00Z",
    )
    clock.advance(30)
    info = _info(client, request_id)
    assert info["ReportProcessingStatus"] == "_DONE_NO_DATA_"
    assert "GeneratedReportId" not in info
    assert text(xml(client.call("GetReportCount")), "Count") == "0"


def test_an_xml_report_and_the_orders_default_window(client, clock):
    request_id = _request(client, "_GET_XML_ALL_ORDERS_DATA_BY_LAST_UPDATE_")
    flat = _info(client, _request(client, "_GET_FLAT_FILE_ORDERS_DATA_"))
    # The flat-file order report's StartDate defaulted to one day before submission (OBS).
    assert flat["StartDate"] < flat["EndDate"]
    clock.advance(30)
    report_id = _info(client, request_id)["GeneratedReportId"]
    body = client.call("GetReport", {"ReportId": report_id})
    assert body.content.startswith(b"<?xml")
    assert body.headers["Content-Type"].startswith("text/xml")


def test_japanese_reports_are_windows_31j(make_sandbox, make_client, clock):
    jp = {
        "seller_id": "A4JAPANSELLER",
        "region": "FE",
        "marketplaces": ["A1VC38T7YXB528"],
        "authorizations": [{"access_key_id": "AKIATESTDEVELOPER001", "mws_auth_token": "t-jp"}],
    }
    raw = config()
    raw["sellers"].append(jp)
    sandbox = make_sandbox(raw)
    client = make_client(sandbox, seller="A4JAPANSELLER", token="t-jp")
    # MarketplaceIdList is "not used in JP": it is ignored rather than refused.
    request_id = _request(
        client, "_GET_MERCHANT_LISTINGS_DATA_", **{"MarketplaceIdList.Id.1": "ATVPDKIKX0DER"}
    )
    clock.advance(30)
    report = client.call("GetReport", {"ReportId": _info(client, request_id)["GeneratedReportId"]})
    assert report.headers["Content-Type"] == "text/plain;charset=windows-31j"
    report.content.decode("cp932")


@pytest.mark.parametrize(
    ("host", "content_type"),
    [
        # Australia's host takes MarketplaceIdList: the report is the AU one.
        ("mws.amazonservices.com.au", "text/plain;charset=UTF-8"),
        # Japan's host does not use it: the report is the home (JP) one.
        ("mws.amazonservices.jp", "text/plain;charset=windows-31j"),
    ],
)
def test_the_host_a_request_is_addressed_to_decides_whether_the_list_is_used(
    make_sandbox, make_client, clock, host, content_type
):
    far_east = {
        "seller_id": "A4FAREASTSELLER",
        "region": "FE",
        "marketplaces": ["A1VC38T7YXB528", "A39IBJ37TRP1C6"],
        "authorizations": [{"access_key_id": "AKIATESTDEVELOPER001", "mws_auth_token": "t-fe"}],
    }
    raw = config()
    raw["sellers"].append(far_east)
    client = make_client(make_sandbox(raw), seller="A4FAREASTSELLER", token="t-fe")
    response = client.call(
        "RequestReport",
        {"ReportType": OPEN_LISTINGS, "MarketplaceIdList.Id.1": "A39IBJ37TRP1C6"},
        host=host,
    )
    assert response.status_code == 200, response.text
    request_id = text(xml(response), "ReportRequestId")
    clock.advance(30)
    report_id = _info(client, request_id)["GeneratedReportId"]
    report = client.call("GetReport", {"ReportId": report_id}, host=host)
    assert report.status_code == 200
    assert report.headers["Content-Type"] == content_type


def test_another_sellers_report_is_access_denied(sandbox, client, make_client, clock):
    request_id = _request(client)
    clock.advance(30)
    report_id = _info(client, request_id)["GeneratedReportId"]
    eu = make_client(sandbox, seller=EU_SELLER, token=EU_TOKEN)
    assert error(eu.call("GetReport", {"ReportId": report_id})).code == "AccessToReportDenied"
    assert error(client.call("GetReport", {"ReportId": "1"})).code == "InvalidReportId"


def test_reports_are_kept_ninety_days(client, clock):
    request_id = _request(client)
    clock.advance(30)
    report_id = _info(client, request_id)["GeneratedReportId"]
    clock.advance(91 * DAY)
    gone = error(client.call("GetReport", {"ReportId": report_id}))
    assert gone.code == "ReportNoLongerAvailable"
    assert texts(xml(client.call("GetReportList")), "ReportId") == []
    assert texts(xml(client.call("GetReportRequestList")), "ReportRequestId") == []
    older = client.call("GetReportList", {"AvailableFromDate": "2000-01-01T00:00:00Z"})
    assert texts(xml(older), "ReportId") == [report_id]


def test_schedules_create_scheduled_requests_on_their_cadence(client, clock):
    response = client.call(
        "ManageReportSchedule",
        {"ReportType": "_GET_FLAT_FILE_ORDERS_DATA_", "Schedule": "_15_MINUTES_"},
    )
    root = xml(response)
    assert [c.tag.rsplit("}", 1)[-1] for c in root[0]] == ["ReportSchedule", "Count"]
    assert text(root, "Count") == "1"
    assert text(root, "Schedule") == "_15_MINUTES_"

    listed = xml(client.call("GetReportScheduleList"))
    assert text(listed, "HasNext") == "false"
    assert texts(listed, "NextToken") == []
    assert texts(listed, "ReportType") == ["_GET_FLAT_FILE_ORDERS_DATA_"]
    assert text(xml(client.call("GetReportScheduleCount")), "Count") == "1"

    clock.advance(15 * 60)
    requests_ = xml(client.call("GetReportRequestList"))
    assert texts(requests_, "Scheduled") == ["true", "true"]
    clock.advance(15 * 60)
    assert text(xml(client.call("GetReportRequestCount")), "Count") == "3"

    updated = client.call(
        "ManageReportSchedule",
        {"ReportType": "_GET_FLAT_FILE_ORDERS_DATA_", "Schedule": "_1_HOUR_"},
    )
    assert text(xml(updated), "Schedule") == "_1_HOUR_"
    deleted = client.call(
        "ManageReportSchedule",
        {"ReportType": "_GET_FLAT_FILE_ORDERS_DATA_", "Schedule": "_NEVER_"},
    )
    assert text(xml(deleted), "Count") == "1"
    assert text(xml(client.call("GetReportScheduleCount")), "Count") == "0"
    count = text(xml(client.call("GetReportRequestCount")), "Count")
    clock.advance(3 * 3600)
    assert text(xml(client.call("GetReportRequestCount")), "Count") == count


def test_time_scale_shortens_processing(make_sandbox, make_client, clock):
    sandbox = make_sandbox(time_scale=60)
    client = make_client(sandbox)
    request_id = _request(client)
    clock.advance(0.5)  # thirty seconds of MWS time
    assert _info(client, request_id)["ReportProcessingStatus"] == "_DONE_"


SETTLEMENT_TYPES = {
    "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_",
    "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_",
    "_GET_V2_SETTLEMENT_REPORT_DATA_XML_",
}
SETTLEMENT_TYPE_LIST = {f"ReportTypeList.Type.{n}": t for n, t in enumerate(SETTLEMENT_TYPES, 1)}


def _settlement_infos(client, operation, element):
    response = client.call(operation, {**SETTLEMENT_TYPE_LIST, "MaxCount": "100"})
    assert response.status_code == 200, response.text
    return [
        {child.tag.rsplit("}", 1)[-1]: child.text for child in info}
        for info in children(xml(response), element)
    ]


def test_settlement_reports_appear_without_being_requested_each_with_its_request(
    make_sandbox, make_client, clock
):
    raw = config(
        reports={"catalogue_size": 20, "settlement_interval_days": 14, "settlement_history": 1}
    )
    client = make_client(make_sandbox(raw))
    reports = _settlement_infos(client, "GetReportList", "ReportInfo")
    # One period, in each of the three formats, for each of the two marketplaces.
    assert sorted(info["ReportType"] for info in reports) == sorted([*SETTLEMENT_TYPES] * 2)
    requests = {
        info["ReportRequestId"]: info
        for info in _settlement_infos(client, "GetReportRequestList", "ReportRequestInfo")
    }
    assert {info["ReportRequestId"] for info in reports} == set(requests)
    for info in reports:
        request = requests[info["ReportRequestId"]]
        assert request["GeneratedReportId"] == info["ReportId"]
        assert request["ReportType"] == info["ReportType"]
        assert (request["Scheduled"], request["ReportProcessingStatus"]) == ("false", "_DONE_")
        ended = datetime.fromisoformat(request["EndDate"])
        submitted = datetime.fromisoformat(request["SubmittedDate"])
        assert timedelta(0) < submitted - ended <= timedelta(hours=3)
        assert ended - datetime.fromisoformat(request["StartDate"]) == timedelta(days=14)

    clock.advance(14 * DAY)
    assert len(_settlement_infos(client, "GetReportList", "ReportInfo")) == 12


def test_settlement_periods_follow_one_another_with_distinct_ids(make_sandbox, make_client):
    raw = config(reports={"catalogue_size": 40, "settlement_interval_days": 14})
    client = make_client(make_sandbox(raw))
    flat = [
        info
        for info in _settlement_infos(client, "GetReportList", "ReportInfo")
        if info["ReportType"] == "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_"
    ]
    summaries = []
    for info in flat:
        download = client.call("GetReport", {"ReportId": info["ReportId"]})
        # Settlements declare no charset, as the recorded 2020 answers did.
        assert download.headers["Content-Type"] == "text/plain"
        summaries.append(download.content.decode("cp1252").splitlines()[1].split("\t"))
    # Three periods (settlement_history), each settled for both marketplaces.
    periods = Counter(
        (datetime.fromisoformat(row[1]), datetime.fromisoformat(row[2])) for row in summaries
    )
    assert list(periods.values()) == [2, 2, 2]
    assert all(a[1] == b[0] for a, b in itertools.pairwise(sorted(periods)))
    assert len({row[0] for row in summaries}) == 6
    assert len({row[4] for row in summaries}) > 1


def test_time_scale_speeds_the_settlement_cycle_not_the_span_it_covers(
    make_sandbox, make_client, clock
):
    raw = config(
        reports={"catalogue_size": 20, "settlement_interval_days": 14, "settlement_history": 1}
    )
    client = make_client(make_sandbox(raw, time_scale=200))
    clock.advance(14 * DAY / 200)
    listed = _settlement_infos(client, "GetReportList", "ReportInfo")
    assert len(listed) == 12
    newest = max(listed, key=lambda info: info["AvailableDate"])
    download = client.call("GetReport", {"ReportId": newest["ReportId"]})
    if newest["ReportType"].endswith("_XML_"):
        start = datetime.fromisoformat(text(xml(download), "StartDate"))
        end = datetime.fromisoformat(text(xml(download), "EndDate"))
    else:
        summary = download.content.decode("cp1252").splitlines()[1].split("\t")
        start, end = (
            datetime.fromisoformat(value.replace(" UTC", "+00:00")) for value in summary[1:3]
        )
    assert end - start == timedelta(days=14)
