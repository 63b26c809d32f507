"""The catalog against the reference: every operation, its bucket, its paging, its params."""

from __future__ import annotations

import re

import pytest

from mwsclient.operations import (
    FEED_CATEGORIES,
    FEED_PROCESSING_STATUSES,
    FEED_TYPES,
    OPERATIONS,
    REPORT_CATEGORIES,
    REPORT_PROCESSING_STATUSES,
    REPORT_TYPES,
    REQUESTABLE_REPORT_TYPES,
    SCHEDULES,
    get_operation,
)

REPORTS = {
    "RequestReport",
    "GetReportRequestList",
    "GetReportRequestListByNextToken",
    "GetReportRequestCount",
    "CancelReportRequests",
    "GetReportList",
    "GetReportListByNextToken",
    "GetReportCount",
    "GetReport",
    "ManageReportSchedule",
    "GetReportScheduleList",
    "GetReportScheduleListByNextToken",
    "GetReportScheduleCount",
    "UpdateReportAcknowledgements",
}
FEEDS = {
    "SubmitFeed",
    "GetFeedSubmissionList",
    "GetFeedSubmissionListByNextToken",
    "GetFeedSubmissionCount",
    "CancelFeedSubmissions",
    "GetFeedSubmissionResult",
}
SELLERS = {
    "ListMarketplaceParticipations",
    "ListMarketplaceParticipationsByNextToken",
    "GetServiceStatus",
}

# Reference section 1.7: (max quota, restore seconds, hourly quota).
THROTTLES = {
    "RequestReport": (15, 60, 60),
    "GetReportRequestList": (10, 45, 80),
    "GetReportRequestListByNextToken": (30, 2, 1800),
    "GetReportRequestCount": (10, 45, 80),
    "CancelReportRequests": (10, 45, 80),
    "GetReportList": (10, 60, 60),
    "GetReportListByNextToken": (30, 2, 1800),
    "GetReportCount": (10, 45, 80),
    "GetReport": (15, 60, 60),
    "ManageReportSchedule": (10, 45, 80),
    "GetReportScheduleList": (10, 45, 80),
    "GetReportScheduleCount": (10, 45, 80),
    "UpdateReportAcknowledgements": (10, 45, 80),
    "SubmitFeed": (15, 120, 30),
    "GetFeedSubmissionList": (10, 45, 80),
    "GetFeedSubmissionListByNextToken": (30, 2, 1800),
    "GetFeedSubmissionCount": (10, 45, 80),
    "CancelFeedSubmissions": (10, 45, 80),
    "GetFeedSubmissionResult": (15, 60, 60),
    "ListMarketplaceParticipations": (15, 60, None),
    "ListMarketplaceParticipationsByNextToken": (15, 60, None),
    "GetServiceStatus": (2, 300, None),
}


def test_catalog_holds_every_operation_and_nothing_else() -> None:
    assert {n for n, op in OPERATIONS.items() if op.section == "Reports"} == REPORTS
    assert {n for n, op in OPERATIONS.items() if op.section == "Feeds"} == FEEDS
    assert {n for n, op in OPERATIONS.items() if op.section == "Sellers"} == SELLERS
    assert len(OPERATIONS) == 14 + 6 + 3


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_section_facts(name: str) -> None:
    op = get_operation(name)
    if op.section == "Sellers":
        assert (op.version, op.path, op.account_param) == (
            "2011-07-01",
            "/Sellers/2011-07-01",
            "SellerId",
        )
    else:
        assert op.version == "2009-01-01"
        assert op.path == f"/{op.section}/2009-01-01"
        assert op.account_param == "Merchant"
    assert op.description


@pytest.mark.parametrize(("name", "numbers"), sorted(THROTTLES.items()))
def test_throttle_numbers(name: str, numbers: tuple[int, int, int | None]) -> None:
    group = get_operation(name).throttle
    assert (group.quota, group.restore_seconds, group.hourly_quota) == numbers


def test_only_list_marketplace_participations_shares_a_bucket() -> None:
    by_group: dict[str, set[str]] = {}
    for op in OPERATIONS.values():
        by_group.setdefault(op.throttle.name, set()).add(op.name)
    shared = {name: ops for name, ops in by_group.items() if len(ops) > 1}
    assert shared == {
        "ListMarketplaceParticipations": {
            "ListMarketplaceParticipations",
            "ListMarketplaceParticipationsByNextToken",
        }
    }


def test_kinds() -> None:
    kinds = {name: op.kind for name, op in OPERATIONS.items() if op.kind != "xml"}
    assert kinds == {
        "SubmitFeed": "upload",
        "GetReport": "download",
        "GetFeedSubmissionResult": "download",
    }


