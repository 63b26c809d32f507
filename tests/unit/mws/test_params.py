"""Validation before sending: each failure names the parameter and the rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mwsclient.errors import InvalidParameterError
from mwsclient.operations import get_operation
from mwsclient.params import encode_params, format_datetime


def _encode(operation: str, **values: object) -> dict[str, str]:
    return encode_params(get_operation(operation), values)


def _rejects(operation: str, parameter: str, rule_part: str, **values: object) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        _encode(operation, **values)
    assert caught.value.parameter == parameter
    assert rule_part in (caught.value.rule or "")
    assert parameter in str(caught.value)
    assert caught.value.operation == operation


def test_missing_required_parameter() -> None:
    _rejects("RequestReport", "ReportType", "required")
    _rejects("UpdateReportAcknowledgements", "ReportIdList", "required", ReportIdList=[])


def test_value_outside_an_enumeration() -> None:
    _rejects("RequestReport", "ReportType", "not one of", ReportType="_GET_EVERYTHING_")
    _rejects(
        "ManageReportSchedule",
        "Schedule",
        "not one of",
        ReportType="_GET_ORDERS_DATA_",
        Schedule="_7_DAYS_",
    )
    _rejects(
        "GetFeedSubmissionList",
        "FeedProcessingStatusList",
        "not one of",
        FeedProcessingStatusList=["_DONE_", "_FINISHED_"],
    )


def test_max_count_limits() -> None:
    _rejects("GetReportList", "MaxCount", "at least 1", MaxCount=0)
    _rejects("GetReportList", "MaxCount", "at most 100", MaxCount=101)
    _rejects("GetReportList", "MaxCount", "integer", MaxCount="10")
    _rejects("GetReportList", "MaxCount", "integer", MaxCount=True)
    assert _encode("GetReportList", MaxCount=1) == {"MaxCount": "1"}
    assert _encode("GetReportList", MaxCount=100) == {"MaxCount": "100"}


def test_at_most_one_hundred_ids() -> None:
    _rejects(
        "GetReportRequestList",
        "ReportRequestIdList",
        "at most 100",
        ReportRequestIdList=[str(n) for n in range(101)],
    )
    wire = _encode("GetReportRequestList", ReportRequestIdList=[str(n) for n in range(100)])
    assert len(wire) == 100
    assert wire["ReportRequestIdList.Id.1"] == "0"
    assert wire["ReportRequestIdList.Id.100"] == "99"


def test_naive_datetime_is_refused() -> None:
    _rejects(
        "GetReportCount",
        "AvailableFromDate",
        "timezone-aware",
        AvailableFromDate=datetime(2020, 1, 1),
    )
    _rejects("GetReportCount", "AvailableFromDate", "datetime", AvailableFromDate="2020-01-01")


def test_datetimes_go_out_as_iso_8601_utc() -> None:
    berlin = timezone(timedelta(hours=2))
    wire = _encode(
        "RequestReport",
        ReportType="_GET_FLAT_FILE_ORDERS_DATA_",
        StartDate=datetime(2020, 6, 11, 10, 1, 49, tzinfo=berlin),
        EndDate=datetime(2020, 6, 12, 8, 0, 0, 704_321, tzinfo=UTC),
    )
    assert wire["StartDate"] == "2020-06-11T08:01:49Z"
    assert wire["EndDate"] == "2020-06-12T08:00:00.704Z"
    assert format_datetime(datetime(2020, 1, 1, tzinfo=UTC)) == "2020-01-01T00:00:00Z"


def test_date_ranges_must_not_be_reversed() -> None:
    later = datetime(2020, 6, 2, tzinfo=UTC)
    earlier = datetime(2020, 6, 1, tzinfo=UTC)
    _rejects(
        "GetFeedSubmissionCount",
        "SubmittedFromDate",
        "not be later than SubmittedToDate",
        SubmittedFromDate=later,
        SubmittedToDate=earlier,
    )
    assert _encode("GetFeedSubmissionCount", SubmittedFromDate=earlier, SubmittedToDate=later)


def test_lists_booleans_and_enumerations() -> None:
    wire = _encode(
        "GetReportList",
        ReportTypeList=["_GET_MERCHANT_LISTINGS_DATA_", "FeedSummaryReport"],
        Acknowledged=False,
    )
    assert wire == {
        "ReportTypeList.Type.1": "_GET_MERCHANT_LISTINGS_DATA_",
        "ReportTypeList.Type.2": "FeedSummaryReport",
        "Acknowledged": "false",
    }
    _rejects("GetReportList", "Acknowledged", "True or False", Acknowledged="false")
    _rejects("GetReportList", "ReportTypeList", "list", ReportTypeList="_GET_ORDERS_DATA_")


def test_none_and_empty_lists_count_as_absent() -> None:
    assert _encode("GetReportList", MaxCount=None, ReportTypeList=[]) == {}


def test_ids_may_be_integers_but_not_empty() -> None:
    assert _encode("GetReport", ReportId=21175694446018424) == {"ReportId": "21175694446018424"}
    _rejects("GetReport", "ReportId", "empty", ReportId="  ")


def test_unknown_and_reserved_names() -> None:
    _rejects("GetReportCount", "MaxCount", "not a parameter of GetReportCount", MaxCount=5)
    _rejects("GetReportCount", "Timestamp", "set by the client", Timestamp="now")
    _rejects("GetReportCount", "MWSAuthToken", "set by the client", MWSAuthToken="x")


def test_options_from_a_mapping() -> None:
    wire = _encode(
        "RequestReport",
        ReportType="_GET_FLAT_FILE_ORDERS_DATA_",
        ReportOptions={"ShowSalesChannel": True},
    )
    assert wire["ReportOptions"] == "ShowSalesChannel=true"
    feed = _encode(
        "SubmitFeed",
        FeedType="_UPLOAD_VAT_INVOICE_",
        ContentMD5Value="abc=",
        FeedOptions={"orderid": "123-1", "invoicenumber": "INV-9"},
    )
    assert feed["FeedOptions"] == "metadata:orderid=123-1;metadata:invoicenumber=INV-9"
    _rejects(
        "RequestReport",
        "ReportOptions",
        "non-empty",
        ReportType="_GET_ORDERS_DATA_",
        ReportOptions={},
    )
