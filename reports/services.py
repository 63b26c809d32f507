"""Every business action on reports, called by views, admin and tasks alike.

The life cycle (design section 3): ``request_report`` writes a ``ReportRequest`` and asks the
MWS gateway for RequestReport; ``poll_open_requests`` asks about all of a seller's open
requests in one GetReportRequestList call per 100 ids; a finished request gets a ``Report`` and
a GetReport call, whose verified download is moved into storage under its final name.
``sync_report_list`` finds reports nobody requested (schedules, settlements) with GetReportList.

The ``on_*`` functions are the result handlers passed with each call; they run in the gateway's
worker inside the transaction that records the call's outcome; they never call MWS, they ask
the gateway for the next call.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from mwsportal import polling
from mwsportal.gateway import services as gateway
from mwsportal.gateway.handlers import CallOutcome, paging_context
from mwsportal.gateway.models import MWSCall
from mwsportal.gateway.mws import (
    MARKETPLACES,
    MAX_IDS,
    REGIONS,
    REPORT_OPTIONS,
    REPORT_PROCESSING_STATUSES,
    REPORT_TYPES,
    REQUESTABLE_REPORT_TYPES,
    SCHEDULES,
    ChecksumMismatchError,
    InvalidParameterError,
    ReportInfo,
    ReportOption,
    ReportRequestInfo,
    sends_marketplace_id_list,
)
from mwsportal.gateway.routing import MixedHosts, check_one_host
from mwsportal.keyset import PK, Page, SortColumn, keyset_page, parse_sort
from mwsportal.storage import open_stored, store_file
from partners import webhooks
from reports import notices
from reports.models import (
    IngestState,
    Report,
    ReportData,
    ReportRequest,
    ReportSchedule,
    SellerReportSettings,
)
from sellers.models import Seller, SellerMarketplace

logger = logging.getLogger(__name__)

# ReportProcessingStatus -> our status.
_STATUS_FROM_MWS = {
    "_SUBMITTED_": ReportRequest.Status.SUBMITTED,
    "_IN_PROGRESS_": ReportRequest.Status.IN_PROGRESS,
    "_CANCELLED_": ReportRequest.Status.CANCELLED,
    "_DONE_": ReportRequest.Status.DONE,
    "_DONE_NO_DATA_": ReportRequest.Status.DONE_NO_DATA,
}
# Final statuses of a request that Amazon ended without a report.
NO_REPORT_STATUSES = (ReportRequest.Status.CANCELLED, ReportRequest.Status.DONE_NO_DATA)
# A seller's own request goes before background syncs in the seller's queue.
SELLER_PRIORITY = 10


class ReportActionRefused(Exception):
    """The action cannot be done in the object's current state; the message says why."""


REPORT_FILE_MISSING = (
    "The stored copy of this report is missing from the portal's storage. Download it again "
    "from Amazon (“Download again”); Amazon keeps reports for 90 days."
)


# Raised by every action that calls MWS for a seller whose authorization was removed.
SellerNotCallable = gateway.SellerNotCallable


def list_marketplaces(seller: Seller) -> list[SellerMarketplace]:
    """The seller's marketplaces RequestReport can name: MarketplaceIdList is not used in JP
    and CN, so theirs cannot be chosen (their host reports on them alone)."""
    return [
        m
        for m in seller.marketplaces.all()
        if m.marketplace_id not in MARKETPLACES
        or sends_marketplace_id_list(MARKETPLACES[m.marketplace_id])
    ]


def takes_marketplaces(seller: Seller) -> bool:
    """Whether RequestReport for this seller may carry MarketplaceIdList: the seller sells in
    a marketplace outside JP and CN (a Far East seller can name AU or SG), or the portal does
    not know its marketplaces yet and its region's host takes the list."""
    if seller.marketplaces.exists():
        return bool(list_marketplaces(seller))
    return sends_marketplace_id_list(REGIONS[seller.region])


def clean_report_options(report_type: str, raw: str) -> str:
    """``raw`` checked against the options ``report_type`` takes (``REPORT_OPTIONS``), in the
    form MWS reads: ``key=value;key=value``, known keys only, each once, booleans as true or
    false (written in lower case). Returns "" for no options; raises ``InvalidParameterError``
    naming ``ReportOptions`` with a rule a seller can act on."""
    text = raw.strip()
    if not text:
        return ""
    known = {option.key: option for option in REPORT_OPTIONS.get(report_type, ())}
    if not known:
        raise _options_error("this report takes no options; leave the field empty")
    takes = "; ".join(_describe_option(option) for option in known.values())
    cleaned: dict[str, str] = {}
    for part in text.split(";"):
        key, equals, value = (piece.strip() for piece in part.partition("="))
        if not part.strip():
            raise _options_error(f"“{text}” has an empty entry between two ';'")
        if not equals or not key or not value:
            raise _options_error(f"“{part.strip()}” is not key=value; this report takes {takes}")
        option = known.get(key)
        if option is None:
            raise _options_error(f"“{key}” is not an option of this report; it takes {takes}")
        if key in cleaned:
            raise _options_error(f"“{key}” is given twice")
        cleaned[key] = _option_value(option, value)
    return ";".join(f"{key}={value}" for key, value in cleaned.items())


