"""What the security suite shares: the browser routes of the portal and a tenant's objects."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import URLPattern, URLResolver, get_resolver

from feeds.models import FeedSubmission
from reports.models import Report, ReportRequest, ReportSchedule
from sellers.models import Grant, Partner, Seller
from tests.factories import (
    FeedMessageResultFactory,
    FeedSubmissionFactory,
    ReportFactory,
    ReportRequestFactory,
    SellerFactory,
    SellerMarketplaceFactory,
)

# Served to staff by Django (their own permission checks) and to partners by API key; the
# sweeps over browser pages leave them to their own tests.
NOT_BROWSER_PAGES = ("admin", "api")


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str  # the pattern, e.g. "sellers/<int:pk>/"
    kwargs: tuple[str, ...]
    int_kwargs: tuple[str, ...]


def _walk(patterns: list, prefix: str, namespace: str | None) -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            if inner in NOT_BROWSER_PAGES or (inner is None and entry.app_name == "admin"):
                continue
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            converters = entry.pattern.converters
            name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
            yield Route(
                name=name,
                route=prefix + str(entry.pattern),
                kwargs=tuple(converters),
                int_kwargs=tuple(
                    kwarg
                    for kwarg, converter in converters.items()
                    if type(converter).__name__ == "IntConverter"
                ),
            )


def browser_routes() -> list[Route]:
    """Every URL pattern of the server-rendered UI, found by walking the resolver, so a page
    added tomorrow is in every sweep without anyone listing it."""
    return list(_walk(get_resolver().url_patterns, "", None))


@pytest.fixture(autouse=True)
def _private_media(media: Path) -> Path:
    return media


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # Login lockouts and rate counters live in the cache; each test starts without any.
    cache.clear()
    yield
    cache.clear()


@dataclass
class Tenant:
    """One user's objects: one of each kind a browser URL can name."""

    seller: Seller
    grant: Grant
    report_request: ReportRequest
    report: Report
    schedule: ReportSchedule
    feed: FeedSubmission


REPORT_BODY = b"item-name\tseller-sku\tprice\nWidget\tSKU-1\t3.00\n"


def make_tenant(user: object) -> Tenant:
    seller = SellerFactory(owner=user)
    SellerMarketplaceFactory(seller=seller)
    partner, _ = Partner.objects.get_or_create(name="Sweep Partner")
    grant = Grant.objects.create(partner=partner, seller=seller, scopes=["read_reports"])
    report_request = ReportRequestFactory(seller=seller, status="done")
    report = ReportFactory(seller=seller, request=report_request, body=REPORT_BODY)
    schedule = ReportSchedule.objects.create(
        seller=seller, report_type="_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", schedule="_1_DAY_"
    )
    feed = FeedSubmissionFactory(
        seller=seller,
        state="complete",
        feed_submission_id=f"5000{seller.pk:06d}",
        processing_status="_DONE_",
    )
    feed.report_file = default_storage.save(
        f"feeds/{seller.pk}/processing-report.xml", ContentFile(b"<ProcessingReport/>")
    )
    feed.report_content_type = "text/xml"
    feed.save()
    FeedMessageResultFactory(submission=feed)
    return Tenant(seller, grant, report_request, report, schedule, feed)
