"""Template tags for other apps' pages that show feeds (the seller dashboard)."""

from __future__ import annotations

from django import template

from feeds.models import FeedSubmission
from sellers.models import Seller

register = template.Library()


@register.inclusion_tag("feeds/includes/recent.html")
def recent_feeds(seller: Seller, count: int = 5) -> dict[str, object]:
    """The seller's latest feeds. ``seller`` comes from a page that already found it through
    ``Seller.objects.for_user``."""
    return {"seller": seller, "recent_feeds": FeedSubmission.objects.filter(seller=seller)[:count]}
