"""The catalog's own rules: paging twins, list wire names, well-formed types and options.

That its facts (operations, paths, parameters, enumerations, throttles) are MWS's is checked
against the sandbox's independent tables in tests/unit/test_catalog_agreement.py."""

from __future__ import annotations

import re

from mwsclient.operations import (
    FEED_CATEGORIES,
    FEED_PROCESSING_STATUSES,
    FEED_TYPES,
    OPERATIONS,
    REPORT_CATEGORIES,
    REPORT_PROCESSING_STATUSES,
    REPORT_TYPES,
    REQUESTABLE_REPORT_TYPES,
    get_operation,
)


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


def test_processing_statuses_are_described_and_only_done_and_cancelled_are_final() -> None:
    assert {s.value for s in FEED_PROCESSING_STATUSES.values() if s.final} == {
        "_CANCELLED_",
        "_DONE_",
    }
    for status in [*REPORT_PROCESSING_STATUSES.values(), *FEED_PROCESSING_STATUSES.values()]:
        assert status.name
        assert status.description


def test_feed_types() -> None:
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
