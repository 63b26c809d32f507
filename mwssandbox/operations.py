"""The 23 operations: their parameters, their behaviour and the XML they answer with.

Each operation is a row of ``OPERATIONS`` (section, parameters, handler). Handlers run after the
front door has authenticated, authorized and throttled the call, with the seller's book open.
Element names and order follow real responses (reference sections 2-4); optional elements are
omitted until they apply.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from mwssandbox import reportgen
from mwssandbox.config import Developer, Seller
from mwssandbox.enums import (
    ALL_REPORT_TYPES,
    FEED_STATUSES,
    FEED_TYPES,
    REPORT_STATUSES,
    SCHEDULES,
    SYSTEM_REPORT_TYPES,
    default_start_offset,
)
from mwssandbox.errors import FRONT, MWSError, invalid_value, validation_null
from mwssandbox.marketplaces import (
    LIST_IGNORING_HOSTS,
    MARKETPLACE_ID_LIST_IGNORED,
    MARKETPLACES,
    MWS_HOSTS,
    NON_RETAIL_MARKETPLACES,
)
from mwssandbox.paging import corrupted
from mwssandbox.params import Spec, parse_params
from mwssandbox.state import (
    DAY,
    Downloadable,
    FeedSubmission,
    Report,
    ReportRequest,
    SandboxState,
    Schedule,
    SellerBook,
)
from mwssandbox.xmlout import (
    NS_MWS_2009,
    NS_SELLERS,
    El,
    envelope,
    iso_millis,
    mws_date,
    render,
)

T = TypeVar("T")

KNOWN_REPORT_TYPES = ALL_REPORT_TYPES | reportgen.SUPPORTED_REPORT_TYPES


@dataclass(frozen=True)
class Section:
    name: str
    version: str
    namespace: str
    quota_headers: bool


REPORTS = Section("Reports", "2009-01-01", NS_MWS_2009, True)
FEEDS = Section("Feeds", "2009-01-01", NS_MWS_2009, True)
SELLERS = Section("Sellers", "2011-07-01", NS_SELLERS, False)

# Where each section answers. Official Feeds/Reports libraries call "/"; real traffic also used
# the versioned paths (reference section 1.1).
PATHS: dict[str, tuple[Section, ...]] = {
    "/": (REPORTS, FEEDS),
    "/Reports/2009-01-01": (REPORTS,),
    "/Feeds/2009-01-01": (FEEDS,),
    "/Sellers/2011-07-01": (SELLERS,),
}


@dataclass
class ReceivedBody:
    path: Path
    size: int
    content_md5: str


@dataclass
class Call:
    """One authenticated call as a handler sees it."""

    state: SandboxState
    book: SellerBook
    seller: Seller
    developer: Developer
    action: str
    params: Mapping[str, str]
    header_md5: str | None
    content_type: str
    receive_body: Callable[[], ReceivedBody]
    now: float = 0.0
    # The Host the request was addressed to: an MWS host, or the sandbox's own address.
    host: str = ""


@dataclass
class Result:
    """What a handler answers: an XML result element, or a body to download."""

    result: El | None = None
    download: Downloadable | None = None
    # Called once the seller's book is released: hashing a large report takes a while.
    digest: Callable[[], tuple[int, str]] | None = None
    one_line: bool = False


@dataclass(frozen=True)
class Operation:
    name: str
    section: Section
    params: tuple[Spec, ...]
    handler: Callable[[Call, dict[str, Any]], Result]
    streams: bool = False  # GetReport, GetFeedSubmissionResult, SubmitFeed carry x-amz-request-id


def respond(operation: Operation, call: Call, request_id: str) -> tuple[bytes | None, Result]:
    """Run ``operation`` with the seller's book open; the XML document, or None for downloads."""
    values = parse_params(operation.params, call.params)
    with call.book.opened() as now:
        call.now = now
        result = operation.handler(call, values)
    if result.download is not None:
        return None, result
    document = envelope(operation.name, operation.section.namespace, result.result, request_id)
    return render(document, pretty=not result.one_line), result


# --- Parameter shapes ---------------------------------------------------------------------------

