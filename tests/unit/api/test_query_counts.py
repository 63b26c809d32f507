"""A list request runs the same number of SQL queries whatever its page size: no query per row.
Every list route is checked, read from the URL configuration."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mwsportal.gateway.models import RequestLogEntry
from partners import services, webhooks
from reports import ingest
from reports.models import ReportSchedule
from tests.factories import (
    FeedMessageResultFactory,
    FeedSubmissionFactory,
    ReportFactory,
    ReportRequestFactory,
    SellerFactory,
    SellerMarketplaceFactory,
)
from tests.unit.api.test_tenancy import (
    LIST_ROWS,
    LISTS,
    SETTLEMENT,
    SETTLEMENT_BODY,
    make_objects,
    url_of,
)

ROWS = 6


@pytest.fixture
def many(media, seller, partner, grant) -> dict[str, int]:
    """At least ROWS rows in every list of the partner; returns the ids the URLs need."""
    objects = make_objects(seller, partner)
    feed = FeedSubmissionFactory(seller=seller, state="complete")
    for n in range(ROWS):
        granted = SellerFactory(owner=seller.owner)
        SellerMarketplaceFactory(seller=granted)
        services.grant_partner(granted, partner, scopes=["read_reports"])
        report_request = ReportRequestFactory(seller=seller)
        ReportFactory(seller=seller, request=report_request)
        # A seller schedules a report type once: each row needs a type of its own.
        ReportSchedule.objects.create(
            seller=seller, report_type=f"_GET_TEST_{n}_", schedule="_1_DAY_"
        )
        FeedSubmissionFactory(seller=seller)
        FeedMessageResultFactory(submission=feed)
        RequestLogEntry.objects.create(
            seller=seller,
            mws_seller_id=seller.seller_id,
            operation="GetReportList",
            sent_at=timezone.now(),
            timestamp="2026-01-01T00:00:00Z",
            duration_ms=1.0,
        )
        webhooks.register_endpoint(partner, url=f"https://h.example.com/{n}", events=["feed.done"])
        ingest.ingest_report(
            ReportFactory(
                seller=seller,
                report_type=SETTLEMENT,
                # A settlement of its own each (the same one twice would be listed once).
                body=SETTLEMENT_BODY.replace(b"\n9\t", f"\n{100 + n}\t".encode()),
                charset="",
            )
        )
    return {**objects, "feed": feed.pk}


def queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize(("name", "method"), LISTS)
def test_queries_do_not_grow_with_the_page_size(api, many, name, method):
    url = url_of(name, many)
    api.get(url)  # the key's last use is written once a minute: not on the measured requests
    one = queries(api, f"{url}?page_size=1")
    rows = api.get(f"{url}?page_size=100").json()["results"]
    assert len(rows) >= ROWS, LIST_ROWS[name]
    assert queries(api, f"{url}?page_size={len(rows)}") == one


def test_report_rows_take_the_same_queries_whatever_the_page_size(api, media, seller):
    body = b"sku\tasin\tprice\tquantity\n" + b"".join(
        f"SKU-{n}\tB0{n:08d}\t{n}.50\t{n}\n".encode() for n in range(30)
    )
    report = ReportFactory(seller=seller, body=body, charset="UTF-8")
    ingest.ingest_report(report)
    url = f"/api/v1/sellers/{seller.pk}/reports/{report.pk}/rows/"
    api.get(url)
    one = queries(api, f"{url}?page_size=1&sort=-price")
    assert queries(api, f"{url}?page_size=30&sort=-price") == one
