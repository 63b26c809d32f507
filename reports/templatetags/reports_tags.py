"""Template tags and filters of report pages, and for other apps' pages that show reports."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django import template
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime

from mwsportal.gateway.mws import REPORT_TYPES
from reports import services
from reports.models import Report, ReportRequest
from sellers.models import Seller

register = template.Library()


@register.inclusion_tag("reports/includes/recent.html")
def recent_reports(seller: Seller, count: int = 5) -> dict[str, object]:
    """The seller's latest reports, requested here or not. ``seller`` comes from a page that
    already found it through ``Seller.objects.for_user``."""
    return {"seller": seller, "entries": services.recent_reports(seller, count=count)}


@register.inclusion_tag("reports/includes/progress.html")
def report_progress(report_request: ReportRequest, report: Report | None) -> dict[str, object]:
    """What is happening to an open request and a typical remaining time."""
    return {"progress": services.report_progress(report_request, report)}


@register.inclusion_tag("reports/includes/download_badge.html")
def download_badge(report: Report) -> dict[str, object]:
    """A pending report's badge: waiting for Amazon's download quota until the GetReport call
    is really sent, then downloading."""
    return {"wait": services.download_wait(report)}


@register.filter
def about(duration: timedelta | None) -> str:
    """A rough duration in words: "about 20 seconds", "about 3 minutes"."""
    if duration is None:
        return ""
    seconds = max(1, round(duration.total_seconds()))
    if seconds < 90:
        return f"about {seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"about {minutes} minutes"
    return f"about {round(minutes / 60)} hours"


@register.filter
def cell(value: Any) -> str:
    """A typed report value as the table shows it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return date_format(localtime(value), "Y-m-d H:i")
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


@register.filter
def money(amount: Decimal | None, currency: str = "") -> str:
    """``1234.5`` in EUR -> ``1,234.50 EUR``; nothing for a missing amount."""
    if amount is None:
        return "\N{EN DASH}"
    text = f"{Decimal(amount):,.2f}".replace("-", "\N{MINUS SIGN}")
    return f"{text} {currency}".strip()


@register.filter
def change(current: Decimal | None, previous: Decimal | None) -> str:
    """The difference to the previous period, with its sign (and percent where it means
    something)."""
    if current is None or previous is None:
        return "\N{EN DASH}"
    difference = Decimal(current) - Decimal(previous)
    if difference > 0:
        sign = "+"
    elif difference < 0:
        sign = "\N{MINUS SIGN}"
    else:
        sign = "\N{PLUS-MINUS SIGN}"
    text = f"{sign}{abs(difference):,.2f}"
    if previous:
        text += f" ({sign}{abs(difference / Decimal(previous)) * 100:.0f} %)"
    return text


_OPERATOR_NAMES = {"eq": "is", "contains": "contains", "min": "at least", "max": "at most"}


@register.filter
def filter_operator_name(operator: str) -> str:
    return _OPERATOR_NAMES.get(operator, operator)


@register.filter
def report_type_name(report_type: str) -> str:
    info = REPORT_TYPES.get(report_type)
    return info.name if info else report_type
