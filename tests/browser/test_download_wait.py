"""A report whose download waits for Amazon's download quota says so on its page, with about
how long is left, and then becomes ready without a reload; on a phone as on a desktop, with
nothing serious for axe while it waits."""

from __future__ import annotations

import math

import pytest

from mwsclient.operations import get_operation
from mwsportal.gateway.bookkeeping import bucket_for
from mwsportal.gateway.buckets import bucket_backend
from mwsportal.gateway.models import MWSCall
from reports import services as report_services
from tests.browser.layout_support import DESKTOP_WIDTH, blocking_axe_violations, overflow
from tests.browser.test_live_status import (
    OPEN_LISTINGS,
    log_in,
    sandbox,
    seller,
    status_never_blank,
    watch,
)

# The fixtures of the live status tests: a sandbox with a few seconds per report stage.
__all__ = ["sandbox", "seller"]

# GetReport tokens the test takes away once the download is queued: at the sandbox's time
# scale a token comes back every 0.3 s, so the download waits about 6 s, three polls of the
# status.
TOKENS_TAKEN = 20

pytestmark = pytest.mark.django_db(transaction=True)


def empty_the_download_bucket(seller) -> None:
    backend = bucket_backend()
    key, limits = bucket_for(seller, get_operation("GetReport"))
    (view,) = backend.views([(key, limits)])
    backend.charge(key, limits, math.ceil(view.level) + TOKENS_TAKEN)


@pytest.mark.parametrize("width", [390, DESKTOP_WIDTH])
def test_a_download_waits_for_the_quota_then_is_ready(live_server, axe_page, seller, owner, width):
    page = axe_page
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, live_server, owner)
    report_request = report_services.request_report(seller, OPEN_LISTINGS)
    page.goto(f"{live_server.url}/reports/requests/{report_request.pk}/")
    emptied: list[bool] = []

    def empty_once_the_download_is_queued() -> None:
        status_never_blank(page, "#request-details")()
        queued = MWSCall.objects.filter(seller=seller, operation="GetReport", state="queued")
        if not emptied and queued.exists():
            empty_the_download_bucket(seller)
            emptied.append(True)

    watch(page, ".report-status .badge.waiting", always=empty_once_the_download_is_queued)
    badge = page.locator(".report-status .badge").first
    assert badge.inner_text() == "Waiting for Amazon's download quota"
    note = page.locator(".report-status .progress-note").inner_text()
    assert note.startswith("The download goes out as soon as Amazon's download quota allows")
    assert "seconds left" in note
    assert overflow(page) == 0
    assert blocking_axe_violations(page) == []

    watch(page, ".report-status .badge.ok", always=status_never_blank(page, "#request-details"))
    assert badge.inner_text() == "Ready"
    assert page.locator(".report-status .badge.waiting").count() == 0
    assert page.locator(".report-status[hx-trigger]").count() == 0, "polling stopped"
    page.locator("#request-details .report-download").wait_for()
    assert blocking_axe_violations(page) == []
