"""Hardened, namespace-agnostic, order-independent parsing of MWS XML into typed results.

Hardening: the parser never loads a DTD, never resolves entities and never touches the
network, and any document that declares a DOCTYPE is refused outright (MWS never sends one),
so an XXE or entity-expansion ("billion laughs") document raises instead of reading files or
expanding. Oversized trees are refused by libxml2's default limits (``huge_tree`` off).

Tolerance: real MWS answered in more than one namespace per section (and once with none),
reordered child elements freely, and omitted optional elements rather than sending them
empty. Elements are therefore looked up by local name among an element's children, in any
order, and elements we do not know are ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, BinaryIO

from lxml import etree

from mwsclient.errors import ErrorItem, InvalidResponseError
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

Element = etree._Element


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_document(source: bytes | BinaryIO) -> Element:
    """Parse untrusted XML safely and return its root element.

    Raises ``InvalidResponseError`` for anything that is not a well-formed document without
    a DTD.
    """
    parser = _parser()
    try:
        if isinstance(source, bytes):
            root = etree.fromstring(source, parser)
        else:
            root = etree.parse(source, parser).getroot()
    except etree.XMLSyntaxError as exc:
        # libxml2 gives up inside some hostile DTDs (entity amplification) before the check
        # below could run; the reason worth telling is still the DTD.
        if _head_declares_doctype(source):
            raise InvalidResponseError(DTD_REFUSED) from None
        raise InvalidResponseError(f"response is not well-formed XML: {exc}") from None
    if root is None:
        raise InvalidResponseError("response is an empty XML document")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise InvalidResponseError(DTD_REFUSED)
    return root


DTD_REFUSED = "response declares a DTD; refused (MWS never sends one)"
# A DOCTYPE can only come before the root element, so the start of a document shows it.
_DOCTYPE_HEAD_BYTES = 64 * 1024


def _head_declares_doctype(source: bytes | BinaryIO) -> bool:
    if isinstance(source, bytes):
        head = source[:_DOCTYPE_HEAD_BYTES]
    else:
        try:
            source.seek(0)
            head = source.read(_DOCTYPE_HEAD_BYTES)
        except (OSError, ValueError):
            return False
    return b"<!DOCTYPE" in head


def local_name(element: Element) -> str:
    return etree.QName(element).localname


def _child_map(element: Element) -> dict[str, list[Element]]:
    children: dict[str, list[Element]] = {}
    for child in element:
        if isinstance(child.tag, str):
            children.setdefault(local_name(child), []).append(child)
    return children


class Node:
    """An element with its children indexed by local name, whatever their order."""

    __slots__ = ("_children", "element")

    def __init__(self, element: Element) -> None:
        self.element = element
        self._children = _child_map(element)

    @property
    def name(self) -> str:
        return local_name(self.element)

    def all(self, name: str) -> list[Node]:
        return [Node(child) for child in self._children.get(name, ())]

    def first(self, name: str) -> Node | None:
        found = self._children.get(name)
        return Node(found[0]) if found else None

    def text(self, name: str) -> str | None:
        found = self._children.get(name)
        if not found:
            return None
        return "".join(found[0].itertext()).strip()

    def required_text(self, name: str) -> str:
        value = self.text(name)
        if not value:
            raise InvalidResponseError(f"<{self.name}> has no <{name}>")
        return value

    def flag(self, name: str, *, default: bool | None = None) -> bool | None:
        value = self.text(name)
        if value is None or value == "":
            return default
        lowered = value.lower()
        if lowered in ("true", "yes"):
            return True
        if lowered in ("false", "no"):
            return False
        raise InvalidResponseError(f"<{name}> is not a boolean: {value!r}")

    def integer(self, name: str) -> int:
        value = self.required_text(name)
        try:
            return int(value)
        except ValueError:
            raise InvalidResponseError(f"<{name}> is not an integer: {value!r}") from None

    def timestamp(self, name: str) -> datetime | None:
        return parse_timestamp(self.text(name))


def parse_timestamp(value: str | None) -> datetime | None:
    """MWS dates: ``2020-06-11T07:44:32+00:00``, ``2020-05-28T11:22:25.398Z`` and kin."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise InvalidResponseError(f"not an ISO 8601 timestamp: {value!r}") from None