def _option_value(option: ReportOption, value: str) -> str:
    if option.kind == "boolean":
        if value.lower() not in ("true", "false"):
            raise _options_error(f"{option.key} must be true or false, not “{value}”")
        return value.lower()
    if not re.fullmatch(option.pattern, value):
        raise _options_error(
            f"“{value}” is not a valid {option.key} (for example {option.example})"
        )
    return value


def _describe_option(option: ReportOption) -> str:
    value = "true|false" if option.kind == "boolean" else option.example
    return f"{option.key}={value}"


def _options_error(rule: str) -> InvalidParameterError:
    return InvalidParameterError.local("ReportOptions", rule)


def settings_for(seller: Seller) -> SellerReportSettings:
    report_settings, _ = SellerReportSettings.objects.get_or_create(seller=seller)
    return report_settings


def update_report_settings(seller: Seller, *, acknowledge_downloads: bool) -> None:
    SellerReportSettings.objects.update_or_create(
        seller=seller, defaults={"acknowledge_downloads": acknowledge_downloads}
    )


# ---- requesting -----------------------------------------------------------------------------


@transaction.atomic
def request_report(
    seller: Seller,
    report_type: str,
    *,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    marketplace_ids: Sequence[str] = (),
    report_options: str = "",
) -> ReportRequest:
    """Record a report request and queue RequestReport for it.

    The row and the queued call commit together, so a request is never lost between them.
    Bad parameters raise the client's ``InvalidParameterError`` and a seller whose
    authorization was removed raises ``SellerNotCallable``; nothing is kept then.
    """
    report_options = clean_report_options(report_type, report_options)
    params: dict[str, Any] = {"ReportType": report_type}
    if start_date:
        params["StartDate"] = start_date
    if end_date:
        params["EndDate"] = end_date
    if report_options:
        params["ReportOptions"] = report_options
    if marketplace_ids and takes_marketplaces(seller):
        try:
            check_one_host(marketplace_ids)
        except MixedHosts as mixed:
            raise InvalidParameterError.local("MarketplaceIdList", str(mixed)) from None
        params["MarketplaceIdList"] = list(marketplace_ids)
    report_request = ReportRequest.objects.create(
        seller=seller,
        report_type=report_type,
        start_date=start_date,
        end_date=end_date,
        marketplace_ids=list(params.get("MarketplaceIdList", [])),
        report_options=report_options,
    )
    report_request.request_call = gateway.request_call(
        seller,
        "RequestReport",
        params,
        handler=on_report_requested,
        context={"report_request": report_request.pk},
        priority=SELLER_PRIORITY,
    )
    report_request.save(update_fields=["request_call"])
    return report_request


def on_report_requested(outcome: CallOutcome) -> None:
    report_request = ReportRequest.objects.filter(pk=outcome.context["report_request"]).first()
    if report_request is None or report_request.status != ReportRequest.Status.QUEUED:
        return
    if not outcome.succeeded:
        report_request.status = (
            ReportRequest.Status.CANCELLED
            if outcome.state == MWSCall.State.CANCELLED
            else ReportRequest.Status.FAILED
        )
        report_request.error_message = outcome.call.error_message
        report_request.completed_at = timezone.now()
        report_request.save()
        if report_request.status == ReportRequest.Status.FAILED:
            _notify(report_request.seller, webhooks.Event.REPORT_FAILED, report_request, None)
        return
    _apply_request_info(report_request, outcome.result.report_request_info)
    follow_up_open_requests(report_request.seller, answering=outcome.call)


def _notify(
    seller: Seller, event: str, report_request: ReportRequest | None, report: Report | None
) -> None:
    webhooks.emit(
        seller,
        event,
        {
            "report_request": report_request.pk if report_request else None,
            "report": report.pk if report else None,
            "report_type": (report or report_request).report_type,
            "error": (report or report_request).error_message,
        },
    )
    if event == webhooks.Event.REPORT_DONE and report is not None:
        notices.notify_report_ready(report)
    else:
        notices.notify_report_failed(seller, report_request, report)


