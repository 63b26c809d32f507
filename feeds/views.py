"""Feed pages. Thin: each finds its object through a ``for_user`` queryset (another user's
seller or feed is a 404), hands the work to ``feeds.services`` and renders."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feeds import resubmit, services
from feeds.builder import RowsRefused
from feeds.checks import FeedRefused, region_charset
from feeds.codes import GENERIC_HELP, RESULT_CODES
from feeds.forms import BuildFeedForm, FeedFilterForm, UploadFeedForm, feed_type_choices
from feeds.models import FeedSubmission
from feeds.samples import NoSample, feed_sample
from feeds.uploads import LimitedFeedUploadHandler
from mwsportal.gateway.mws import FEED_PROCESSING_STATUSES, FEED_TYPES
from mwsportal.keyset import SortError, pager_links, sort_headers
from mwsportal.storage import StoredFileMissing
from sellers.models import Seller

RECENT_LIMIT = 50
# A draft shows this much of its document for review; the whole file is a download away.
DRAFT_PREVIEW_BYTES = 256 * 1024
# Sent with the status fragment when a feed settles; the feed page listens for it.
FEED_SETTLED_EVENT = "feed-settled"


def _seller(request: HttpRequest, seller_pk: int) -> Seller:
    return get_object_or_404(
        Seller.objects.for_user(request.user).defer("auth_token"), pk=seller_pk
    )


def _feed(request: HttpRequest, pk: int) -> FeedSubmission:
    return get_object_or_404(
        FeedSubmission.objects.for_user(request.user).select_related("seller"), pk=pk
    )


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    sellers = list(Seller.objects.for_user(request.user).defer("auth_token"))
    if len(sellers) == 1:
        return redirect("feeds:seller", seller_pk=sellers[0].pk)
    feeds = FeedSubmission.objects.for_user(request.user).select_related("seller")[:RECENT_LIMIT]
    return render(request, "feeds/index.html", {"sellers": sellers, "feeds": feeds})


def _table_context(request: HttpRequest, seller: Seller) -> dict:
    filters = FeedFilterForm(request.GET)
    query = filters.query()
    try:
        page = services.page_feeds(seller, **query)
    except SortError as error:
        filters.refuse_cursor(error)
        page = services.page_feeds(seller, **{**query, "before": None, "after": None})
    return {
        "seller": seller,
        "filters": filters,
        "feeds": page.items,
        "page": page,
        "any_open": any(f.is_open for f in page.items),
        "sort_headers": sort_headers(request, page.sort, services.FEED_SORTS),
        **pager_links(request, page),
    }


@login_required
@require_GET
def seller_feeds(request: HttpRequest, seller_pk: int) -> HttpResponse:
    context = _table_context(request, _seller(request, seller_pk))
    context["statuses"] = FEED_PROCESSING_STATUSES.values()
    return render(request, "feeds/seller.html", context)


@login_required
@require_GET
def seller_table(request: HttpRequest, seller_pk: int) -> HttpResponse:
    """The htmx fragment of the seller's feed list."""
    context = _table_context(request, _seller(request, seller_pk))
    return render(request, "feeds/includes/live_table.html", context)


# Django's CSRF check reads the body before the view could install the size-limited upload
# handler, so the check runs after it instead (the pattern Django's upload docs describe).
@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, seller_pk: int) -> HttpResponse:
    request.upload_handlers = [LimitedFeedUploadHandler(request)]
    return _upload(request, seller_pk)


@csrf_protect
def _upload(request: HttpRequest, seller_pk: int) -> HttpResponse:
    seller = _seller(request, seller_pk)
    resubmitting = _resubmitting(request, seller)
    form = UploadFeedForm(
        request.POST or None,
        request.FILES or None,
        seller=seller,
        initial=resubmit.resubmit_initial(resubmitting) if resubmitting else None,
    )
    refused = getattr(request, "feed_upload_refused", None)
    if request.method == "POST":
        if refused:
            form.is_valid()
            form.errors.pop("file", None)
            form.add_error("file", refused)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                feed = services.upload_feed(
                    seller,
                    source=data["file"],
                    filename=data["file"].name,
                    feed_type=data["feed_type"],
                    marketplace_ids=data["marketplaces"],
                    purge_and_replace=data["purge_and_replace"],
                    convert_charset=data.get("convert_charset", False),
                    user=request.user,
                )
            except FeedRefused as refusal:
                form.add_error("file", f"Not sent: {refusal}.")
            else:
                messages.success(request, "The feed is stored and on its way to Amazon.")
                return redirect("feeds:detail", pk=feed.pk)
    chosen = form["feed_type"].value() or ""
    return render(
        request,
        "feeds/upload.html",
        {
            "seller": seller,
            "form": form,
            "charset": region_charset(seller.region),
            "resubmitting": resubmitting,
            "samples": feed_type_choices(),
            "purge_types": [t for t, info in FEED_TYPES.items() if info.purge_and_replace],
            "chosen_type": chosen if chosen in FEED_TYPES else "",
            "chosen_takes_purge": chosen in FEED_TYPES and FEED_TYPES[chosen].purge_and_replace,
        },
        status=400 if form.errors else 200,
    )