# ---- items --------------------------------------------------------------------------------


def _report_request_info(node: Node) -> ReportRequestInfo:
    return ReportRequestInfo(
        report_request_id=node.required_text("ReportRequestId"),
        report_type=node.required_text("ReportType"),
        report_processing_status=node.required_text("ReportProcessingStatus"),
        submitted_date=node.timestamp("SubmittedDate"),
        start_date=node.timestamp("StartDate"),
        end_date=node.timestamp("EndDate"),
        scheduled=bool(node.flag("Scheduled", default=False)),
        generated_report_id=node.text("GeneratedReportId") or None,
        started_processing_date=node.timestamp("StartedProcessingDate"),
        completed_date=node.timestamp("CompletedDate"),
    )


def _report_info(node: Node) -> ReportInfo:
    return ReportInfo(
        report_id=node.required_text("ReportId"),
        report_type=node.required_text("ReportType"),
        available_date=node.timestamp("AvailableDate"),
        acknowledged=bool(node.flag("Acknowledged", default=False)),
        report_request_id=node.text("ReportRequestId") or None,
        acknowledged_date=node.timestamp("AcknowledgedDate"),
    )


def _report_schedule(node: Node) -> ReportSchedule:
    return ReportSchedule(
        report_type=node.required_text("ReportType"),
        schedule=node.required_text("Schedule"),
        scheduled_date=node.timestamp("ScheduledDate"),
    )


def _feed_submission_info(node: Node) -> FeedSubmissionInfo:
    return FeedSubmissionInfo(
        feed_submission_id=node.required_text("FeedSubmissionId"),
        feed_type=node.required_text("FeedType"),
        feed_processing_status=node.required_text("FeedProcessingStatus"),
        submitted_date=node.timestamp("SubmittedDate"),
        started_processing_date=node.timestamp("StartedProcessingDate"),
        completed_processing_date=node.timestamp("CompletedProcessingDate"),
    )


def _one(node: Node, name: str) -> Node:
    found = node.first(name)
    if found is None:
        raise InvalidResponseError(f"<{node.name}> has no <{name}>")
    return found


# ---- results ------------------------------------------------------------------------------


def parse_request_report(result: Node) -> RequestReportResult:
    return RequestReportResult(_report_request_info(_one(result, "ReportRequestInfo")))


def parse_report_request_list(result: Node) -> ReportRequestListResult:
    return ReportRequestListResult(
        report_request_info=tuple(map(_report_request_info, result.all("ReportRequestInfo"))),
        has_next=result.flag("HasNext"),
        next_token=result.text("NextToken") or None,
    )


def parse_count(result: Node) -> CountResult:
    return CountResult(result.integer("Count"))


def parse_cancel_report_requests(result: Node) -> CancelReportRequestsResult:
    return CancelReportRequestsResult(
        count=result.integer("Count"),
        report_request_info=tuple(map(_report_request_info, result.all("ReportRequestInfo"))),
    )


def parse_report_list(result: Node) -> ReportListResult:
    return ReportListResult(
        report_info=tuple(map(_report_info, result.all("ReportInfo"))),
        has_next=result.flag("HasNext"),
        next_token=result.text("NextToken") or None,
    )


def parse_manage_report_schedule(result: Node) -> ManageReportScheduleResult:
    return ManageReportScheduleResult(
        count=result.integer("Count"),
        report_schedule=tuple(map(_report_schedule, result.all("ReportSchedule"))),
    )


def parse_report_schedule_list(result: Node) -> ReportScheduleListResult:
    return ReportScheduleListResult(
        report_schedule=tuple(map(_report_schedule, result.all("ReportSchedule"))),
        has_next=result.flag("HasNext"),
        next_token=result.text("NextToken") or None,
    )


def parse_update_report_acknowledgements(result: Node) -> UpdateReportAcknowledgementsResult:
    return UpdateReportAcknowledgementsResult(
        count=result.integer("Count"),
        report_info=tuple(map(_report_info, result.all("ReportInfo"))),
    )


def parse_submit_feed(result: Node) -> SubmitFeedResult:
    return SubmitFeedResult(_feed_submission_info(_one(result, "FeedSubmissionInfo")))