_REPORT_TYPE_LIST = Spec(
    "ReportTypeList",
    "enum",
    values=KNOWN_REPORT_TYPES,
    member="Type",
    invalid_code="InvalidReportType",
    invalid_label="report type",
)
_REPORT_STATUS_LIST = Spec(
    "ReportProcessingStatusList", "enum", values=REPORT_STATUSES, member="Status"
)
_REQUEST_ID_LIST = Spec("ReportRequestIdList", member="Id", max_items=100)
_MAX_COUNT = Spec("MaxCount", "int", minimum=1, maximum=100)
_FEED_TYPE_LIST = Spec(
    "FeedTypeList",
    "enum",
    values=FEED_TYPES,
    member="Type",
    invalid_code="InvalidFeedType",
    invalid_label="feed type",
)
_FEED_ID_LIST = Spec("FeedSubmissionIdList", member="Id", max_items=100)
_NEXT_TOKEN = Spec("NextToken")


# --- XML pieces ---------------------------------------------------------------------------------


def _request_info(request: ReportRequest, *, with_report: bool = True) -> El:
    """``with_report`` False leaves out GeneratedReportId, as CancelReportRequests did for a
    request that was already ``_DONE_`` (recorded traffic)."""
    info = El("ReportRequestInfo")
    info.add("ReportType", request.report_type)
    info.add("ReportProcessingStatus", request.status)
    info.add("EndDate", mws_date(request.end))
    info.add("Scheduled", request.scheduled)
    info.add("ReportRequestId", request.request_id)
    if request.started is not None:
        info.add("StartedProcessingDate", mws_date(request.started))
    info.add("SubmittedDate", mws_date(request.submitted))
    info.add("StartDate", mws_date(request.start))
    if request.completed is not None:
        info.add("CompletedDate", mws_date(request.completed))
    if with_report and request.report_id is not None:
        info.add("GeneratedReportId", request.report_id)
    return info


def _report_info(report: Report) -> El:
    info = El("ReportInfo")
    info.add("ReportType", report.report_type)
    info.add("Acknowledged", report.acknowledged)
    if report.acknowledged and report.acknowledged_date is not None:
        info.add("AcknowledgedDate", mws_date(report.acknowledged_date))
    info.add("ReportId", report.report_id)
    if report.request_id is not None:
        info.add("ReportRequestId", report.request_id)
    info.add("AvailableDate", mws_date(report.available))
    return info


def _schedule_info(entry: Schedule, schedule: str | None = None) -> El:
    info = El("ReportSchedule")
    info.add("ReportType", entry.report_type)
    info.add("Schedule", schedule or entry.schedule)
    info.add("ScheduledDate", mws_date(entry.next_run))
    return info


def _submitted_feed_info(feed: FeedSubmission) -> El:
    """SubmitFeed's answer, in the order recorded for it (reference section 3.3)."""
    info = El("FeedSubmissionInfo")
    info.add("FeedSubmissionId", feed.submission_id)
    info.add("FeedType", feed.feed_type)
    info.add("SubmittedDate", mws_date(feed.submitted))
    info.add("FeedProcessingStatus", feed.status)
    return info


def _feed_info(feed: FeedSubmission) -> El:
    """A listed or cancelled submission, in the order real answers of 2016-2020 used."""
    info = El("FeedSubmissionInfo")
    info.add("FeedProcessingStatus", feed.status)
    info.add("FeedType", feed.feed_type)
    info.add("FeedSubmissionId", feed.submission_id)
    if feed.started is not None:
        info.add("StartedProcessingDate", mws_date(feed.started))
    info.add("SubmittedDate", mws_date(feed.submitted))
    if feed.completed is not None:
        info.add("CompletedProcessingDate", mws_date(feed.completed))
    return info


def _listing(tag: str, items: list[El], next_token: str | None) -> El:
    result = El(tag)
    if next_token is not None:
        result.add("NextToken", next_token)
    result.add("HasNext", next_token is not None)
    return result.extend(items)


def _counted(tag: str, count: int, items: Iterable[El] = ()) -> El:
    result = El(tag)
    result.add("Count", count)
    return result.extend(items)


# --- Listing with NextToken ---------------------------------------------------------------------


def _scope(call: Call, kind: str) -> dict[str, str]:
    return {
        "kind": kind,
        "seller": call.seller.seller_id,
        "developer": call.developer.account_number,
    }