def cancel_report_request(report_request: ReportRequest) -> None:
    """Cancel a request MWS has not started on.

    Still in our queue: the call is withdrawn. Submitted: CancelReportRequests with its
    explicit id (without ids MWS would cancel every matching request of the seller).
    """
    if not report_request.is_cancellable:
        raise ReportActionRefused("Only a queued or submitted request can be cancelled.")
    if report_request.status == ReportRequest.Status.QUEUED:
        call = report_request.request_call
        if call is not None and gateway.cancel_call(call):
            ReportRequest.objects.filter(
                pk=report_request.pk, status=ReportRequest.Status.QUEUED
            ).update(status=ReportRequest.Status.CANCELLED, completed_at=timezone.now())
            return
        raise ReportActionRefused("The request is on its way to Amazon; try again in a moment.")
    gateway.request_call(
        report_request.seller,
        "CancelReportRequests",
        {"ReportRequestIdList": [report_request.mws_request_id]},
        handler=on_requests_cancelled,
        priority=SELLER_PRIORITY,
        dedupe_key=f"reports.cancel:{report_request.mws_request_id}",
    )


def on_requests_cancelled(outcome: CallOutcome) -> None:
    if outcome.succeeded:
        seller = outcome.call.seller
        for info in outcome.result.report_request_info:
            _update_from_info(seller, info)


def report_of(report_request: ReportRequest) -> Report | None:
    return Report.objects.filter(request=report_request).first()


RECENT_TYPES = 5


def list_recent_report_types(seller: Seller, limit: int = RECENT_TYPES) -> list[str]:
    """The report types the seller itself asked for most recently, newest first and each once,
    so the picker can offer them before the whole catalog. Scheduled runs are not choices the
    seller made on the page, and types no longer requestable are left out."""
    latest = (
        ReportRequest.objects.filter(
            seller=seller, scheduled=False, report_type__in=REQUESTABLE_REPORT_TYPES
        )
        .values("report_type")
        .annotate(last=Max("created_at"))
        .order_by("-last", "report_type")
    )
    return [row["report_type"] for row in latest[:limit]]


PAGE_SIZE = 25


def matching_report_types(search: str) -> list[str]:
    """The report types whose human name, category or description holds every word of
    ``search`` (case aside): what a seller's search box on a list of reports means."""
    words = search.lower().split()
    return [
        value
        for value, info in REPORT_TYPES.items()
        if all(word in f"{info.name} {info.category} {info.description}".lower() for word in words)
    ]


# The columns each list sorts by; the pk follows each in the same direction, and each has a
# (seller, column, id) index so a page is an index range scan (see mwsportal.keyset). "type"
# sorts by the report's name as the seller reads it (the stored ``type_name``).
REQUEST_SORTS = {
    "created": SortColumn("created", PK, "Requested"),
    "type": SortColumn("type", "type_name", "Report"),
    "status": SortColumn("status", "status", "Status"),
}
REQUEST_DEFAULT_SORT = "-created"
REPORT_SORTS = {
    # When the portal found the report: the partner API's order.
    "found": SortColumn("found", PK, "Found"),
    "available": SortColumn("available", "available_at", "Available", nullable=True),
    "type": SortColumn("type", "type_name", "Report"),
    "size": SortColumn("size", "size", "Size", nullable=True),
    "state": SortColumn("state", "state", "State"),
}
REPORT_DEFAULT_SORT = "-available"
REPORT_API_SORT = "-found"