def parse_feed_submission_list(result: Node) -> FeedSubmissionListResult:
    return FeedSubmissionListResult(
        feed_submission_info=tuple(map(_feed_submission_info, result.all("FeedSubmissionInfo"))),
        has_next=result.flag("HasNext"),
        next_token=result.text("NextToken") or None,
    )


def parse_cancel_feed_submissions(result: Node) -> CancelFeedSubmissionsResult:
    return CancelFeedSubmissionsResult(
        count=result.integer("Count"),
        feed_submission_info=tuple(map(_feed_submission_info, result.all("FeedSubmissionInfo"))),
    )


def _participation(node: Node) -> Participation:
    return Participation(
        marketplace_id=node.required_text("MarketplaceId"),
        seller_id=node.required_text("SellerId"),
        has_seller_suspended_listings=bool(node.flag("HasSellerSuspendedListings", default=False)),
    )


def _marketplace(node: Node) -> MarketplaceInfo:
    return MarketplaceInfo(
        marketplace_id=node.required_text("MarketplaceId"),
        name=node.text("Name"),
        default_country_code=node.text("DefaultCountryCode"),
        default_currency_code=node.text("DefaultCurrencyCode"),
        default_language_code=node.text("DefaultLanguageCode"),
        domain_name=node.text("DomainName"),
    )


def parse_list_marketplace_participations(result: Node) -> ListMarketplaceParticipationsResult:
    participations = result.first("ListParticipations")
    marketplaces = result.first("ListMarketplaces")
    return ListMarketplaceParticipationsResult(
        participations=tuple(
            map(_participation, participations.all("Participation") if participations else ())
        ),
        marketplaces=tuple(
            map(_marketplace, marketplaces.all("Marketplace") if marketplaces else ())
        ),
        next_token=result.text("NextToken") or None,
    )


def parse_service_status(result: Node) -> ServiceStatusResult:
    messages = result.first("Messages")
    return ServiceStatusResult(
        status=result.required_text("Status"),
        timestamp=result.timestamp("Timestamp"),
        message_id=result.text("MessageId") or None,
        messages=tuple(
            StatusMessage(locale=m.text("Locale"), text=m.text("Text") or "")
            for m in (messages.all("Message") if messages else ())
        ),
    )


def parse_result(
    operation: str, parser: Callable[[Node], Any] | None, root: Element
) -> tuple[Any, str | None]:
    """The typed result of ``<OperationResponse>``, read by ``parser`` (the catalog's for the
    operation), and the RequestId of its metadata."""
    node = Node(root)
    if node.name != f"{operation}Response":
        raise InvalidResponseError(f"expected <{operation}Response>, got <{node.name}>")
    if parser is None:
        raise InvalidResponseError(f"{operation} does not return an XML result")
    result = _one(node, f"{operation}Result")
    metadata = node.first("ResponseMetadata")
    request_id = metadata.text("RequestId") if metadata else None
    return parser(result), request_id or None


class ErrorBody:
    """An ``ErrorResponse``: its first ``<Error>`` (which decides the family) and all of them."""

    __slots__ = ("code", "detail", "error_type", "errors", "message", "request_id")

    def __init__(self, *, errors: tuple[ErrorItem, ...], request_id: str | None) -> None:
        first = errors[0] if errors else ErrorItem(code=None, message="")
        self.error_type = first.error_type
        self.code = first.code
        self.message = first.message
        self.detail = first.detail
        self.errors = errors
        self.request_id = request_id


def parse_error(root: Element) -> ErrorBody | None:
    """The errors of an ``ErrorResponse`` document; None when the root is something else."""
    node = Node(root)
    if node.name != "ErrorResponse":
        return None
    # The request id element is RequestId or RequestID depending on which MWS layer answered.
    request_id = node.text("RequestId") or node.text("RequestID")
    errors = tuple(
        ErrorItem(
            code=error.text("Code") or None,
            message=error.text("Message") or "",
            error_type=error.text("Type") or None,
            detail=error.text("Detail") or None,
        )
        for error in node.all("Error")
    )
    return ErrorBody(errors=errors, request_id=request_id or None)