def _page(
    call: Call,
    kind: str,
    items: list[T],
    key: Callable[[T], tuple[float, str]],
    filters: dict[str, Any],
    max_count: int,
) -> tuple[list[T], str | None]:
    """The first ``max_count`` items (newest first), and a token for the rest if there is any."""
    items.sort(key=key, reverse=True)
    page = items[:max_count]
    if len(items) <= max_count:
        return page, None
    after = list(key(page[-1]))
    token = call.state.tokens.issue(
        _scope(call, kind), {"filters": filters, "max": max_count, "after": after}
    )
    return page, token


def _resume(call: Call, kind: str, values: dict[str, Any]) -> tuple[dict[str, Any], int, tuple]:
    token = values.get("NextToken")
    if not token:
        raise _next_token_null()
    cursor = call.state.tokens.open(token, _scope(call, kind))
    return cursor["filters"], cursor["max"], tuple(cursor["after"])


def _next_token_null() -> MWSError:
    return validation_null("nextToken")


def _window(values: dict[str, Any], prefix: str, now: float) -> tuple[float, float]:
    """A ``<prefix>FromDate``/``<prefix>ToDate`` pair, defaulting to the last 90 days."""
    start = values.get(f"{prefix}FromDate")
    end = values.get(f"{prefix}ToDate")
    start_ts = start.timestamp() if start else now - 90 * DAY
    end_ts = end.timestamp() if end else now
    if start_ts > end_ts:
        raise invalid_value(
            f"{prefix}FromDate", mws_date(start_ts), f"It must not be after {prefix}ToDate."
        )
    return start_ts, end_ts


# --- Reports ------------------------------------------------------------------------------------


def _marketplace(call: Call, values: dict[str, Any]) -> str:
    """The marketplace a report or feed is for: the first listed one, else the home one."""
    return _marketplaces(call, values)[0]


def _marketplaces(call: Call, values: dict[str, Any]) -> tuple[str, ...]:
    wanted = values.get("MarketplaceIdList") or []
    # The guide: MarketplaceIdList "is not used in JP and CN", i.e. on their hosts; the
    # sandbox's own address stands for the seller's home host.
    ignored = (
        call.host in LIST_IGNORING_HOSTS
        if call.host in MWS_HOSTS
        else call.seller.home_marketplace in MARKETPLACE_ID_LIST_IGNORED
    )
    if not wanted or ignored:
        return (call.seller.home_marketplace,)
    for marketplace_id in wanted:
        if marketplace_id not in call.seller.marketplaces:
            raise invalid_value(
                "MarketplaceIdList.Id",
                marketplace_id,
                "The seller does not participate in this marketplace.",
            )
    return tuple(dict.fromkeys(wanted))


def _requestable(report_type: str) -> None:
    if report_type in SYSTEM_REPORT_TYPES:
        raise MWSError(
            "InvalidReportType",
            f"Invalid report type: {report_type} is generated by Amazon and cannot be requested.",
        )


def request_report(call: Call, values: dict[str, Any]) -> Result:
    report_type = values["ReportType"]
    _requestable(report_type)
    now = call.now
    end = values["EndDate"].timestamp() if "EndDate" in values else now
    start = (
        values["StartDate"].timestamp()
        if "StartDate" in values
        else end - default_start_offset(report_type)
    )
    if start > end:
        raise invalid_value("StartDate", mws_date(start), "It must not be after EndDate.")
    if start > now:
        raise invalid_value("StartDate", mws_date(start), "It must not be in the future.")
    request = call.book.request_report(
        report_type,
        _marketplace(call, values),
        start,
        end,
        now,
        options=values.get("ReportOptions"),
    )
    result = El("RequestReportResult")
    result.children.append(_request_info(request))
    return Result(result)


def _request_filters(values: dict[str, Any], now: float) -> dict[str, Any]:
    ids = values.get("ReportRequestIdList")
    if ids:
        # "If you pass in ReportRequestId values, other query conditions are ignored."
        return {"ids": ids}
    start, end = _window(values, "Requested", now)
    return {
        "types": values.get("ReportTypeList"),
        "statuses": values.get("ReportProcessingStatusList"),
        "from": start,
        "to": end,
    }


