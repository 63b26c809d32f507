"""A report finishing against the sandbox puts a notice in the top bar, on the notices page and
in the seller's inbox; its links lead to the report, and marking it read clears the count."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from mwssandbox.server import RunningSandbox, running_sandbox
from notifications import tasks as notification_tasks
from notifications.models import Notice
from reports.models import Report, ReportRequest
from tests.factories import SellerFactory, SellerMarketplaceFactory
from tests.integration.reports.support import (
    TIME_SCALE,
    US_SELLER,
    US_TOKEN,
    point_portal_at,
    pump_until,
    sandbox_config,
)


@pytest.fixture
def sandbox(settings, media) -> Iterator[RunningSandbox]:
    with running_sandbox(sandbox_config(), time_scale=TIME_SCALE) as running:
        point_portal_at(settings, running.url)
        yield running


def _stored() -> bool:
    return Report.objects.filter(state=Report.State.STORED).exists()


@pytest.mark.django_db(transaction=True)
def test_a_finished_report_makes_a_notice_appear(
    live_server, page, sandbox, owner, settings, mailoutbox
):
    settings.PORTAL_URL = live_server.url
    seller = SellerFactory(owner=owner, seller_id=US_SELLER, auth_token=US_TOKEN, name="Shop")
    SellerMarketplaceFactory(seller=seller)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", owner.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    bell = page.locator(".topbar .notice-bell")
    assert bell.get_attribute("aria-label") == "Notices"
    assert bell.locator(".notice-count").count() == 0

    page.click("nav.mainnav >> text=Reports")
    page.click("text=Request a report")
    page.select_option("#id_report_type", "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_")
    page.click("button:has-text('Request the report')")
    page.wait_for_url("**/reports/requests/*/")
    assert not Notice.objects.exists(), "nothing to tell while the report is being made"

    pump_until(_stored)
    report_request = ReportRequest.objects.get()

    page.goto(f"{live_server.url}/")
    assert bell.get_attribute("aria-label") == "Notices, 1 unread"
    assert bell.locator(".notice-count").inner_text() == "1"
    bell.click()
    page.wait_for_url("**/notifications/")
    notice = page.locator(".notice.unread")
    assert notice.count() == 1
    assert "is ready" in notice.locator(".notice-title").inner_text()
    assert "Shop" in notice.locator(".notice-message").inner_text()

    # The e-mail's link opens the report's page.
    (notice_row,) = Notice.objects.all()
    assert notification_tasks.send_notice_email(notice_row.pk) is True
    (mail,) = mailoutbox
    link = re.search(r"Open it: (\S+)", mail.body).group(1)
    assert link == f"{live_server.url}/reports/requests/{report_request.pk}/"
    page.goto(link)
    assert page.locator(".report-status .badge").inner_text() == "Ready"

    page.goto(f"{live_server.url}/notifications/")
    page.click(".notice >> text=Mark as read")
    page.wait_for_url("**/notifications/")
    assert page.locator(".notice.unread").count() == 0
    assert bell.get_attribute("aria-label") == "Notices"
    assert bell.locator(".notice-count").count() == 0
