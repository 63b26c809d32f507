"""``{% mws_activity seller %}``: the seller dashboard's panel of buckets and recent requests."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from mwsportal.gateway import services
from sellers.models import Seller

register = template.Library()

RECENT_REQUESTS = 15


def activity_context(seller: Seller) -> dict[str, Any]:
    quotas = services.quota_status(seller, active_only=True)
    requests = list(services.recent_request_log(seller, limit=RECENT_REQUESTS))
    return {
        "seller": seller,
        "quotas": quotas,
        "requests": requests,
        "health": services.describe_connection_health(requests, quotas),
        "retention_days": settings.MWS_REQUEST_LOG_RETENTION_DAYS,
    }


@register.inclusion_tag("sellers/activity.html")
def mws_activity(seller: Seller) -> dict[str, Any]:
    return activity_context(seller)