def _matching_requests(book: SellerBook, filters: dict[str, Any]) -> list[ReportRequest]:
    if "ids" in filters:
        return [book.report_requests[i] for i in filters["ids"] if i in book.report_requests]
    return [
        request
        for request in book.report_requests.values()
        if filters["from"] <= request.submitted <= filters["to"]
        and (not filters["types"] or request.report_type in filters["types"])
        and (not filters["statuses"] or request.status in filters["statuses"])
    ]


def _request_key(request: ReportRequest) -> tuple[float, str]:
    return request.submitted, request.request_id


def get_report_request_list(call: Call, values: dict[str, Any]) -> Result:
    filters = _request_filters(values, call.now)
    items = _matching_requests(call.book, filters)
    page, token = _page(
        call, "report-requests", items, _request_key, filters, values.get("MaxCount", 10)
    )
    return Result(_listing("GetReportRequestListResult", [_request_info(r) for r in page], token))


def get_report_request_list_by_next_token(call: Call, values: dict[str, Any]) -> Result:
    filters, max_count, after = _resume(call, "report-requests", values)
    items = [r for r in _matching_requests(call.book, filters) if _request_key(r) < after]
    page, token = _page(call, "report-requests", items, _request_key, filters, max_count)
    return Result(
        _listing("GetReportRequestListByNextTokenResult", [_request_info(r) for r in page], token)
    )


def get_report_request_count(call: Call, values: dict[str, Any]) -> Result:
    count = len(_matching_requests(call.book, _request_filters(values, call.now)))
    return Result(_counted("GetReportRequestCountResult", count))


def cancel_report_requests(call: Call, values: dict[str, Any]) -> Result:
    filters = _request_filters(values, call.now)
    matched = _matching_requests(call.book, filters)
    if "ids" in filters and len(matched) < len(set(filters["ids"])):
        raise MWSError(
            "InvalidReportRequestId",
            "One or more of the provided ReportRequestIds could not be found.",
        )
    for request in matched:
        call.book.cancel_report_request(request)
    matched.sort(key=_request_key, reverse=True)
    # "Information is returned only for the first 100 report requests cancelled."
    infos = [_request_info(r, with_report=False) for r in matched[:100]]
    return Result(_counted("CancelReportRequestsResult", len(matched), infos))


def _report_filters(values: dict[str, Any], now: float) -> dict[str, Any]:
    ids = values.get("ReportRequestIdList")
    if ids:
        return {"ids": ids}
    start, end = _window(values, "Available", now)
    return {
        "types": values.get("ReportTypeList"),
        "acknowledged": values.get("Acknowledged"),
        "from": start,
        "to": end,
    }


def _matching_reports(book: SellerBook, filters: dict[str, Any]) -> list[Report]:
    if "ids" in filters:
        wanted = set(filters["ids"])
        return [r for r in book.reports.values() if r.request_id in wanted]
    return [
        report
        for report in book.reports.values()
        if filters["from"] <= report.available <= filters["to"]
        and (not filters["types"] or report.report_type in filters["types"])
        and (filters["acknowledged"] is None or report.acknowledged == filters["acknowledged"])
    ]


def _report_key(report: Report) -> tuple[float, str]:
    return report.available, report.report_id


def get_report_list(call: Call, values: dict[str, Any]) -> Result:
    filters = _report_filters(values, call.now)
    items = _matching_reports(call.book, filters)
    page, token = _page(call, "reports", items, _report_key, filters, values.get("MaxCount", 10))
    return Result(_listing("GetReportListResult", [_report_info(r) for r in page], token))


def get_report_list_by_next_token(call: Call, values: dict[str, Any]) -> Result:
    filters, max_count, after = _resume(call, "reports", values)
    items = [r for r in _matching_reports(call.book, filters) if _report_key(r) < after]
    page, token = _page(call, "reports", items, _report_key, filters, max_count)
    return Result(
        _listing("GetReportListByNextTokenResult", [_report_info(r) for r in page], token)
    )


def get_report_count(call: Call, values: dict[str, Any]) -> Result:
    count = len(_matching_reports(call.book, _report_filters(values, call.now)))
    return Result(_counted("GetReportCountResult", count))


def _own_report(call: Call, report_id: str) -> Report:
    report = call.book.reports.get(report_id)
    if report is not None:
        return report
    owner = call.state.owner(report_id)
    if owner is not None and owner != call.seller.seller_id:
        raise MWSError("AccessToReportDenied", f"Access to report {report_id} is denied.")
    raise MWSError("InvalidReportId", f"The provided ReportId {report_id} could not be found.")


