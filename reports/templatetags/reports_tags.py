"""Template tags for other apps' pages that show reports (the seller dashboard)."""

from __future__ import annotations

from django import template

from reports.models import ReportRequest
from sellers.models import Seller

register = template.Library()


@register.inclusion_tag("reports/includes/recent.html")
def recent_reports(seller: Seller, count: int = 5) -> dict[str, object]:
    """The seller's latest report requests. ``seller`` comes from a page that already found
    it through ``Seller.objects.for_user``."""
    requests = ReportRequest.objects.filter(seller=seller).select_related("report")[:count]
    return {"seller": seller, "report_requests": requests}
