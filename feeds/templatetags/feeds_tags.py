"""Template tags for the pages that show feeds: the seller dashboard and the feed pages."""

from __future__ import annotations

from django import template
from django.urls import reverse

from feeds.codes import code_anchor
from feeds.models import FeedSubmission
from sellers.models import Seller

register = template.Library()


@register.inclusion_tag("feeds/includes/recent.html")
def recent_feeds(seller: Seller, count: int = 5) -> dict[str, object]:
    """The seller's latest feeds. ``seller`` comes from a page that already found it through
    ``Seller.objects.for_user``."""
    return {"seller": seller, "recent_feeds": FeedSubmission.objects.filter(seller=seller)[:count]}


@register.simple_tag
def result_code_url(code: str) -> str:
    """The codes page at the explanation of ``code`` (the generic one for unknown codes)."""
    return f"{reverse('feeds:codes')}#{code_anchor(code)}"