def get_report(call: Call, values: dict[str, Any]) -> Result:
    report = _own_report(call, values["ReportId"])
    if call.now - report.available > call.state.config.reports.retention_days * DAY:
        raise MWSError(
            "ReportNoLongerAvailable", f"Report {report.report_id} is no longer available."
        )
    return Result(download=report.content, digest=report.content.digest)


def manage_report_schedule(call: Call, values: dict[str, Any]) -> Result:
    report_type, schedule = values["ReportType"], values["Schedule"]
    _requestable(report_type)
    result = El("ManageReportScheduleResult")
    if SCHEDULES[schedule] is None:
        deleted = call.book.delete_schedule(report_type)
        if deleted is not None:
            result.children.append(_schedule_info(deleted, schedule))
        result.add("Count", 0 if deleted is None else 1)
        return Result(result)
    first_run = values["ScheduleDate"].timestamp() if "ScheduleDate" in values else call.now
    if first_run > call.now + 366 * DAY:
        raise invalid_value(
            "ScheduleDate", mws_date(first_run), "It must not be more than 366 days ahead."
        )
    entry = call.book.set_schedule(report_type, schedule, max(first_run, call.now))
    result.children.append(_schedule_info(entry))
    result.add("Count", 1)
    return Result(result)


def _matching_schedules(call: Call, values: dict[str, Any]) -> list[Schedule]:
    types = values.get("ReportTypeList")
    return sorted(
        (s for s in call.book.schedules.values() if not types or s.report_type in types),
        key=lambda s: s.report_type,
    )


def get_report_schedule_list(call: Call, values: dict[str, Any]) -> Result:
    # At most one schedule per report type exists, so MWS never had a second page here.
    items = [_schedule_info(s) for s in _matching_schedules(call, values)]
    return Result(_listing("GetReportScheduleListResult", items, None))


def get_report_schedule_list_by_next_token(call: Call, values: dict[str, Any]) -> Result:
    if not values.get("NextToken"):
        raise _next_token_null()
    # GetReportScheduleList never hands out a token, so none can be valid here.
    raise corrupted()


def get_report_schedule_count(call: Call, values: dict[str, Any]) -> Result:
    return Result(_counted("GetReportScheduleCountResult", len(_matching_schedules(call, values))))


def update_report_acknowledgements(call: Call, values: dict[str, Any]) -> Result:
    reports = [_own_report(call, report_id) for report_id in dict.fromkeys(values["ReportIdList"])]
    # Clients that leave Acknowledged out still got their reports acknowledged (OBS).
    acknowledged = values.get("Acknowledged", True)
    for report in reports:
        report.acknowledged = acknowledged
        report.acknowledged_date = call.now if acknowledged else None
    return Result(
        _counted(
            "UpdateReportAcknowledgementsResult", len(reports), [_report_info(r) for r in reports]
        )
    )


# --- Feeds --------------------------------------------------------------------------------------


def submit_feed(call: Call, values: dict[str, Any]) -> Result:
    marketplaces = _marketplaces(call, values)
    expected = values.get("ContentMD5Value") or call.header_md5
    if not expected:
        raise MWSError(
            "ContentMD5Missing",
            "The Content-MD5 of the feed is missing: send it in the ContentMD5Value parameter "
            "or the Content-MD5 header.",
        )
    body = call.receive_body()
    if body.content_md5 != expected.strip():
        body.path.unlink(missing_ok=True)
        raise MWSError(
            "ContentMD5DoesNotMatch",
            f"The Content-MD5 HTTP header you passed for your feed ({expected.strip()}) did not "
            f"match the Content-MD5 we calculated for your feed ({body.content_md5})",
        )
    feed = call.book.submit_feed(
        values["FeedType"],
        marketplaces,
        values.get("PurgeAndReplace", False),
        call.content_type,
        body.path,
        body.size,
        body.content_md5,
        call.now,
    )
    result = El("SubmitFeedResult")
    result.children.append(_submitted_feed_info(feed))
    return Result(result, one_line=True)


