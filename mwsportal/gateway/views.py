"""Gateway pages: the seller dashboard's MWS panel (refreshed by htmx), the seller's whole
request history, and the reference of the MWS operations the portal and its sandbox speak,
read from the one operation catalog."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from mwsclient.operations import FEED_TYPES, OPERATIONS, REPORT_TYPES, Operation
from mwsportal.gateway.templatetags.gateway_tags import activity_context
from mwsportal.keyset import SortError, pager_links, sort_headers
from sellers import services as sellers
from sellers.forms import RequestHistoryFilterForm
from sellers.models import Seller


@never_cache
@login_required
@require_GET
def seller_activity(request: HttpRequest, pk: int) -> HttpResponse:
    # Another owner's seller is a 404, like every seller page.
    seller = get_object_or_404(Seller.objects.for_user(request.user), pk=pk)
    return render(request, "gateway/seller_activity.html", activity_context(seller))


@login_required
@require_GET
def request_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every MWS request of the seller still in the log, searchable and filtered, a page at a
    time."""
    seller = get_object_or_404(Seller.objects.for_user(request.user).defer("auth_token"), pk=pk)
    filters = RequestHistoryFilterForm(request.GET)
    query = filters.query()
    try:
        page = sellers.list_request_history(seller, **query)
    except SortError as error:
        filters.refuse_cursor(error)
        page = sellers.list_request_history(seller, **{**query, "before": None, "after": None})
    return render(
        request,
        "gateway/request_history.html",
        {
            "seller": seller,
            "filters": filters,
            "page": page,
            "sort_headers": sort_headers(request, page.sort, sellers.HISTORY_SORTS),
            "retention_days": settings.MWS_REQUEST_LOG_RETENTION_DAYS,
            **pager_links(request, page),
        },
    )


@login_required
@require_GET
def operations_reference(request: HttpRequest) -> HttpResponse:
    # Grouped by API section in the catalog's order; paging twins sit under their operation.
    sections: dict[str, list[Operation]] = {}
    for operation in OPERATIONS.values():
        sections.setdefault(operation.section, []).append(operation)
    return render(
        request,
        "gateway/operations.html",
        {
            "sections": sections,
            "report_types": REPORT_TYPES.values(),
            "feed_types": FEED_TYPES.values(),
        },
    )
