"""A seller requests a report, watches it finish without reloading, previews and downloads it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from mwssandbox.server import RunningSandbox, running_sandbox
from reports.models import Report, ReportRequest
from reports.services import poll_all_sellers
from tests.factories import SellerFactory, SellerMarketplaceFactory
from tests.integration.reports.support import (
    TIME_SCALE,
    US_SELLER,
    US_TOKEN,
    point_portal_at,
    pump_once,
    sandbox_config,
)


@pytest.fixture
def sandbox(settings, media) -> Iterator[RunningSandbox]:
    with running_sandbox(sandbox_config(), time_scale=TIME_SCALE) as running:
        point_portal_at(settings, running.url)
        yield running


@pytest.mark.django_db(transaction=True)
def test_request_watch_preview_and_download(live_server, page, sandbox, owner, settings):
    # The periodic poll spreads sellers over its period; here the period is short.
    settings.REPORTS_POLL_SECONDS = 0.5
    seller = SellerFactory(owner=owner, seller_id=US_SELLER, auth_token=US_TOKEN, name="Shop")
    SellerMarketplaceFactory(seller=seller)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", owner.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.click("nav.mainnav >> text=Reports")
    page.click("text=Request a report")
    page.select_option("#id_report_type", "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_")
    # An option this report does not take is refused on its field, and nothing is requested.
    page.fill("#id_report_options", "ShowSalesChannel=true")
    page.click("button:has-text('Request the report')")
    error = page.locator(".field-error", has_text="not an option of this report")
    assert "custom=true|false" in error.inner_text()
    assert not ReportRequest.objects.exists()
    page.select_option("#id_report_type", "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_")
    page.fill("#id_report_options", "custom=false")
    page.click("button:has-text('Request the report')")
    page.wait_for_url("**/reports/requests/*/")
    assert ReportRequest.objects.get().report_options == "custom=false"
    status = page.locator(".report-status")
    assert "Ready" not in status.inner_text()

    # Anything the page keeps in memory survives only if it is never reloaded.
    page.evaluate("window.notReloaded = true")
    for _ in range(150):
        pump_once()
        poll_all_sellers()
        if page.locator(".report-status .badge.ok").count():
            break
        page.wait_for_timeout(100)
    assert status.locator(".badge").inner_text() == "Ready"
    assert page.evaluate("window.notReloaded") is True
    assert page.locator(".report-status[hx-trigger]").count() == 0, "polling stopped"

    page.click(".report-status >> text=Preview")
    page.wait_for_url("**/preview/")
    headers = page.locator(".preview-table thead th").all_inner_texts()
    assert headers == ["sku", "asin", "price", "quantity"]
    assert page.locator(".preview-table tbody tr").count() > 0

    with page.expect_download() as download_info:
        page.click("text=Download (")
    download = download_info.value
    report = Report.objects.get()
    assert download.suggested_filename.startswith(f"inventory-report-{report.report_id}-")
    with default_storage.open(report.file, "rb") as stored:
        assert Path(download.path()).read_bytes() == stored.read()