def _feed_filters(values: dict[str, Any], now: float) -> dict[str, Any]:
    ids = values.get("FeedSubmissionIdList")
    if ids:
        return {"ids": ids}
    start, end = _window(values, "Submitted", now)
    return {
        "types": values.get("FeedTypeList"),
        "statuses": values.get("FeedProcessingStatusList"),
        "from": start,
        "to": end,
    }


def _matching_feeds(book: SellerBook, filters: dict[str, Any]) -> list[FeedSubmission]:
    if "ids" in filters:
        return [book.feeds[i] for i in filters["ids"] if i in book.feeds]
    return [
        feed
        for feed in book.feeds.values()
        if filters["from"] <= feed.submitted <= filters["to"]
        and (not filters["types"] or feed.feed_type in filters["types"])
        and (not filters.get("statuses") or feed.status in filters["statuses"])
    ]


def _feed_key(feed: FeedSubmission) -> tuple[float, str]:
    return feed.submitted, feed.submission_id


def get_feed_submission_list(call: Call, values: dict[str, Any]) -> Result:
    filters = _feed_filters(values, call.now)
    items = _matching_feeds(call.book, filters)
    page, token = _page(call, "feeds", items, _feed_key, filters, values.get("MaxCount", 10))
    return Result(_listing("GetFeedSubmissionListResult", [_feed_info(f) for f in page], token))


def get_feed_submission_list_by_next_token(call: Call, values: dict[str, Any]) -> Result:
    filters, max_count, after = _resume(call, "feeds", values)
    items = [f for f in _matching_feeds(call.book, filters) if _feed_key(f) < after]
    page, token = _page(call, "feeds", items, _feed_key, filters, max_count)
    return Result(
        _listing("GetFeedSubmissionListByNextTokenResult", [_feed_info(f) for f in page], token)
    )


def get_feed_submission_count(call: Call, values: dict[str, Any]) -> Result:
    count = len(_matching_feeds(call.book, _feed_filters(values, call.now)))
    return Result(_counted("GetFeedSubmissionCountResult", count))


def cancel_feed_submissions(call: Call, values: dict[str, Any]) -> Result:
    filters = _feed_filters(values, call.now)
    matched = _matching_feeds(call.book, filters)
    if "ids" in filters and len(matched) < len(set(filters["ids"])):
        raise MWSError(
            "InvalidFeedSubmissionId",
            "One or more of the provided FeedSubmissionIds could not be found.",
        )
    for feed in matched:
        call.book.cancel_feed(feed)
    matched.sort(key=_feed_key, reverse=True)
    infos = [_feed_info(f) for f in matched[:100]]
    return Result(_counted("CancelFeedSubmissionsResult", len(matched), infos))


def get_feed_submission_result(call: Call, values: dict[str, Any]) -> Result:
    submission_id = values["FeedSubmissionId"]
    feed = call.book.feeds.get(submission_id)
    if feed is None:
        owner = call.state.owner(submission_id)
        if owner is not None and owner != call.seller.seller_id:
            raise MWSError(
                "AccessToFeedProcessingResultDenied",
                f"Access to the processing result of feed {submission_id} is denied.",
            )
        raise MWSError(
            "InvalidFeedSubmissionId",
            f"The provided FeedSubmissionId {submission_id} could not be found.",
        )
    if feed.status == "_CANCELLED_":
        raise MWSError("FeedCanceled", f"Feed Submission {submission_id} was cancelled.")
    if feed.status != "_DONE_" or feed.result is None:
        raise MWSError(
            "FeedProcessingResultNotReady",
            f"Feed Submission Result is not ready for Feed Submission Id: {submission_id}",
            request_id_element=FRONT,
        )
    if call.now - (feed.completed or call.now) > call.state.config.reports.retention_days * DAY:
        raise MWSError(
            "FeedProcessingResultNoLongerAvailable",
            f"The processing result of feed {submission_id} is no longer available.",
        )
    return Result(download=feed.result, digest=feed.result.digest)


# --- Sellers ------------------------------------------------------------------------------------