def _resubmitting(request: HttpRequest, seller: Seller) -> FeedSubmission | None:
    """The feed named by ``?from=`` whose fix the seller uploads: one of this user's feeds for
    this seller (anything else is a 404), or None."""
    raw = request.GET.get("from")
    if raw is None:
        return None
    if not raw.isdigit():
        raise Http404("No such feed.")
    feed = _feed(request, int(raw))
    if feed.seller_id != seller.pk:
        raise Http404("No such feed.")
    return feed


@login_required
@require_GET
def sample(request: HttpRequest, seller_pk: int, feed_type: str) -> HttpResponse:
    """A sample file of ``feed_type``; a flat file in the charset of the seller's region."""
    seller = _seller(request, seller_pk)
    try:
        found = feed_sample(feed_type, region_charset(seller.region))
    except NoSample as missing:
        raise Http404(str(missing)) from None
    response = HttpResponse(found.body, content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return response


@login_required
@require_GET
def codes(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "feeds/codes.html",
        {"codes": RESULT_CODES.values(), "generic": GENERIC_HELP},
    )


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def build(request: HttpRequest, seller_pk: int) -> HttpResponse:
    request.upload_handlers = [LimitedFeedUploadHandler(request)]
    return _build(request, seller_pk)


@csrf_protect
def _build(request: HttpRequest, seller_pk: int) -> HttpResponse:
    seller = _seller(request, seller_pk)
    form = BuildFeedForm(request.POST or None, request.FILES or None, seller=seller)
    refused = getattr(request, "feed_upload_refused", None)
    if request.method == "POST":
        if refused:
            form.is_valid()
            form.add_error("csv_file", refused)
        elif form.is_valid():
            data = form.cleaned_data
            try:
                feed = services.build_feed(
                    seller,
                    kind=data["kind"],
                    table=data["table"],
                    marketplace_ids=data["marketplaces"],
                    user=request.user,
                )
            except RowsRefused as refusal:
                for problem in refusal.problems:
                    form.add_error("table", problem)
            except FeedRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                return redirect("feeds:detail", pk=feed.pk)
    return render(
        request,
        "feeds/build.html",
        {"seller": seller, "form": form},
        status=400 if form.errors else 200,
    )


def _detail_context(feed: FeedSubmission) -> dict:
    typical, remaining = services.feed_timing(feed)
    return {
        "feed": feed,
        "seller": feed.seller,
        "status": feed.status_info,
        "can_resubmit": resubmit.can_resubmit(feed),
        "has_failed_rows": feed.state == FeedSubmission.State.COMPLETE
        and bool(resubmit.failed_record_numbers(feed)),
        "typical": typical,
        "remaining": remaining,
    }


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    feed = _feed(request, pk)
    context = _detail_context(feed)
    context["results"] = feed.results.all()[:500]
    context["result_count"] = feed.results.count()
    if feed.state == FeedSubmission.State.DRAFT:
        try:
            with services.open_original(feed) as handle:
                context["draft_text"] = handle.read(DRAFT_PREVIEW_BYTES).decode(
                    "utf-8", errors="replace"
                )
        except StoredFileMissing as missing:
            # The page still offers to discard the draft.
            context["draft_missing"] = str(missing)
        context["draft_truncated"] = feed.size > DRAFT_PREVIEW_BYTES
    return render(request, "feeds/detail.html", context)


@login_required
@require_GET
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx status fragment; it stops asking to be polled once nothing will change."""
    feed = _feed(request, pk)
    response = render(request, "feeds/includes/status.html", _detail_context(feed))
    if request.GET.get("was") == "open" and not feed.is_open:
        # The page shows more once a feed settles (results, downloads); it listens for this
        # to fetch itself again.
        response["HX-Trigger"] = FEED_SETTLED_EVENT
    return response


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    feed = _feed(request, pk)
    try:
        services.submit_feed(feed)
    except services.FeedActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "The feed is on its way to Amazon.")
    return redirect("feeds:detail", pk=feed.pk)


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    feed = _feed(request, pk)
    try:
        services.cancel_feed(feed)
    except services.FeedActionRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Cancellation asked for.")
    return redirect("feeds:detail", pk=feed.pk)


@login_required
@require_POST
def discard(request: HttpRequest, pk: int) -> HttpResponse:
    feed = _feed(request, pk)
    seller_pk = feed.seller_id
    try:
        services.discard_draft(feed)
    except services.FeedActionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("feeds:detail", pk=feed.pk)
    messages.success(request, "The draft is discarded.")
    return redirect("feeds:seller", seller_pk=seller_pk)


def _stem(feed: FeedSubmission) -> str:
    return f"{slugify(feed.feed_type_name) or 'feed'}-{feed.feed_submission_id or feed.pk}"


@login_required
@require_GET
def original(request: HttpRequest, pk: int) -> FileResponse:
    feed = _feed(request, pk)
    if feed.is_xml:
        content_type = "text/xml"
    else:
        content_type = f"text/tab-separated-values; charset={region_charset(feed.seller.region)}"
    try:
        handle = services.open_original(feed)
    except StoredFileMissing as missing:
        return _missing_file(request, feed, str(missing))
    # Streamed from storage in blocks; never read whole.
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=feed.filename or f"{_stem(feed)}.{'xml' if feed.is_xml else 'txt'}",
        content_type=content_type,
    )
    response["Content-Length"] = str(feed.size)
    return response


@login_required
@require_GET
def report(request: HttpRequest, pk: int) -> FileResponse:
    feed = _feed(request, pk)
    if not feed.report_file:
        raise Http404("The processing report is not downloaded yet.")
    try:
        handle = services.open_processing_report(feed)
    except StoredFileMissing as missing:
        return _missing_file(request, feed, str(missing))
    extension = feed.report_file.rsplit(".", 1)[-1]
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{_stem(feed)}-processing-report.{extension}",
        content_type=feed.report_content_type or "application/octet-stream",
    )


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP, "CSV
# Injection"): an SKU or a description from Amazon's report such as =HYPERLINK(...) would run
# when the seller opens the file.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text, never evaluates: a leading quote, as
    OWASP recommends, turns a would-be formula into plain text."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _missing_file(request: HttpRequest, feed: FeedSubmission, message: str) -> HttpResponse:
    return render(
        request,
        "missing_file.html",
        {
            "seller": feed.seller,
            "title": feed.feed_type_name,
            "message": message,
            "back_url": reverse("feeds:detail", args=[feed.pk]),
        },
        status=404,
    )


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a streamed answer."""

    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def results_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    feed = _feed(request, pk)
    if feed.state != FeedSubmission.State.COMPLETE:
        raise Http404("The processing report is not read yet.")
    # Every cell quoted, so a neutralised cell cannot be split by the separators it holds.
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL)

    def rows() -> Iterator[str]:
        yield writer.writerow(
            ["message_id", "sku", "order_id", "severity", "type", "code", "description"]
        )
        for r in feed.results.all().iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    _cell(r.message_id),
                    _cell(r.sku),
                    _cell(r.order_id),
                    _cell(r.severity),
                    _cell(r.result_type),
                    _cell(r.code),
                    _cell(r.description),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_stem(feed)}-results.csv"'
    return response


@login_required
@require_GET
def failed_rows(request: HttpRequest, pk: int) -> HttpResponse:
    """The records Amazon refused, as a file of the feed's type to correct and upload again."""
    feed = _feed(request, pk)
    try:
        blocks = resubmit.failed_rows(feed)
    except resubmit.NoFailedRows as none:
        messages.error(request, str(none))
        return redirect("feeds:detail", pk=feed.pk)
    except StoredFileMissing as missing:
        return _missing_file(request, feed, str(missing))
    except FeedRefused as refusal:
        messages.error(request, f"The stored original cannot be read: {refusal}")
        return redirect("feeds:detail", pk=feed.pk)
    if feed.is_xml:
        content_type, extension = "text/xml", "xml"
    else:
        charset = region_charset(feed.seller.region)
        content_type, extension = f"text/tab-separated-values; charset={charset}", "txt"
    response = StreamingHttpResponse(blocks, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{_stem(feed)}-failed-rows.{extension}"'
    )
    return response