def test_paging_styles_and_twins() -> None:
    starters = {
        name: (op.paging, op.next_token_operation)
        for name, op in OPERATIONS.items()
        if op.paging != "none" and not op.parent_operation
    }
    assert starters == {
        "GetReportRequestList": ("has_next", "GetReportRequestListByNextToken"),
        "GetReportList": ("has_next", "GetReportListByNextToken"),
        "GetReportScheduleList": ("has_next", "GetReportScheduleListByNextToken"),
        "GetFeedSubmissionList": ("has_next", "GetFeedSubmissionListByNextToken"),
        "ListMarketplaceParticipations": (
            "next_token",
            "ListMarketplaceParticipationsByNextToken",
        ),
    }
    for name, (style, twin_name) in starters.items():
        twin = get_operation(twin_name)
        assert twin.parent_operation == name
        assert twin.paging == style
        assert twin.next_token_operation == twin_name
        token = twin.param("NextToken")
        assert token is not None
        assert token.required


def test_list_parameters_and_limits() -> None:
    grl = get_operation("GetReportRequestList")
    ids = grl.param("ReportRequestIdList")
    assert ids is not None
    assert ids.max_items == 100
    assert ids.wire_name(3) == "ReportRequestIdList.Id.3"
    types = grl.param("ReportTypeList")
    assert types is not None
    assert types.wire_name(1) == "ReportTypeList.Type.1"
    statuses = grl.param("ReportProcessingStatusList")
    assert statuses is not None
    assert statuses.wire_name(2) == "ReportProcessingStatusList.Status.2"
    max_count = grl.param("MaxCount")
    assert max_count is not None
    assert (max_count.min_value, max_count.max_value) == (1, 100)
    ack = get_operation("UpdateReportAcknowledgements").param("ReportIdList")
    assert ack is not None
    assert ack.required
    assert ack.wire_name(1) == "ReportIdList.Id.1"
    feed_ids = get_operation("GetFeedSubmissionList").param("FeedSubmissionIdList")
    assert feed_ids is not None
    assert feed_ids.max_items == 100


def test_required_parameters() -> None:
    required = {
        name: sorted(p.name for p in op.params if p.required)
        for name, op in OPERATIONS.items()
        if any(p.required for p in op.params)
    }
    assert required == {
        "RequestReport": ["ReportType"],
        "GetReportRequestListByNextToken": ["NextToken"],
        "GetReportListByNextToken": ["NextToken"],
        "GetReport": ["ReportId"],
        "ManageReportSchedule": ["ReportType", "Schedule"],
        "GetReportScheduleListByNextToken": ["NextToken"],
        "UpdateReportAcknowledgements": ["ReportIdList"],
        "SubmitFeed": ["ContentMD5Value", "FeedType"],
        "GetFeedSubmissionListByNextToken": ["NextToken"],
        "GetFeedSubmissionResult": ["FeedSubmissionId"],
        "ListMarketplaceParticipationsByNextToken": ["NextToken"],
    }


def test_schedules_are_the_documented_values() -> None:
    assert list(SCHEDULES) == [
        "_15_MINUTES_",
        "_30_MINUTES_",
        "_1_HOUR_",
        "_2_HOURS_",
        "_4_HOURS_",
        "_8_HOURS_",
        "_12_HOURS_",
        "_1_DAY_",
        "_2_DAYS_",
        "_72_HOURS_",
        "_1_WEEK_",
        "_14_DAYS_",
        "_15_DAYS_",
        "_30_DAYS_",
        "_NEVER_",
    ]
    assert SCHEDULES["_72_HOURS_"].interval_seconds == 3 * 86400
    assert SCHEDULES["_NEVER_"].interval_seconds is None


def test_processing_statuses() -> None:
    assert set(REPORT_PROCESSING_STATUSES) == {
        "_SUBMITTED_",
        "_IN_PROGRESS_",
        "_CANCELLED_",
        "_DONE_",
        "_DONE_NO_DATA_",
    }
    assert set(FEED_PROCESSING_STATUSES) == {
        "_AWAITING_ASYNCHRONOUS_REPLY_",
        "_CANCELLED_",
        "_DONE_",
        "_IN_PROGRESS_",
        "_IN_SAFETY_NET_",
        "_SUBMITTED_",
        "_UNCONFIRMED_",
    }
    assert {s.value for s in FEED_PROCESSING_STATUSES.values() if s.final} == {
        "_CANCELLED_",
        "_DONE_",
    }
    for status in [*REPORT_PROCESSING_STATUSES.values(), *FEED_PROCESSING_STATUSES.values()]:
        assert status.name
        assert status.description