def _participations(call: Call, marketplace_ids: list[str], token: str | None) -> El:
    result = El(f"{call.action}Result")
    if token is not None:
        result.add("NextToken", token)
    participations = result.add("ListParticipations")
    for marketplace_id in marketplace_ids:
        row = participations.add("Participation")
        row.add("MarketplaceId", marketplace_id)
        row.add("SellerId", call.seller.seller_id)
        suspended = marketplace_id in call.seller.suspended_listings
        row.add("HasSellerSuspendedListings", "Yes" if suspended else "No")
    marketplaces = result.add("ListMarketplaces")
    for marketplace_id in marketplace_ids:
        known = MARKETPLACES.get(marketplace_id) or NON_RETAIL_MARKETPLACES[marketplace_id]
        row = marketplaces.add("Marketplace")
        row.add("MarketplaceId", known.marketplace_id)
        row.add("DefaultCountryCode", known.country)
        row.add("DomainName", known.domain)
        row.add("Name", known.name)
        row.add("DefaultCurrencyCode", known.currency)
        row.add("DefaultLanguageCode", known.language)
    return result


def _participation_page(call: Call, start: int) -> Result:
    size = call.state.config.paging.participations_page_size
    ids = [*call.seller.marketplaces, *call.seller.non_retail_marketplaces]
    token = None
    if start + size < len(ids):
        token = call.state.tokens.issue(_scope(call, "participations"), {"start": start + size})
    return Result(_participations(call, ids[start : start + size], token))


def list_marketplace_participations(call: Call, values: dict[str, Any]) -> Result:
    return _participation_page(call, 0)


def list_marketplace_participations_by_next_token(call: Call, values: dict[str, Any]) -> Result:
    token = values.get("NextToken")
    if not token:
        raise _next_token_null()
    cursor = call.state.tokens.open(token, _scope(call, "participations"))
    return _participation_page(call, int(cursor["start"]))


def get_service_status(call: Call, values: dict[str, Any]) -> Result:
    status = call.state.config.service_status
    result = El("GetServiceStatusResult")
    result.add("Status", status.status)
    result.add("Timestamp", iso_millis(call.now))
    if status.messages:
        digest = hashlib.sha1("".join(t for _, t in status.messages).encode()).digest()  # noqa: S324
        result.add("MessageId", base64.b32encode(digest[:10]).decode().lower())
        messages = result.add("Messages")
        for locale, text in status.messages:
            message = messages.add("Message")
            message.add("Locale", locale)
            message.add("Text", text)
    return Result(result)


# --- The table ----------------------------------------------------------------------------------


def _report_type(required: bool = True) -> Spec:
    return Spec(
        "ReportType",
        "enum",
        required=required,
        values=KNOWN_REPORT_TYPES,
        invalid_code="InvalidReportType",
        invalid_label="report type",
    )


