"""Parsing every operation's response, whatever the namespace and element order; hostile
documents refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from lxml import etree

from mwsclient import xmlparse
from mwsclient.errors import InvalidResponseError
from mwsclient.operations import get_operation
from mwsclient.results import (
    CancelFeedSubmissionsResult,
    CancelReportRequestsResult,
    CountResult,
    FeedSubmissionInfo,
    FeedSubmissionListResult,
    ListMarketplaceParticipationsResult,
    ManageReportScheduleResult,
    MarketplaceInfo,
    Participation,
    ReportInfo,
    ReportListResult,
    ReportRequestInfo,
    ReportRequestListResult,
    ReportSchedule,
    ReportScheduleListResult,
    RequestReportResult,
    ServiceStatusResult,
    StatusMessage,
    SubmitFeedResult,
    UpdateReportAcknowledgementsResult,
)
from mwsclient.xmlparse import parse_document, parse_error, parse_result

from .fixtures import error_fixture, fixture, shuffled, variants


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


LISTINGS_REQUEST = ReportRequestInfo(
    report_request_id="51784018425",
    report_type="_GET_MERCHANT_LISTINGS_DATA_",
    report_processing_status="_SUBMITTED_",
    submitted_date=at("2020-06-12T09:29:10+00:00"),
    start_date=at("2020-06-12T09:29:10+00:00"),
    end_date=at("2020-06-12T09:29:10+00:00"),
    scheduled=False,
)
ORDERS_REQUEST = ReportRequestInfo(
    report_request_id="51785018425",
    report_type="_GET_FLAT_FILE_ORDERS_DATA_",
    report_processing_status="_DONE_",
    submitted_date=at("2020-06-12T09:30:11+00:00"),
    start_date=at("2020-06-11T09:30:11+00:00"),
    end_date=at("2020-06-12T09:30:11+00:00"),
    scheduled=False,
    generated_report_id="21193019374018425",
    started_processing_date=at("2020-06-12T09:30:17+00:00"),
    completed_date=at("2020-06-12T09:30:22+00:00"),
)
ACKNOWLEDGED_LISTINGS = ReportInfo(
    report_id="21175694446018424",
    report_type="_GET_MERCHANT_LISTINGS_DATA_",
    available_date=at("2020-06-11T07:44:32+00:00"),
    acknowledged=True,
    report_request_id="51781018424",
    acknowledged_date=at("2020-06-12T04:15:48+00:00"),
)
SUBMITTED_FEED = FeedSubmissionInfo(
    feed_submission_id="51799018438",
    feed_type="_POST_PRODUCT_DATA_",
    feed_processing_status="_SUBMITTED_",
    submitted_date=at("2020-06-25T12:32:14+00:00"),
)
COUNT_OPERATIONS = {
    "GetReportRequestCount": 7,
    "GetReportCount": 12,
    "GetReportScheduleCount": 2,
    "GetFeedSubmissionCount": 31,
}

EXPECTED: dict[str, Any] = {
    "RequestReport": RequestReportResult(LISTINGS_REQUEST),
    "GetReportRequestList": ReportRequestListResult(
        report_request_info=(
            ORDERS_REQUEST,
            LISTINGS_REQUEST,
            ReportRequestInfo(
                report_request_id="51783018424",
                report_type="_GET_SELLER_FEEDBACK_DATA_",
                report_processing_status="_DONE_NO_DATA_",
                submitted_date=at("2020-06-12T09:25:00+00:00"),
                start_date=at("2020-05-13T09:25:00+00:00"),
                end_date=at("2020-06-12T09:25:00+00:00"),
                scheduled=True,
                started_processing_date=at("2020-06-12T09:25:06+00:00"),
                completed_date=at("2020-06-12T09:25:09+00:00"),
            ),
        ),
        has_next=True,
        next_token=(
            "bFRnc0VZWUh0ZGFaeXl6aDFZY0dTTWpRblNGcXdoUmVneDJ5RGdyeGtnRnhiR2hhSFBnSmZ4bUhZWExk"
            "WjNmRjhEbWpkcUtvRVBvZmFDbmxUYjhjN1ZqN2E0d2VaSDZUSmdxK2VsWlU1TjB4S2E0T3lJcS9MeFA4"
            "RXE1R2dVYTk="
        ),
    ),
    "GetReportRequestListByNextToken": ReportRequestListResult(
        report_request_info=(
            ReportRequestInfo(
                report_request_id="51781018424",
                report_type="_GET_MERCHANT_LISTINGS_DATA_",
                report_processing_status="_DONE_",
                submitted_date=at("2020-06-11T07:44:25+00:00"),
                start_date=at("2020-06-11T07:44:25+00:00"),
                end_date=at("2020-06-11T07:44:25+00:00"),
                scheduled=False,
                generated_report_id="21175694446018424",
                started_processing_date=at("2020-06-11T07:44:29+00:00"),
                completed_date=at("2020-06-11T07:44:32+00:00"),
            ),
        ),
        has_next=False,
        next_token=None,
    ),
    "CancelReportRequests": CancelReportRequestsResult(
        count=2,
        report_request_info=(
            ReportRequestInfo(
                report_request_id="51784018425",
                report_type="_GET_MERCHANT_LISTINGS_DATA_",
                report_processing_status="_DONE_",
                submitted_date=at("2020-06-12T09:29:10+00:00"),
                start_date=at("2020-06-12T09:29:10+00:00"),
                end_date=at("2020-06-12T09:29:10+00:00"),
                scheduled=False,
                generated_report_id="21192019370018425",
                started_processing_date=at("2020-06-12T09:29:14+00:00"),
                completed_date=at("2020-06-12T09:29:18+00:00"),
            ),
            ORDERS_REQUEST,
        ),
    ),
    "GetReportList": ReportListResult(
        report_info=(
            ACKNOWLEDGED_LISTINGS,
            ReportInfo(
                report_id="21170188830018424",
                report_type="FeedSummaryReport",
                available_date=at("2020-06-10T22:06:01+00:00"),
                acknowledged=False,
            ),
        ),
        has_next=True,
        next_token=(
            "Y2VIMkJZSWVpeFRVR1h4UmRyVXhLb3dGT1R3NmpBSjNZUzlsYmlzV0J2Z3V6eHQwVnd3K1RzSUk4THNL"
            "WVRXRHRLcWVvRkpHSzFLVjV0aHNaTzJ0dEdVaW11QjlZd2FQbUVYZWpvNU1FdmNaUmZFc09zeHNOQk9n"
            "ZmdjOWU="
        ),
    ),
    "GetReportListByNextToken": ReportListResult(
        report_info=(
            ReportInfo(
                report_id="20902883327018391",
                report_type="_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_",
                available_date=at("2020-05-31T06:27:29+00:00"),
                acknowledged=False,
            ),
        ),
        has_next=False,
        next_token=None,
    ),
    "ManageReportSchedule": ManageReportScheduleResult(
        count=1,
        report_schedule=(
            ReportSchedule("_GET_ORDERS_DATA_", "_15_DAYS_", at("2020-06-12T11:28:33+00:00")),
        ),
    ),
    "GetReportScheduleList": ReportScheduleListResult(
        report_schedule=(
            ReportSchedule(
                "_GET_XML_BROWSE_TREE_DATA_", "_1_DAY_", at("2020-06-13T00:00:00+00:00")
            ),
            ReportSchedule(
                "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", "_72_HOURS_", at("2020-06-14T08:00:00+00:00")
            ),
        ),
        has_next=False,
        next_token=None,
    ),
    "GetReportScheduleListByNextToken": ReportScheduleListResult(
        report_schedule=(), has_next=False, next_token=None
    ),
    "UpdateReportAcknowledgements": UpdateReportAcknowledgementsResult(
        count=2,
        report_info=(
            ACKNOWLEDGED_LISTINGS,
            ReportInfo(
                report_id="21175700123018424",
                report_type="_GET_FLAT_FILE_OPEN_LISTINGS_DATA_",
                available_date=at("2020-06-11T07:45:02+00:00"),
                acknowledged=True,
                report_request_id="51782018424",
                acknowledged_date=at("2020-06-12T04:15:48+00:00"),
            ),
        ),
    ),
    "SubmitFeed": SubmitFeedResult(SUBMITTED_FEED),
    "GetFeedSubmissionList": FeedSubmissionListResult(
        feed_submission_info=(
            SUBMITTED_FEED,
            FeedSubmissionInfo(
                feed_submission_id="51793018437",
                feed_type="_POST_INVENTORY_AVAILABILITY_DATA_",
                feed_processing_status="_DONE_",
                submitted_date=at("2020-06-24T10:00:58+00:00"),
                started_processing_date=at("2020-06-24T10:01:12+00:00"),
                completed_processing_date=at("2020-06-24T10:02:40+00:00"),
            ),
        ),
        has_next=True,
        next_token=(
            "MDAxNDJoSGhmZGRkNTQzYkhvZnY0bmxwYkQ0cWFIS2xxbTBLUVY5Z3pxbXpBN0RHN2NYRk1hVzFkM1dD"
            "WFF1QzBVeWhWVnZFYTVHM3ZFTTE4TDBZK3JIOUpyWnBVSTlKQ0VWRExCZ1p4SjQzcGhQbHdrM0dSZ2tK"
            "a2RvaTlHbTQ="
        ),
    ),
    "GetFeedSubmissionListByNextToken": FeedSubmissionListResult(
        feed_submission_info=(), has_next=False, next_token=None
    ),
    "CancelFeedSubmissions": CancelFeedSubmissionsResult(
        count=2,
        feed_submission_info=(
            FeedSubmissionInfo(
                feed_submission_id="51801018439",
                feed_type="_POST_PRODUCT_PRICING_DATA_",
                feed_processing_status="_CANCELLED_",
                submitted_date=at("2020-06-25T12:40:02+00:00"),
            ),
            FeedSubmissionInfo(
                feed_submission_id="51790018436",
                feed_type="_POST_PRODUCT_PRICING_DATA_",
                feed_processing_status="_DONE_",
                submitted_date=at("2020-06-24T09:12:44+00:00"),
                started_processing_date=at("2020-06-24T09:13:01+00:00"),
                completed_processing_date=at("2020-06-24T09:15:03+00:00"),
            ),
        ),
    ),
    "ListMarketplaceParticipations": ListMarketplaceParticipationsResult(
        participations=(
            Participation("A2EUQ1WTGCTBG2", "A1EXAMPLE0SELLER", False),
            Participation("A6W85IYQ5WB1C", "A1EXAMPLE0SELLER", True),
        ),
        marketplaces=(
            MarketplaceInfo("A2EUQ1WTGCTBG2", "Amazon.ca", "CA", "CAD", "en_CA", "www.amazon.ca"),
            MarketplaceInfo("A6W85IYQ5WB1C", "IBA", "US", "USD", "en_US", "iba.login.amazon.com"),
        ),
        next_token="c2Vjb25kIHBhZ2Ugb2YgcGFydGljaXBhdGlvbnM=",
    ),
    "ListMarketplaceParticipationsByNextToken": ListMarketplaceParticipationsResult(
        participations=(Participation("ATVPDKIKX0DER", "A1EXAMPLE0SELLER", False),),
        marketplaces=(
            MarketplaceInfo("ATVPDKIKX0DER", "Amazon.com", "US", "USD", "en_US", "www.amazon.com"),
        ),
        next_token=None,
    ),
    "GetServiceStatus": ServiceStatusResult(
        status="GREEN_I",
        timestamp=datetime(2020, 5, 28, 11, 22, 25, 398000, tzinfo=UTC),
        message_id="173964729I",
        messages=(
            StatusMessage("en_US", "Operating normally; a maintenance window starts at 02:00 UTC."),
        ),
    ),
    **{name: CountResult(count) for name, count in COUNT_OPERATIONS.items()},
}

XML_OPERATIONS = sorted(EXPECTED)


def test_every_xml_operation_has_a_fixture() -> None:
    from mwsclient.operations import OPERATIONS

    assert set(XML_OPERATIONS) == {n for n, op in OPERATIONS.items() if op.kind != "download"}


def test_the_catalog_carries_a_parser_for_every_xml_operation_and_none_for_downloads() -> None:
    from mwsclient.operations import OPERATIONS

    for op in OPERATIONS.values():
        assert (op.parser is None) == (op.kind == "download"), op.name
    with pytest.raises(InvalidResponseError, match="does not return an XML result"):
        parse_result("GetReport", None, parse_document(b"<GetReportResponse/>"))


def _parse(operation: str, body: bytes) -> tuple[Any, str | None]:
    return parse_result(operation, get_operation(operation).parser, parse_document(body))


@pytest.mark.parametrize("operation", XML_OPERATIONS)
@pytest.mark.parametrize("variant", ["recorded", "other-namespace", "no-namespace"])
def test_fixture_parses_in_every_namespace(operation: str, variant: str) -> None:
    body = variants(fixture(f"{operation}.xml"))[variant]
    result, request_id = _parse(operation, body)
    assert result == EXPECTED[operation]
    assert request_id


@pytest.mark.parametrize("operation", XML_OPERATIONS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fixture_parses_in_any_element_order(operation: str, seed: int) -> None:
    result, _ = _parse(operation, shuffled(fixture(f"{operation}.xml"), seed))
    expected = EXPECTED[operation]
    # Items keep their identity; their order on the page is the only thing allowed to move.
    for field in ("report_request_info", "report_info", "feed_submission_info", "report_schedule"):
        if isinstance(getattr(expected, field, None), tuple):
            assert sorted(map(repr, getattr(result, field))) == sorted(
                map(repr, getattr(expected, field))
            )
            result = type(result)(**{**result.__dict__, field: getattr(expected, field)})
    for field in ("participations", "marketplaces"):
        if isinstance(getattr(expected, field, None), tuple):
            assert set(getattr(result, field)) == set(getattr(expected, field))
            result = type(result)(**{**result.__dict__, field: getattr(expected, field)})
    assert result == expected


def test_unknown_elements_are_ignored() -> None:
    body = fixture("SubmitFeed.xml").replace(
        b"<FeedType>", b"<FutureElement><Nested>1</Nested></FutureElement><FeedType>"
    )
    assert _parse("SubmitFeed", body)[0] == EXPECTED["SubmitFeed"]


def test_wrong_root_or_missing_fields_are_invalid_responses() -> None:
    with pytest.raises(InvalidResponseError, match="expected <GetReportListResponse>"):
        _parse("GetReportList", fixture("SubmitFeed.xml"))
    broken = fixture("SubmitFeed.xml").replace(
        b"<FeedSubmissionId>51799018438</FeedSubmissionId>", b""
    )
    with pytest.raises(InvalidResponseError, match="FeedSubmissionId"):
        _parse("SubmitFeed", broken)
    with pytest.raises(InvalidResponseError, match="Count"):
        _parse("GetReportCount", fixture("GetReportCount.xml").replace(b"12", b"twelve"))


@pytest.mark.parametrize(
    ("code", "error_type", "request_id_tag"),
    [
        ("RequestThrottled", None, "RequestID"),
        ("InvalidReportRequestId", "Sender", "RequestId"),
        ("QuotaExceeded", None, "RequestID"),
        ("InvalidAddress", "Sender", "RequestID"),
    ],
)
def test_error_documents(code: str, error_type: str | None, request_id_tag: str) -> None:
    body = error_fixture(code)
    assert f"<{request_id_tag}>".encode() in body
    error = parse_error(parse_document(body))
    assert error is not None
    assert (error.code, error.error_type) == (code, error_type)
    assert error.request_id
    assert error.message
    assert parse_error(parse_document(fixture("SubmitFeed.xml"))) is None


class RecordingResolver(etree.Resolver):
    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def resolve(self, system_url: str, public_id: str, context: object) -> None:
        self.asked.append(system_url)


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> RecordingResolver:
    """Every URL the hardened parser tries to load (a file, a DTD, a network address)."""
    recorder = RecordingResolver()
    build = xmlparse._parser

    def parser_with_recorder() -> etree.XMLParser:
        parser = build()
        parser.resolvers.add(recorder)
        return parser

    monkeypatch.setattr(xmlparse, "_parser", parser_with_recorder)
    return recorder


def test_xxe_file_entity_is_refused_and_nothing_is_read(tmp_path, resolver) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
        "<GetReportCountResponse><GetReportCountResult><Count>&x;</Count>"
        "</GetReportCountResult></GetReportCountResponse>"
    ).encode()
    with pytest.raises(InvalidResponseError) as caught:
        parse_document(body)
    assert "TOP-SECRET-MARKER" not in str(caught.value)
    assert resolver.asked == []


def test_external_dtd_and_parameter_entities_are_not_fetched(resolver) -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd" ['
        b'<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r/>'
    )
    with pytest.raises(InvalidResponseError):
        parse_document(body)
    assert resolver.asked == []


@pytest.mark.parametrize("depth", [2, 9])
def test_entity_expansion_is_refused(depth: int) -> None:
    """A shallow expansion parses (entities unresolved) and is refused for its DTD; a deep
    one is stopped by libxml2's amplification guard before that. Either way: an error."""
    levels = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, depth + 1))
    body = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{levels}]><r>&l{depth};</r>'
    with pytest.raises(InvalidResponseError):
        parse_document(body.encode())


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body><h1>502 Bad Gateway</h1></body>",
        b"",
        b"<?xml version='1.0'?><GetReportCountResponse><GetReportCountResult>",
        b"sku\tprice\nA\t1.00\n",
    ],
)
def test_non_xml_bodies(body: bytes) -> None:
    with pytest.raises(InvalidResponseError):
        parse_document(body)
