"""Gateway pages: the reference of the MWS operations the portal and its sandbox speak, read
from the one operation catalog. (A seller's MWS panel and request history are seller pages, in
the sellers app.)"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mwsclient.operations import FEED_TYPES, OPERATIONS, REPORT_TYPES, Operation


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