def test_feed_types() -> None:
    xml_message_types = {
        value: info.message_type
        for value, info in FEED_TYPES.items()
        if info.format == "xml" and info.message_type
    }
    # The sandbox reads the same envelopes from its own table (it must not import the client).
    from mwssandbox.feedproc import XML_FEED_MESSAGE_TYPES

    assert xml_message_types == XML_FEED_MESSAGE_TYPES
    for info in FEED_TYPES.values():
        assert info.name
        if info.purge_and_replace:
            assert info.format == "flat_file"
        if info.format != "xml":
            assert info.message_type is None
    assert FEED_TYPES["_POST_FLAT_FILE_LISTINGS_DATA_"].purge_and_replace
    assert not FEED_TYPES["_POST_PRODUCT_DATA_"].purge_and_replace


def test_report_types() -> None:
    for info in REPORT_TYPES.values():
        assert info.name
        assert info.description.endswith(".")
    requestable = get_operation("RequestReport").param("ReportType")
    assert requestable is not None
    assert requestable.choices is not None
    assert "_GET_MERCHANT_LISTINGS_DATA_" in requestable.choices
    assert "FeedSummaryReport" not in requestable.choices
    assert "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_" not in requestable.choices
    listed = get_operation("GetReportList").param("ReportTypeList")
    assert listed is not None
    assert listed.choices is not None
    assert "FeedSummaryReport" in listed.choices


def test_every_report_type_has_a_category_a_distinct_name_and_well_formed_options() -> None:
    assert len(REPORT_TYPES) >= 66
    assert len({info.name for info in REPORT_TYPES.values()}) == len(REPORT_TYPES)
    used = {info.category for info in REPORT_TYPES.values()}
    assert used == set(REPORT_CATEGORIES)
    for info in REPORT_TYPES.values():
        assert info.category in REPORT_CATEGORIES
        assert info.charset == ("marketplace" if info.format == "flat_file" else "utf-8")
        keys = [option.key for option in info.options]
        assert len(keys) == len(set(keys)), info.value
        for option in info.options:
            assert option.kind in ("boolean", "text")
            assert option.description
            # A text option says what it takes, and its example is one.
            if option.kind == "text":
                assert re.fullmatch(option.pattern, option.example), option
    # Amazon generates settlements on its own cycle: nobody can request them.
    for info in REPORT_TYPES.values():
        if info.category == "Settlement":
            assert not info.requestable
    assert set(REQUESTABLE_REPORT_TYPES) == {v for v, i in REPORT_TYPES.items() if i.requestable}
    assert "_GET_FLAT_FILE_ORDERS_DATA_" in REQUESTABLE_REPORT_TYPES
    assert [o.key for o in REPORT_TYPES["_GET_FLAT_FILE_ORDERS_DATA_"].options] == [
        "ShowSalesChannel"
    ]


def test_every_feed_type_has_a_category_a_distinct_name_and_a_content_type() -> None:
    assert len(FEED_TYPES) >= 30
    assert len({info.name for info in FEED_TYPES.values()}) == len(FEED_TYPES)
    assert {info.category for info in FEED_TYPES.values()} == set(FEED_CATEGORIES)
    for info in FEED_TYPES.values():
        expected = {
            "xml": "text/xml",
            "flat_file": "text/tab-separated-values",
            "binary": "application/octet-stream",
        }[info.format]
        assert info.content_type == expected
        assert (info.charset is None) == (info.format == "binary")


def test_the_catalog_and_the_sandbox_know_the_same_report_and_feed_types() -> None:
    from mwssandbox import enums

    assert set(REPORT_TYPES) == enums.ALL_REPORT_TYPES
    assert set(REQUESTABLE_REPORT_TYPES) == enums.REQUESTABLE_REPORT_TYPES
    assert set(FEED_TYPES) == enums.FEED_TYPES


def test_names_and_enumeration_values_need_no_encoding() -> None:
    """The client sends catalog names and enumeration values verbatim (no percent-encoding
    pass on its hot path); that is only right while they stay RFC 3986 unreserved."""
    import re

    unreserved = re.compile(r"[A-Za-z0-9\-_.~]+")
    for op in OPERATIONS.values():
        assert unreserved.fullmatch(op.name)
        assert unreserved.fullmatch(op.version)
        for param in op.params:
            assert unreserved.fullmatch(param.name)
            if param.list_member:
                assert unreserved.fullmatch(param.wire_name(100))
            for choice in param.choices or ():
                assert unreserved.fullmatch(choice), choice
