"""A seller opens the request history from the connection health panel, searches it, filters
it by outcome, sorts it by time, request and answer and pages through it, on a phone as on a
desktop; axe finds nothing serious."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mwsportal.gateway.models import RequestLogEntry
from tests.browser.layout_support import blocking_axe_violations
from tests.browser.test_layout import log_in
from tests.factories import SellerFactory


def log_requests(seller, count: int, **fields) -> None:
    now = timezone.now()
    RequestLogEntry.objects.bulk_create(
        RequestLogEntry(
            seller=seller,
            mws_seller_id=seller.seller_id,
            operation=fields.get("operation", "GetReportRequestList"),
            sent_at=now - timedelta(minutes=n + fields.get("minutes_ago", 0)),
            timestamp="2026-12-01T00:00:00.000Z",
            request_id=f"{fields.get('prefix', 'ok')}-{n:04d}",
            http_status=fields.get("http_status", 200),
            error_code=fields.get("error_code", ""),
            duration_ms=30.0,
        )
        for n in range(count)
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_search_filter_and_page_the_request_history(live_server, axe_page, owner, width):
    page = axe_page
    seller = SellerFactory(owner=owner, name="Shop")
    log_requests(seller, 30)
    log_requests(
        seller,
        2,
        operation="SubmitFeed",
        error_code="RequestThrottled",
        http_status=503,
        prefix="slow",
        minutes_ago=100,
    )
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/sellers/{seller.pk}/")
    page.click("#mws-activity-details summary")
    page.click("text=Search all requests")
    page.wait_for_url(f"**/sellers/{seller.pk}/requests/")
    rows = page.locator("table.request-log tbody tr")
    assert rows.count() == 25
    assert page.locator("th[aria-sort=descending]").count() == 1
    assert blocking_axe_violations(page) == []

    page.click(".pager >> text=Next →")
    page.wait_for_url("**before=**")
    assert rows.count() == 7
    assert "RequestThrottled" in rows.last.inner_text()
    page.click(".pager >> text=← Previous")
    page.wait_for_url("**after=**")
    assert rows.count() == 25

    page.get_by_label("Outcome").select_option("throttled")
    page.click("button:has-text('Filter')")
    page.wait_for_url("**outcome=throttled**")
    assert rows.count() == 2
    page.click("th >> text=Sent")
    page.wait_for_url("**sort=sent**")
    assert page.locator("th[aria-sort=ascending]").count() == 1
    assert "slow-0001" in rows.first.inner_text()
    assert "outcome=throttled" in page.url

    page.get_by_label("Outcome").select_option("")
    page.get_by_label("Search").fill("ok-0007")
    page.click("button:has-text('Filter')")
    page.wait_for_url("**q=ok-0007**")
    assert rows.count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert blocking_axe_violations(page) == []

    # Sorted by request, Z to A: the two SubmitFeed requests, though the oldest, come first;
    # sorted by answer, the throttled ones come last, then first the other way round.
    page.get_by_label("Search").fill("")
    page.click("button:has-text('Filter')")
    page.click("th >> text=Request")
    page.wait_for_url("**sort=-operation**")
    assert "SubmitFeed" in rows.first.inner_text()
    assert page.locator("th[aria-sort=descending]").inner_text().startswith("Request")
    page.click("th >> text=Answer")
    page.wait_for_url("**sort=-answer**")
    assert "RequestThrottled" in rows.first.inner_text()
    page.click("th >> text=Answer")
    page.wait_for_url("**sort=answer**")
    assert "HTTP 200" in rows.first.inner_text()
    page.click(".pager >> text=Next →")
    page.wait_for_url("**after=**")
    assert rows.count() == 7
    assert "RequestThrottled" in rows.last.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert blocking_axe_violations(page) == []
