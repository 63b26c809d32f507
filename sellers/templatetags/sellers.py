"""Template helpers for pages outside the sellers app (the landing page)."""

from __future__ import annotations

from django import template
from django.db.models import Count

from sellers.models import Seller, SellerQuerySet

register = template.Library()


@register.simple_tag(takes_context=True)
def user_sellers(context: template.Context) -> SellerQuerySet:
    """The sellers of the user looking at the page, with their marketplace counts."""
    return (
        Seller.objects.for_user(context["request"].user)
        .defer("auth_token")
        .annotate(marketplace_count=Count("marketplaces"))
    )