_OPERATIONS = [
    Operation(
        "RequestReport",
        REPORTS,
        (
            _report_type(),
            Spec("StartDate", "date"),
            Spec("EndDate", "date"),
            Spec("ReportOptions"),
            Spec("MarketplaceIdList", member="Id", max_items=len(MARKETPLACES)),
        ),
        request_report,
    ),
    Operation(
        "GetReportRequestList",
        REPORTS,
        (
            _REQUEST_ID_LIST,
            _REPORT_TYPE_LIST,
            _REPORT_STATUS_LIST,
            _MAX_COUNT,
            Spec("RequestedFromDate", "date"),
            Spec("RequestedToDate", "date"),
        ),
        get_report_request_list,
    ),
    Operation(
        "GetReportRequestListByNextToken",
        REPORTS,
        (_NEXT_TOKEN,),
        get_report_request_list_by_next_token,
    ),
    Operation(
        "GetReportRequestCount",
        REPORTS,
        (
            _REPORT_TYPE_LIST,
            _REPORT_STATUS_LIST,
            Spec("RequestedFromDate", "date"),
            Spec("RequestedToDate", "date"),
        ),
        get_report_request_count,
    ),
    Operation(
        "CancelReportRequests",
        REPORTS,
        (
            _REQUEST_ID_LIST,
            _REPORT_TYPE_LIST,
            _REPORT_STATUS_LIST,
            Spec("RequestedFromDate", "date"),
            Spec("RequestedToDate", "date"),
        ),
        cancel_report_requests,
    ),
    Operation(
        "GetReportList",
        REPORTS,
        (
            _MAX_COUNT,
            _REPORT_TYPE_LIST,
            Spec("Acknowledged", "bool"),
            Spec("AvailableFromDate", "date"),
            Spec("AvailableToDate", "date"),
            _REQUEST_ID_LIST,
        ),
        get_report_list,
    ),
    Operation("GetReportListByNextToken", REPORTS, (_NEXT_TOKEN,), get_report_list_by_next_token),
    Operation(
        "GetReportCount",
        REPORTS,
        (
            _REPORT_TYPE_LIST,
            Spec("Acknowledged", "bool"),
            Spec("AvailableFromDate", "date"),
            Spec("AvailableToDate", "date"),
        ),
        get_report_count,
    ),
    Operation("GetReport", REPORTS, (Spec("ReportId", required=True),), get_report, streams=True),
    Operation(
        "ManageReportSchedule",
        REPORTS,
        (
            _report_type(),
            Spec(
                "Schedule",
                "enum",
                required=True,
                values=frozenset(SCHEDULES),
                invalid_code="InvalidScheduleFrequency",
                invalid_label="schedule frequency",
            ),
            Spec("ScheduleDate", "date"),
        ),
        manage_report_schedule,
    ),
    Operation("GetReportScheduleList", REPORTS, (_REPORT_TYPE_LIST,), get_report_schedule_list),
    Operation(
        "GetReportScheduleListByNextToken",
        REPORTS,
        (_NEXT_TOKEN,),
        get_report_schedule_list_by_next_token,
    ),
    Operation("GetReportScheduleCount", REPORTS, (_REPORT_TYPE_LIST,), get_report_schedule_count),
    Operation(
        "UpdateReportAcknowledgements",
        REPORTS,
        (
            Spec("ReportIdList", member="Id", required=True, max_items=100),
            Spec("Acknowledged", "bool"),
        ),
        update_report_acknowledgements,
    ),
    Operation(
        "SubmitFeed",
        FEEDS,
        (
            Spec(
                "FeedType",
                "enum",
                required=True,
                values=FEED_TYPES,
                invalid_code="InvalidFeedType",
                invalid_label="feed type",
            ),
            Spec("MarketplaceIdList", member="Id", max_items=len(MARKETPLACES)),
            Spec("PurgeAndReplace", "bool"),
            Spec("ContentMD5Value"),
            Spec("FeedOptions"),
            Spec("AmazonOrderId"),
            Spec("DocumentType"),
        ),
        submit_feed,
        streams=True,
    ),
    Operation(
        "GetFeedSubmissionList",
        FEEDS,
        (
            _FEED_ID_LIST,
            _MAX_COUNT,
            _FEED_TYPE_LIST,
            Spec("FeedProcessingStatusList", "enum", values=FEED_STATUSES, member="Status"),
            Spec("SubmittedFromDate", "date"),
            Spec("SubmittedToDate", "date"),
        ),
        get_feed_submission_list,
    ),
    Operation(
        "GetFeedSubmissionListByNextToken",
        FEEDS,
        (_NEXT_TOKEN,),
        get_feed_submission_list_by_next_token,
    ),
    Operation(
        "GetFeedSubmissionCount",
        FEEDS,
        (
            _FEED_TYPE_LIST,
            Spec("FeedProcessingStatusList", "enum", values=FEED_STATUSES, member="Status"),
            Spec("SubmittedFromDate", "date"),
            Spec("SubmittedToDate", "date"),
        ),
        get_feed_submission_count,
    ),
    Operation(
        "CancelFeedSubmissions",
        FEEDS,
        (
            _FEED_ID_LIST,
            _FEED_TYPE_LIST,
            Spec("SubmittedFromDate", "date"),
            Spec("SubmittedToDate", "date"),
        ),
        cancel_feed_submissions,
    ),
    Operation(
        "GetFeedSubmissionResult",
        FEEDS,
        (Spec("FeedSubmissionId", required=True),),
        get_feed_submission_result,
        streams=True,
    ),
    Operation("ListMarketplaceParticipations", SELLERS, (), list_marketplace_participations),
    Operation(
        "ListMarketplaceParticipationsByNextToken",
        SELLERS,
        (_NEXT_TOKEN,),
        list_marketplace_participations_by_next_token,
    ),
    Operation("GetServiceStatus", SELLERS, (), get_service_status),
]

OPERATIONS: dict[str, Operation] = {operation.name: operation for operation in _OPERATIONS}
