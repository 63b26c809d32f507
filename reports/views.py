"""Report pages. Thin: each finds its object through a ``for_user`` queryset (another user's
seller, request or report is a 404), hands the work to ``reports.services`` and renders."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mwsportal.keyset import SortError, pager_links, sort_headers
from mwsportal.storage import StoredFileMissing
from reports import exports, insights, services
from reports.forms import (
    ReportFilterForm,
    ReportSettingsForm,
    RequestReportForm,
    ScheduleForm,
    ScheduleListForm,
)
from reports.models import IngestState, Report, ReportRequest, ReportSchedule, Settlement
from reports.preview import preview_report
from reports.rows import (
    FILTER_PREFIX,
    OPERATORS,
    SCAN_LIMIT,
    Column,
    RowPage,
    RowQuery,
    RowQueryError,
    Rows,
)
from reports.templatetags.reports_tags import cell
from sellers.models import Seller

NOT_CALLABLE = (
    "The authorization of this seller account was removed: connect it again on its settings "
    "page before asking Amazon for anything."
)

REPORT_SETTLED_EVENT = "report-settled"
SCHEDULES_PER_PAGE = 25


def _seller(request: HttpRequest, seller_pk: int) -> Seller:
    return get_object_or_404(Seller.objects.for_user(request.user), pk=seller_pk)


def _report_request(request: HttpRequest, pk: int) -> ReportRequest:
    return get_object_or_404(
        ReportRequest.objects.for_user(request.user).select_related("seller"), pk=pk
    )


def _report(request: HttpRequest, pk: int) -> Report:
    return get_object_or_404(Report.objects.for_user(request.user).select_related("seller"), pk=pk)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    sellers = list(Seller.objects.for_user(request.user).defer("auth_token"))
    if len(sellers) == 1:
        return redirect("reports:seller", seller_pk=sellers[0].pk)
    return render(request, "reports/index.html", {"sellers": sellers})


@login_required
@require_GET
def seller_reports(request: HttpRequest, seller_pk: int) -> HttpResponse:
    seller = _seller(request, seller_pk)
    showing_reports = request.GET.get("view") == "reports"
    filters = ReportFilterForm(request.GET, reports=showing_reports)
    query = filters.query()
    listing = services.list_reports if showing_reports else services.list_report_requests
    try:
        page = listing(seller, **query)
    except SortError as error:
        filters.refuse_cursor(error)
        page = listing(seller, **{**query, "before": None, "after": None})
    columns = services.REPORT_SORTS if showing_reports else services.REQUEST_SORTS
    return render(
        request,
        "reports/seller.html",
        {
            "seller": seller,
            "filters": filters,
            "page": page,
            "showing_reports": showing_reports,
            "sort_headers": sort_headers(request, page.sort, columns),
            **pager_links(request, page),
            "report_settings": services.settings_for(seller),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_report(request: HttpRequest, seller_pk: int) -> HttpResponse:
    seller = _seller(request, seller_pk)
    form = RequestReportForm(request.POST if request.method == "POST" else None, seller=seller)
    if request.method == "POST" and form.is_valid():
        try:
            report_request = services.request_report(seller, **form.service_arguments())
        except services.SellerNotCallable:
            form.add_error(None, NOT_CALLABLE)
        else:
            messages.success(request, f"{report_request.report_type_name} requested.")
            return redirect("reports:request", pk=report_request.pk)
    return render(
        request,
        "reports/request_form.html",
        {"seller": seller, "form": form},
        status=400 if form.errors else 200,
    )


def _status_context(report_request: ReportRequest) -> dict[str, object]:
    return {"report_request": report_request, "report": services.report_of(report_request)}


@login_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report_request = _report_request(request, pk)
    context = _status_context(report_request)
    context["seller"] = report_request.seller
    return render(request, "reports/request_detail.html", context)


@login_required
@require_GET
def request_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx status fragment; it stops asking to be polled once nothing will change."""
    report_request = _report_request(request, pk)
    context = _status_context(report_request)
    context["compact"] = request.GET.get("compact") == "1"
    response = render(request, "reports/includes/status.html", context)
    if report_request.is_settled:
        # The request page listens for this to refresh its details (size, ids, buttons),
        # which the small status fragment does not carry.
        response["HX-Trigger"] = REPORT_SETTLED_EVENT
    return response