def list_report_requests(
    seller: Seller,
    *,
    report_type: str | None = None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    search: str = "",
    sort: str = REQUEST_DEFAULT_SORT,
    before: str | None = None,
    after: str | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of the seller's report requests, newest first unless ``sort`` names another
    ``REQUEST_SORTS`` column. Raises ``SortError`` for a bad sort or cursor."""
    order = parse_sort(sort, REQUEST_SORTS, REQUEST_DEFAULT_SORT)
    rows = ReportRequest.objects.filter(seller=seller).select_related("report")
    if report_type:
        rows = rows.filter(report_type=report_type)
    if search.strip():
        rows = rows.filter(report_type__in=matching_report_types(search))
    if status:
        rows = rows.filter(status=status)
    if since:
        rows = rows.filter(created_at__gte=since)
    if until:
        rows = rows.filter(created_at__lte=until)
    return keyset_page(rows, order, size, before=before, after=after)


def list_reports(
    seller: Seller,
    *,
    report_type: str | None = None,
    state: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    search: str = "",
    sort: str = REPORT_DEFAULT_SORT,
    before: str | None = None,
    after: str | None = None,
    size: int = PAGE_SIZE,
    with_links: bool = True,
) -> Page:
    """Every report of the seller, requested or not (schedules, settlements), latest available
    first unless ``sort`` names another ``REPORT_SORTS`` column; ``since`` and ``until`` bound
    when the portal found it. Raises ``SortError`` for a bad sort or cursor.

    ``with_links``: each row comes with its data and settlement (the page links to them);
    an answer that shows neither (the partner API's) leaves out the two joins."""
    order = parse_sort(sort, REPORT_SORTS, REPORT_DEFAULT_SORT)
    rows = Report.objects.filter(seller=seller)
    if with_links:
        # Fetched with the row, not one query per row.
        rows = rows.select_related("data", "settlement")
    if report_type:
        rows = rows.filter(report_type=report_type)
    if search.strip():
        rows = rows.filter(report_type__in=matching_report_types(search))
    if state:
        rows = rows.filter(state=state)
    if since:
        rows = rows.filter(created_at__gte=since)
    if until:
        rows = rows.filter(created_at__lte=until)
    return keyset_page(rows, order, size, before=before, after=after)


@dataclass(frozen=True)
class RecentReport:
    """One line of a seller's recent reports: a request made here (with its report once
    there is one), or a report that came without one (schedules, settlements)."""

    at: datetime
    report_request: ReportRequest | None
    report: Report | None


def recent_reports(seller: Seller, *, count: int = 5) -> list[RecentReport]:
    """The seller's latest ``count`` report requests and unrequested reports, newest first."""
    requests = ReportRequest.objects.filter(seller=seller).select_related("report")[:count]
    unrequested = Report.objects.filter(seller=seller, request__isnull=True).select_related("data")[
        :count
    ]
    entries = [RecentReport(r.created_at, r, getattr(r, "report", None)) for r in requests]
    entries += [RecentReport(r.created_at, None, r) for r in unrequested]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:count]


@dataclass(frozen=True)
class StoredFile:
    """How a stored report is handed out: opened from storage, streamed in blocks."""

    handle: Any
    filename: str
    content_type: str
    size: int | None


# What a stored report is served as when MWS declared no Content-Type, and its file extension.
_DEFAULT_CONTENT_TYPES = {
    "flat_file": "text/tab-separated-values",
    "xml": "text/xml",
    "json": "application/json",
}
_EXTENSIONS = {"flat_file": "txt", "xml": "xml", "json": "json"}


def open_report(report: Report) -> StoredFile:
    """The stored copy of ``report``; ``ReportActionRefused`` while there is none,
    ``StoredFileMissing`` when storage lost it."""
    if not report.is_stored:
        raise ReportActionRefused("This report is not downloaded yet.")
    handle = open_stored(report.file, REPORT_FILE_MISSING)
    content_type = report.content_type or _DEFAULT_CONTENT_TYPES[report.format]
    if report.charset:
        content_type = f"{content_type}; charset={report.charset}"
    extension = report.file.rsplit(".", 1)[-1] if "." in report.file else "txt"
    return StoredFile(
        handle=handle,
        filename=f"{report_file_stem(report)}.{extension}",
        content_type=content_type,
        size=report.size,
    )


def report_file_stem(report: Report) -> str:
    """What a file made from ``report`` is called: its name, id and date."""
    info = REPORT_TYPES.get(report.report_type)
    stem = slugify(info.name if info else report.report_type) or "report"
    when = report.available_at or report.created_at
    return f"{stem}-{report.report_id}-{when:%Y%m%d}"


# ---- polling --------------------------------------------------------------------------------


def poll_open_requests(
    seller: Seller, *, spread_over: timedelta | None = None, paging_restarts: int = 0
) -> int:
    """Ask MWS about every open request of ``seller``: one GetReportRequestList call per
    100 ids, however long the backlog. Returns the calls queued (or already pending).

    ``spread_over`` gives the calls a per-seller offset within that window (see
    ``sync_report_list``). ``paging_restarts``: how many times in a row this poll restarts
    after a corrupted NextToken (see ``CallOutcome.paging_restart``)."""
    ids = list(
        ReportRequest.objects.filter(seller=seller, status__in=ReportRequest.POLLED_STATUSES)
        .exclude(mws_request_id="")
        .order_by("id")
        .values_list("mws_request_id", flat=True)
    )
    batches = polling.poll_batches("reports", ids)
    for dedupe_key, batch in batches:
        gateway.request_call(
            seller,
            "GetReportRequestList",
            {"ReportRequestIdList": batch, "MaxCount": MAX_IDS},
            handler=on_requests_polled,
            context=paging_context(paging_restarts),
            dedupe_key=dedupe_key,
            spread_over=spread_over,
        )
    return len(batches)


def poll_all_sellers() -> int:
    """Queue a poll for every callable seller with open requests; returns the sellers.

    Each seller's poll gets its own slot within the polling period, so thousands of sellers
    do not all send at the moment beat runs the task."""
    window = timedelta(seconds=settings.REPORTS_POLL_SECONDS)
    sellers = Seller.objects.active().filter(
        report_requests__status__in=ReportRequest.POLLED_STATUSES
    )
    polled = 0
    for seller in sellers.distinct().defer("auth_token"):
        poll_open_requests(seller, spread_over=window)
        polled += 1
    return polled


def on_requests_polled(outcome: CallOutcome) -> None:
    seller = outcome.call.seller
    if not outcome.succeeded:
        restart = outcome.paging_restart()
        if restart is not None:
            poll_open_requests(seller, paging_restarts=restart)
        return  # otherwise the next tick asks again
    page = outcome.result
    for info in page.report_request_info:
        _update_from_info(seller, info)
    if page.has_next and page.next_token:
        gateway.request_call(
            seller,
            "GetReportRequestListByNextToken",
            {"NextToken": page.next_token},
            handler=on_requests_polled,
            context=outcome.context,
        )
    else:
        follow_up_open_requests(seller, answering=outcome.call)


def typical_report_duration(seller: Seller, report_type: str) -> timedelta | None:
    """How long Amazon usually takes, from submission to done, for this seller's reports of
    this type (the median of the latest ones); None before the first has finished."""
    finished = (
        ReportRequest.objects.filter(
            seller=seller,
            report_type=report_type,
            status__in=(ReportRequest.Status.DONE, ReportRequest.Status.DONE_NO_DATA),
            submitted_at__isnull=False,
            completed_at__isnull=False,
        )
        .order_by("-id")
        .values_list("submitted_at", "completed_at")[: polling.HISTORY_SIZE]
    )
    return polling.typical_duration(done - submitted for submitted, done in finished)


@dataclass(frozen=True)
class Progress:
    """What is happening to an open request, for the seller: a sentence, how long such a
    report usually takes and how much of that is left (None when unknown or overdue)."""

    stage: str
    typical: timedelta | None
    remaining: timedelta | None


_STAGES = {
    ReportRequest.Status.QUEUED: "Waiting for its turn to go to Amazon",
    ReportRequest.Status.SUBMITTED: "Amazon has the request and will start on it shortly",
    ReportRequest.Status.IN_PROGRESS: "Amazon is preparing the report",
}


def report_progress(report_request: ReportRequest, report: Report | None) -> Progress | None:
    """The stage of an open request (or of its report's download); None once settled."""
    if report_request.is_settled:
        return None
    if report_request.status == ReportRequest.Status.DONE:
        wait = download_wait(report) if report is not None else None
        if wait is not None and not wait.sending:
            return Progress(
                "The download goes out as soon as Amazon's download quota allows",
                None,
                wait.expected_in or None,
            )
        return Progress("Downloading the report from Amazon", None, None)
    stage = _STAGES.get(report_request.status)
    if stage is None:
        return None
    typical = typical_report_duration(report_request.seller, report_request.report_type)
    remaining = None
    if typical is not None and report_request.submitted_at is not None:
        left = report_request.submitted_at + typical - timezone.now()
        remaining = left if left > timedelta(0) else None
    return Progress(stage, typical, remaining)


def follow_up_open_requests(seller: Seller, *, answering: MWSCall | None = None) -> MWSCall | None:
    """Queue the next early check of the seller's open requests: when the first of them is
    due (see ``mwsportal.polling``), one GetReportRequestList for up to 100 ids, the soonest
    due first. None when every open request has backed off to the periodic poll.
    ``answering``: the call whose handler asks (see ``gateway.request_call``)."""
    open_requests = (
        ReportRequest.objects.filter(seller=seller, status__in=ReportRequest.POLLED_STATUSES)
        .exclude(mws_request_id="")
        .values_list("mws_request_id", "report_type", "submitted_at", "created_at")
    )
    due = polling.due_checks(
        ((i, report_type, sent or created) for i, report_type, sent, created in open_requests),
        lambda report_type: typical_report_duration(seller, report_type),
        timezone.now(),
        beat=timedelta(seconds=settings.REPORTS_POLL_SECONDS),
    )
    if not due:
        return None
    return gateway.request_follow_up(
        seller,
        "GetReportRequestList",
        {"ReportRequestIdList": [i for _, i in due[:MAX_IDS]], "MaxCount": MAX_IDS},
        handler=on_requests_polled,
        context=paging_context(0),
        not_before=due[0][0],
        key="reports.follow-up",
        answering=answering,
    )


def _update_from_info(seller: Seller, info: ReportRequestInfo) -> None:
    report_request = ReportRequest.objects.filter(
        seller=seller, mws_request_id=info.report_request_id
    ).first()
    if report_request is not None:
        _apply_request_info(report_request, info)


def _apply_request_info(report_request: ReportRequest, info: ReportRequestInfo) -> None:
    status = _STATUS_FROM_MWS.get(info.report_processing_status)
    if status is None:
        logger.warning(
            "Report request %s: unknown ReportProcessingStatus %r",
            report_request.pk,
            info.report_processing_status,
        )
        return
    report_request.mws_request_id = info.report_request_id
    report_request.mws_status = info.report_processing_status
    report_request.scheduled = info.scheduled
    report_request.submitted_at = report_request.submitted_at or info.submitted_date
    report_request.start_date = report_request.start_date or info.start_date
    report_request.end_date = report_request.end_date or info.end_date
    # A partner waiting for report.done hears that no report is coming.
    ends_without_report = status != report_request.status and status in NO_REPORT_STATUSES
    report_request.status = status
    if REPORT_PROCESSING_STATUSES[info.report_processing_status].final:
        report_request.completed_at = info.completed_date or timezone.now()
        report_request.stuck_since = None
    report_request.save()
    if ends_without_report:
        _notify(report_request.seller, webhooks.Event.REPORT_FAILED, report_request, None)
    if status == ReportRequest.Status.DONE and info.generated_report_id:
        _track_report(
            report_request.seller,
            report_id=info.generated_report_id,
            report_type=info.report_type,
            available_at=info.completed_date,
            request=report_request,
        )


def flag_stuck_requests(*, now: datetime | None = None) -> int:
    """Flag requests open longer than REPORTS_STUCK_AFTER_MINUTES; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.REPORTS_STUCK_AFTER_MINUTES)
    return ReportRequest.objects.filter(
        status__in=ReportRequest.OPEN_STATUSES, created_at__lt=cutoff, stuck_since__isnull=True
    ).update(stuck_since=now)


# ---- reports nobody requested ---------------------------------------------------------------


def sync_report_list(
    seller: Seller, *, spread_over: timedelta | None = None, paging_restarts: int = 0
) -> MWSCall:
    """Look for reports Amazon made available (scheduled, settlement, feed summaries) that the
    portal has not downloaded: GetReportList with Acknowledged=false, every page.

    ``spread_over`` gives the call a per-seller offset within that window, so a periodic sync
    of many sellers does not send all their calls at the same moment. ``paging_restarts``: as
    for ``poll_open_requests``.
    """
    return gateway.request_call(
        seller,
        "GetReportList",
        {"Acknowledged": False, "MaxCount": MAX_IDS},
        handler=on_report_list_synced,
        context=paging_context(paging_restarts),
        dedupe_key="reports.sync",
        spread_over=spread_over,
    )


def sync_all_sellers() -> int:
    """Queue a report-list sync for every callable seller; returns how many."""
    window = timedelta(minutes=settings.REPORTS_SYNC_MINUTES)
    count = 0
    for seller in Seller.objects.active().defer("auth_token"):
        sync_report_list(seller, spread_over=window)
        count += 1
    return count


def on_report_list_synced(outcome: CallOutcome) -> None:
    seller = outcome.call.seller
    if not outcome.succeeded:
        restart = outcome.paging_restart()
        if restart is not None:
            sync_report_list(seller, paging_restarts=restart)
        return
    page = outcome.result
    for info in page.report_info:
        _track_listed_report(seller, info)
    if page.has_next and page.next_token:
        gateway.request_call(
            seller,
            "GetReportListByNextToken",
            {"NextToken": page.next_token},
            handler=on_report_list_synced,
            context=outcome.context,
        )
    else:
        SellerReportSettings.objects.update_or_create(
            seller=seller, defaults={"last_synced_at": timezone.now()}
        )


def _track_listed_report(seller: Seller, info: ReportInfo) -> None:
    request = None
    if info.report_request_id:
        request = (
            ReportRequest.objects.filter(seller=seller, mws_request_id=info.report_request_id)
            .exclude(report__isnull=False)
            .first()
        )
    _track_report(
        seller,
        report_id=info.report_id,
        report_type=info.report_type,
        available_at=info.available_date,
        request=request,
        acknowledged=info.acknowledged,
    )


def _track_report(
    seller: Seller,
    *,
    report_id: str,
    report_type: str,
    available_at: datetime | None,
    request: ReportRequest | None,
    acknowledged: bool = False,
) -> Report:
    """The Report row for ``report_id``, created with its first download queued when new.

    A report with no request of ours was made by the seller's schedule when one exists for
    its type (GetReportList does not say); settlements and the like are Amazon's own."""
    scheduled = (
        request.scheduled
        if request is not None
        else ReportSchedule.objects.filter(seller=seller, report_type=report_type).exists()
    )
    report, created = Report.objects.get_or_create(
        seller=seller,
        report_id=report_id,
        defaults={
            "report_type": report_type,
            "available_at": available_at,
            "request": request,
            "acknowledged": acknowledged,
            "scheduled": scheduled,
        },
    )
    if created:
        _queue_download(report, priority=_download_priority(report))
    elif request is not None and report.request_id is None:
        report.request = request
        report.save(update_fields=["request"])
    return report


# ---- downloading ----------------------------------------------------------------------------


def _download_priority(report: Report) -> int:
    """A report the seller asked for is awaited: its download goes before those of reports a
    sync found (a new account's backlog can hold the GetReport bucket for many minutes)."""
    return SELLER_PRIORITY if report.request_id is not None and not report.scheduled else 0


def _download_key(report: Report) -> str:
    # Per attempt: a re-download is asked for while the failed attempt's call is still
    # pending (its handler is running), and must not be folded into it.
    return f"reports.download:{report.report_id}:{report.downloads}"


def _queue_download(report: Report, *, priority: int = 0) -> None:
    report.downloads += 1
    Report.objects.filter(pk=report.pk).update(downloads=report.downloads)
    gateway.request_call(
        report.seller,
        "GetReport",
        {"ReportId": report.report_id},
        handler=on_report_downloaded,
        context={"report": report.pk},
        dedupe_key=_download_key(report),
        priority=priority,
    )


def download_wait(report: Report) -> gateway.CallWait | None:
    """Whether the download of a report still waiting for it is queued for a GetReport
    token (and about how long until one) or on its way; None when no download is pending."""
    if report.state != Report.State.PENDING:
        return None
    return gateway.pending_call_wait(report.seller, _download_key(report))


def redownload_report(report: Report) -> None:
    """Download a report again (after a failed download, or a file lost from storage)."""
    if report.state == Report.State.PENDING:
        raise ReportActionRefused("This report is being downloaded already.")
    report.state = Report.State.PENDING
    report.downloads = 0
    report.error_message = ""
    report.save(update_fields=["state", "downloads", "error_message"])
    # The seller (or staff) is waiting for it.
    _queue_download(report, priority=SELLER_PRIORITY)


def on_report_downloaded(outcome: CallOutcome) -> None:
    report = Report.objects.select_related("seller").filter(pk=outcome.context["report"]).first()
    if report is None:
        return
    download = outcome.download
    if not outcome.succeeded or download is None:
        if isinstance(outcome.error, ChecksumMismatchError) and (
            report.downloads < Report.MAX_DOWNLOADS
        ):
            # The body did not match its Content-MD5: it was discarded, fetch it again.
            _queue_download(report, priority=_download_priority(report))
            return
        report.state = Report.State.FAILED
        report.error_message = outcome.call.error_message
        report.save(update_fields=["state", "error_message"])
        _notify(report.seller, webhooks.Event.REPORT_FAILED, report.request, report)
        return
    name = store_file(download.path, _storage_name(report, download.content_type))
    old_file = report.file
    report.file = name
    report.size = download.size
    report.md5 = download.md5
    report.content_type = download.content_type or ""
    report.charset = download.charset or ""
    report.state = Report.State.STORED
    report.stored_at = timezone.now()
    report.error_message = ""
    report.save()
    queue_ingest(report)
    _notify(report.seller, webhooks.Event.REPORT_DONE, report.request, report)
    if old_file and old_file != name:
        default_storage.delete(old_file)
    if not report.acknowledged and settings_for(report.seller).acknowledge_downloads:
        acknowledge_reports(report.seller, [report])


def _storage_name(report: Report, content_type: str | None) -> str:
    extension = "xml" if (content_type or "").endswith("xml") else _EXTENSIONS[report.format]
    return f"reports/{report.seller_id}/{report.report_id}-{uuid.uuid4().hex[:8]}.{extension}"


# ---- reading reports into rows ---------------------------------------------------------------


def queue_ingest(report: Report) -> None:
    """Mark a stored report's data as waiting and hand it to a worker once this transaction
    commits. The periodic ``ingest_waiting`` picks it up too, should that message be lost."""
    ReportData.objects.update_or_create(
        report=report, defaults={"state": IngestState.WAITING, "error_message": ""}
    )
    pk = report.pk
    transaction.on_commit(
        lambda: current_app.send_task("reports.ingest_report", args=[pk]), robust=True
    )


def ingest_waiting(*, limit: int = 100) -> list[int]:
    """The ids of stored reports whose data still waits to be read, oldest first."""
    return list(
        Report.objects.filter(state=Report.State.STORED, data__state=IngestState.WAITING)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


# ---- acknowledgements -----------------------------------------------------------------------


def acknowledge_reports(seller: Seller, reports: Iterable[Report]) -> None:
    ids = [report.report_id for report in reports]
    for start in range(0, len(ids), MAX_IDS):
        gateway.request_call(
            seller,
            "UpdateReportAcknowledgements",
            {"ReportIdList": ids[start : start + MAX_IDS], "Acknowledged": True},
            handler=on_reports_acknowledged,
        )


def on_reports_acknowledged(outcome: CallOutcome) -> None:
    if not outcome.succeeded:
        return
    for info in outcome.result.report_info:
        Report.objects.filter(seller=outcome.call.seller, report_id=info.report_id).update(
            acknowledged=info.acknowledged,
            acknowledged_at=info.acknowledged_date or timezone.now(),
        )


# ---- schedules ------------------------------------------------------------------------------


def _interval(schedule: str) -> int | None:
    info = SCHEDULES.get(schedule)
    return info.interval_seconds if info else None


# The schedules page's sortable columns: "name" sorts by its key, "-name" the other way.
SCHEDULE_SORTS: dict[str, Any] = {
    "report": lambda schedule: schedule.report_type_name.lower(),
    "every": lambda schedule: _interval(schedule.schedule),
    "next": lambda schedule: schedule.scheduled_date,
}


def list_schedules(
    seller: Seller, *, search: str = "", sort: str = "next", every: str | None = None
) -> list[ReportSchedule]:
    """The seller's schedules whose report name, category or description holds ``search``
    (and that run ``every`` so often, a ``SCHEDULES`` value), sorted by a ``SCHEDULE_SORTS``
    column (soonest next run first by default). A seller has at most one schedule per report
    type, so the list is short and sorted here."""
    rows = ReportSchedule.objects.filter(seller=seller)
    if every:
        rows = rows.filter(schedule=every)
    if search.strip():
        rows = rows.filter(report_type__in=matching_report_types(search))
    column = sort.removeprefix("-")
    key = SCHEDULE_SORTS[column]
    # A schedule without a value (no next run yet, an interval Amazon did not name) sorts last
    # either way.
    known = [schedule for schedule in rows if key(schedule) is not None]
    unknown = [schedule for schedule in rows if key(schedule) is None]
    return sorted(known, key=key, reverse=sort.startswith("-")) + unknown


def save_schedule(
    seller: Seller, report_type: str, schedule: str, *, schedule_date: datetime | None = None
) -> ReportSchedule:
    """Create or change the schedule of ``report_type`` (``_NEVER_`` deletes it)."""
    if schedule not in SCHEDULES:
        raise ValueError(f"{schedule!r} is not a report schedule")
    params: dict[str, Any] = {"ReportType": report_type, "Schedule": schedule}
    if schedule_date:
        params["ScheduleDate"] = schedule_date
    with transaction.atomic():
        row, _ = ReportSchedule.objects.get_or_create(
            seller=seller, report_type=report_type, defaults={"schedule": schedule}
        )
        row.pending_schedule = schedule
        row.error_message = ""
        row.save()
        gateway.request_call(
            seller,
            "ManageReportSchedule",
            params,
            handler=on_schedule_managed,
            context={"schedule": row.pk, "requested": schedule},
            priority=SELLER_PRIORITY,
        )
    return row


def delete_schedule(schedule: ReportSchedule) -> ReportSchedule:
    return save_schedule(schedule.seller, schedule.report_type, "_NEVER_")


def on_schedule_managed(outcome: CallOutcome) -> None:
    row = ReportSchedule.objects.filter(pk=outcome.context["schedule"]).first()
    if row is None:
        return
    if not outcome.succeeded:
        row.pending_schedule = ""
        row.error_message = outcome.call.error_message
        row.save()
        return
    if outcome.context["requested"] == "_NEVER_":
        row.delete()
        return
    confirmed = next(
        (s for s in outcome.result.report_schedule if s.report_type == row.report_type), None
    )
    row.schedule = confirmed.schedule if confirmed else outcome.context["requested"]
    row.scheduled_date = confirmed.scheduled_date if confirmed else None
    row.pending_schedule = ""
    row.save()


def refresh_schedules(seller: Seller) -> MWSCall:
    """Read the seller's schedules from MWS (GetReportScheduleList; never more than 100)."""
    return gateway.request_call(
        seller,
        "GetReportScheduleList",
        {},
        handler=on_schedules_listed,
        priority=SELLER_PRIORITY,
        dedupe_key="reports.schedules",
    )


def on_schedules_listed(outcome: CallOutcome) -> None:
    if not outcome.succeeded:
        return
    seller = outcome.call.seller
    listed = {s.report_type: s for s in outcome.result.report_schedule}
    # Rows with a change in flight keep it; everything else mirrors MWS.
    settled = ReportSchedule.objects.filter(seller=seller, pending_schedule="")
    settled.exclude(report_type__in=listed).delete()
    for report_type, schedule in listed.items():
        ReportSchedule.objects.update_or_create(
            seller=seller,
            report_type=report_type,
            defaults={"schedule": schedule.schedule, "scheduled_date": schedule.scheduled_date},
        )
