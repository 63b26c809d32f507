"""Every live page reaches its final state without a reload: the report request page, the
report list, a feed, the feed list, and a seller account just connected.

The sandbox takes a few seconds per stage (more than one polling period of the fragments, so
a fragment that broke on its first refresh would show), and neither periodic poll runs: the
follow-up checks the portal queues after each submission are what find the work done.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest

from feeds import services as feed_services
from mwssandbox.server import RunningSandbox, running_sandbox
from reports import services as report_services
from sellers.models import Seller
from tests import sandbox_support
from tests.factories import SellerFactory, SellerMarketplaceFactory
from tests.integration.feeds.support import (
    DEVELOPER,
    TIME_SCALE,
    US,
    US_SELLER,
    US_TOKEN,
    inventory_xml,
    mfn_skus,
    sandbox_config,
)

OPEN_LISTINGS = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"
# Sandbox seconds: 3 s of real time per stage at the time scale.
STAGE = 3.0 * TIME_SCALE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox(settings, media) -> Iterator[RunningSandbox]:
    config = sandbox_config(
        report_submitted=STAGE,
        report_in_progress=STAGE,
        feed_submitted=STAGE,
        feed_in_progress=STAGE,
    )
    with running_sandbox(config, time_scale=TIME_SCALE) as running:
        sandbox_support.point_portal_at(settings, running.url, DEVELOPER, time_scale=TIME_SCALE)
        yield running


@pytest.fixture
def seller(owner, sandbox) -> Seller:
    seller = SellerFactory(owner=owner, seller_id=US_SELLER, auth_token=US_TOKEN, name="Shop")
    SellerMarketplaceFactory(seller=seller, marketplace_id=US)
    return seller


def log_in(page, live_server, owner) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", owner.username)
    page.fill("#id_password", owner.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def watch(page, done: str, *, always: Callable[[], None] | None = None, seconds: float = 40.0):
    """Work the gateway (no periodic poll) until ``done`` shows, checking ``always`` on the
    way; the page must never have been reloaded."""
    page.evaluate("window.notReloaded = true")
    for _ in range(int(seconds * 10)):
        sandbox_support.gateway_tick()
        if always is not None:
            always()
        if page.locator(done).count():
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError(f"{done} never appeared")
    assert page.evaluate("window.notReloaded") is True, "the page was reloaded"


def status_never_blank(page, scope: str) -> Callable[[], None]:
    def check() -> None:
        badge = page.locator(f"{scope} .report-status .badge").first
        assert badge.inner_text().strip(), "the status went blank"

    return check


def test_report_request_page_goes_from_queued_to_ready(live_server, page, seller, owner):
    log_in(page, live_server, owner)
    report_request = report_services.request_report(seller, OPEN_LISTINGS)
    page.goto(f"{live_server.url}/reports/requests/{report_request.pk}/")
    assert page.locator("[aria-live=polite] .report-status").count() == 1

    watch(page, ".report-status .badge.ok", always=status_never_blank(page, "#request-details"))

    assert page.locator(".report-status .badge").first.inner_text() == "Ready"
    assert page.locator(".report-status[hx-trigger]").count() == 0, "polling stopped"
    # The section refreshed itself once settled: the report's size is shown, and its id (under
    # "Technical details").
    page.locator("#request-details dt", has_text="Size").wait_for()
    page.locator("#request-details dt", has_text="ReportId").wait_for(state="attached")
    assert page.locator("#request-details .report-download").count() == 1


def test_the_report_list_moves_every_row_to_ready(live_server, page, seller, owner):
    log_in(page, live_server, owner)
    for _ in range(2):
        report_services.request_report(seller, OPEN_LISTINGS)
    page.goto(f"{live_server.url}/reports/sellers/{seller.pk}/")
    assert page.locator("table.requests tbody[aria-live=polite]").count() == 1

    def both_ready() -> None:
        status_never_blank(page, "table.requests")()

    watch(page, "table.requests tr:nth-child(2) .report-status .badge.ok", always=both_ready)
    page.locator("table.requests tr:nth-child(1) .report-status .badge.ok").wait_for()
    assert page.locator("table.requests .report-status[hx-trigger]").count() == 0


def _inventory_feed(sandbox: RunningSandbox, seller: Seller):
    sku = mfn_skus(sandbox, 1)[0]
    return feed_services.upload_feed(
        seller,
        source=io.BytesIO(inventory_xml(US_SELLER, [(sku, 7)])),
        filename="inventory.xml",
        feed_type="_POST_INVENTORY_AVAILABILITY_DATA_",
    )


def test_a_feed_page_shows_its_results_once_processed(live_server, page, sandbox, seller, owner):
    log_in(page, live_server, owner)
    feed = _inventory_feed(sandbox, seller)
    page.goto(f"{live_server.url}/feeds/{feed.pk}/")
    assert page.locator("[aria-live=polite] .feed-status").count() == 1

    watch(page, ".processing-report")

    assert page.locator(".feed-status .badge.ok").inner_text() == "Processed"
    assert page.locator(".feed-status[hx-trigger]").count() == 0
    assert page.locator(".messages-processed").inner_text() == "1"


def test_the_feed_list_moves_to_complete(live_server, page, sandbox, seller, owner):
    log_in(page, live_server, owner)
    _inventory_feed(sandbox, seller)
    page.goto(f"{live_server.url}/feeds/sellers/{seller.pk}/")
    assert page.locator("section[aria-live=polite] #feed-table[hx-trigger]").count() == 1

    def row_never_blank() -> None:
        assert page.locator("#feed-table table.feeds tbody tr").count() == 1

    watch(page, "#feed-table .badge.ok", always=row_never_blank)
    assert page.locator("#feed-table[hx-trigger]").count() == 0, "polling stopped"


def test_a_seller_connected_is_verified_and_its_first_report_arrives(
    live_server, page, sandbox, owner
):
    log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/sellers/connect/NA/")
    page.fill("#id_seller_id", US_SELLER)
    page.fill("#id_auth_token", US_TOKEN)
    page.fill("#id_name", "Maple Crafts")
    page.click("button:has-text('Check with Amazon and connect')")
    page.wait_for_url("**/sellers/*/")
    verified = page.locator("dt:has-text('Last verified') + dd")
    assert verified.locator("time").count() == 1, verified.inner_text()

    page.click(".recent-reports >> text=Request one")
    page.select_option("#id_report_type", OPEN_LISTINGS)
    page.click("button:has-text('Request the report')")
    page.wait_for_url("**/reports/requests/*/")
    watch(page, ".report-status .badge.ok", always=status_never_blank(page, "#request-details"))
    assert page.locator(".report-status .badge").first.inner_text() == "Ready"