@login_required
@require_POST
def cancel_request(request: HttpRequest, pk: int) -> HttpResponse:
    report_request = _report_request(request, pk)
    try:
        services.cancel_report_request(report_request)
    except services.ReportActionRefused as refusal:
        messages.error(request, str(refusal))
    except services.SellerNotCallable:
        messages.error(request, NOT_CALLABLE)
    else:
        messages.success(request, "Cancellation asked for.")
    return redirect("reports:request", pk=report_request.pk)


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> FileResponse:
    report = _report(request, pk)
    try:
        stored = services.open_report(report)
    except services.ReportActionRefused as refusal:
        raise Http404(str(refusal)) from None
    except StoredFileMissing as missing:
        return _missing_file(request, report, str(missing))
    # Streamed from storage in blocks; never read whole.
    response = FileResponse(
        stored.handle,
        as_attachment=True,
        filename=stored.filename,
        content_type=stored.content_type,
    )
    if stored.size is not None:
        response["Content-Length"] = str(stored.size)
    return response


@login_required
@require_POST
def retry_download(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    try:
        services.redownload_report(report)
    except services.ReportActionRefused as refusal:
        messages.error(request, str(refusal))
    except services.SellerNotCallable:
        messages.error(request, NOT_CALLABLE)
    else:
        messages.success(request, "The report is being downloaded again.")
    if report.request_id:
        return redirect("reports:request", pk=report.request_id)
    return redirect(
        f"{reverse('reports:seller', kwargs={'seller_pk': report.seller_id})}?view=reports"
    )


@login_required
@require_GET
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    report = _report(request, pk)
    if not report.is_stored:
        raise Http404("This report is not downloaded yet.")
    try:
        preview_data = preview_report(report)
    except FileNotFoundError:
        return _missing_file(request, report, services.REPORT_FILE_MISSING)
    return render(
        request,
        "reports/preview.html",
        {"report": report, "seller": report.seller, "preview": preview_data},
    )


def _missing_file(request: HttpRequest, report: Report, message: str) -> HttpResponse:
    return render(
        request,
        "missing_file.html",
        {
            "seller": report.seller,
            "title": report.report_type_name,
            "message": message,
            "retry_url": reverse("reports:retry_download", args=[report.pk]),
            "back_url": reverse("reports:request", args=[report.request_id])
            if report.request_id
            else f"{reverse('reports:seller', args=[report.seller_id])}?view=reports",
        },
        status=404,
    )


@login_required
@require_POST
def sync(request: HttpRequest, seller_pk: int) -> HttpResponse:
    seller = _seller(request, seller_pk)
    try:
        services.sync_report_list(seller)
    except services.SellerNotCallable:
        messages.error(request, NOT_CALLABLE)
    else:
        messages.success(request, "Asked Amazon for new reports; they appear as they arrive.")
    return redirect(f"{reverse('reports:seller', kwargs={'seller_pk': seller.pk})}?view=reports")


@login_required
@require_POST
def update_settings(request: HttpRequest, seller_pk: int) -> HttpResponse:
    seller = _seller(request, seller_pk)
    form = ReportSettingsForm(request.POST)
    form.is_valid()  # a single optional checkbox: always valid
    services.update_report_settings(
        seller, acknowledge_downloads=form.cleaned_data["acknowledge_downloads"]
    )
    messages.success(request, "Report settings saved.")
    return redirect("reports:seller", seller_pk=seller.pk)


@login_required
@require_http_methods(["GET", "POST"])
def schedules(request: HttpRequest, seller_pk: int) -> HttpResponse:
    seller = _seller(request, seller_pk)
    form = ScheduleForm(
        request.POST if request.method == "POST" else None,
        # The dashboard's empty panels link here with the report they are made from.
        initial={"report_type": request.GET.get("report_type", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_schedule(
                seller,
                form.cleaned_data["report_type"],
                form.cleaned_data["schedule"],
                schedule_date=form.cleaned_data["schedule_date"],
            )
        except services.SellerNotCallable:
            form.add_error(None, NOT_CALLABLE)
        else:
            messages.success(request, "Schedule sent to Amazon.")
            return redirect("reports:schedules", seller_pk=seller.pk)
    return render(
        request,
        "reports/schedules.html",
        {
            "seller": seller,
            "form": form,
            **_schedule_list(request, seller),
        },
        status=400 if form.errors else 200,
    )


def _schedule_list(request: HttpRequest, seller: Seller) -> dict[str, Any]:
    """The schedule list as searched and sorted, and each column header's sort link: the
    current column's link turns its order round, the others sort ascending."""
    listing = ScheduleListForm(request.GET)
    query = listing.query()
    sort_links = {}
    for column in services.SCHEDULE_SORTS:
        params = request.GET.copy()
        # A new order starts on its first page.
        params.pop("page", None)
        params["sort"] = f"-{column}" if query["sort"] == column else column
        direction = None
        if query["sort"].removeprefix("-") == column:
            direction = "descending" if query["sort"].startswith("-") else "ascending"
        sort_links[column] = {"query": params.urlencode(), "direction": direction}
    # Pages by number: the whole list is at most one schedule per report type, in memory.
    page = Paginator(services.list_schedules(seller, **query), SCHEDULES_PER_PAGE).get_page(
        listing.page_number()
    )

    def page_query(number: int | None) -> str | None:
        if number is None:
            return None
        params = request.GET.copy()
        params.pop("page", None)
        if number > 1:
            params["page"] = str(number)
        return params.urlencode()

    return {
        "listing": listing,
        "schedules": page.object_list,
        "schedule_page": page,
        "sort_links": sort_links,
        "first_query": page_query(1),
        "previous_query": page_query(page.previous_page_number()) if page.has_previous() else None,
        "next_query": page_query(page.next_page_number()) if page.has_next() else None,
    }


@login_required
@require_POST
def refresh_schedules(request: HttpRequest, seller_pk: int) -> HttpResponse:
    seller = _seller(request, seller_pk)
    try:
        services.refresh_schedules(seller)
    except services.SellerNotCallable:
        messages.error(request, NOT_CALLABLE)
    else:
        messages.success(request, "Reading the schedules from Amazon.")
    return redirect("reports:schedules", seller_pk=seller.pk)


@login_required
@require_POST
def delete_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(
        ReportSchedule.objects.for_user(request.user).select_related("seller"), pk=pk
    )
    try:
        services.delete_schedule(schedule)
    except services.SellerNotCallable:
        messages.error(request, NOT_CALLABLE)
    else:
        messages.success(request, "Deletion sent to Amazon.")
    return redirect("reports:schedules", seller_pk=schedule.seller.pk)


# ---- report data: table browser, exports, settlements, dashboard -----------------------------

ROWS_PER_PAGE = 50


@login_required
@require_GET
def rows(request: HttpRequest, pk: int) -> HttpResponse:
    """Every row of an ingested report, sortable and filterable; before the report is read,
    its reading state and the first rows of the file."""
    report = _report(request, pk)
    if not report.is_stored:
        raise Http404("This report is not downloaded yet.")
    table = Rows.of(report)
    if table is None:
        return redirect("reports:preview", pk=report.pk)
    errors: dict[str, str] = {}
    try:
        query = table.parse(request.GET)
    except RowQueryError as error:
        errors[error.field] = error.message
        query = RowQuery()
    page = table.page(query, size=ROWS_PER_PAGE)
    parameters = query.parameters()
    context = {
        "report": report,
        "seller": report.seller,
        "data": table.data,
        "page": page,
        "errors": errors,
        "query_string": urlencode(parameters),
        "next_query": urlencode({**parameters, "cursor": page.next_cursor})
        if page.next_cursor
        else "",
        "filters": _filter_lines(request.GET),
        "headers": _headers(table, query),
        "large": table.large,
        "scan_limit": f"{SCAN_LIMIT:,}",
        "filter_columns": [column for column in table.columns if table.can_scan(column)],
        "table_rows": _table_rows(page),
        "settlement": getattr(report, "settlement", None)
        if table.data.family == "settlement"
        else None,
    }
    return render(request, "reports/rows.html", context, status=400 if errors else 200)


def _filter_lines(params: Any) -> list[dict[str, str]]:
    """The filter form's lines: what the seller typed, one line per column and operator."""
    lines = []
    for key, value in params.items():
        if key.startswith(FILTER_PREFIX) and value.strip():
            name, operator = key[len(FILTER_PREFIX) :], "eq"
            head, _, tail = name.rpartition(".")
            if head and tail in OPERATORS:
                name, operator = head, tail
            lines.append({"column": name, "operator": operator, "value": value, "key": key})
    return lines


def _headers(table: Rows, query: RowQuery) -> list[tuple[Column, dict[str, str]]]:
    """Each column with the link that sorts by it (again: the other way) and its state; no
    link where the report is too large to sort by the column."""
    base = {key: value for key, value in query.parameters().items() if key != "sort"}
    headers = []
    for column in table.columns:
        current = query.sort is not None and query.sort.name == column.name
        direction = "-" if current and not query.descending else ""
        state = ("descending" if query.descending else "ascending") if current else "none"
        url = "?" + urlencode({**base, "sort": direction + column.name})
        if not table.can_scan(column):
            url = ""
        headers.append((column, {"url": url, "state": state}))
    return headers


def _table_rows(page: RowPage) -> list[tuple[int, str]]:
    """The page's rows as table cells, rendered here in one pass: a template loop per cell
    was most of the page's time, and ``format_html`` per cell still a third of it."""
    cells = [
        ('<td class="number">' if column.is_number else "<td>", column.name)
        for column in page.columns
    ]
    return [
        (
            line,
            # Every value is escaped here; the markup around it is the constant above.
            mark_safe(  # noqa: S308
                "".join(f"{opening}{escape(cell(row[name]))}</td>" for opening, name in cells)
            ),
        )
        for line, row in page.rows
    ]


@login_required
@require_GET
def export(request: HttpRequest, pk: int, file_format: str) -> HttpResponse:
    report = _report(request, pk)
    table = Rows.of(report) if report.is_stored else None
    if table is None:
        raise Http404("This report is not read into rows yet.")
    try:
        query = table.parse(request.GET, export=True)
    except RowQueryError as error:
        messages.error(request, f"{error.field}: {error.message}")
        return redirect("reports:rows", pk=report.pk)
    stem = services.report_file_stem(report)
    if file_format == "csv":
        response = StreamingHttpResponse(
            exports.csv_chunks(table, query), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        return response
    try:
        handle = exports.write_xlsx(table, query)
    except exports.ExportTooLarge as refusal:
        messages.error(request, str(refusal))
        return redirect(
            f"{reverse('reports:rows', args=[report.pk])}?{urlencode(query.parameters())}"
        )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{stem}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
@require_GET
def settlement(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(
        Settlement.objects.for_user(request.user)
        .filter(report__data__state=IngestState.DONE)
        .select_related("seller", "report"),
        pk=pk,
    )
    return render(
        request,
        "reports/settlement.html",
        {"seller": found.seller, "reconciliation": insights.reconcile(found)},
    )


@login_required
@require_GET
def dashboard(request: HttpRequest, seller_pk: int) -> HttpResponse:
    seller = _seller(request, seller_pk)
    return render(
        request,
        "reports/dashboard.html",
        {"seller": seller, "board": insights.dashboard_for(seller), "empty_panels": EMPTY_PANELS},
    )


# What each dashboard panel is made from, for its empty state.
EMPTY_PANELS = {
    "settlements": (
        "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2_",
        "Amazon sends a settlement report at the end of every settlement period (usually two "
        "weeks); the portal finds it on its next look at the seller's reports.",
    ),
    "orders": (
        "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_",
        "Made from the “All orders” report: schedule it daily to keep this current.",
    ),
    "stock": (
        "_GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA_",
        "Made from the “Manage FBA inventory” report: schedule it daily to keep this current.",
    ),
}
