"""A newcomer follows the home page's checklist: connect a seller through the numbered steps,
signing in to the sandbox's Seller Central with the demo login it shows, and comes back to a
checklist that has ticked the first step and points at the next."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from mwssandbox.config import load_config
from mwssandbox.server import RunningSandbox, running_sandbox
from reports.models import ReportSchedule
from sellers.models import Seller
from tests.browser.test_sellers_onboarding import authorize_in_seller_central, log_in_to_portal
from tests.factories import FeedSubmissionFactory, ReportRequestFactory
from tests.integration.sellers.sandbox import point_portal_at, sandbox_config

# The default config's Canadian seller: a Seller Central login, no authorization yet.
SELLER_ID = "A4DEMOSELLER0004"


@pytest.fixture
def sandbox(settings) -> Iterator[RunningSandbox]:
    cache.clear()
    with running_sandbox(sandbox_config()) as running:
        point_portal_at(settings, running)
        yield running


@pytest.mark.django_db(transaction=True)
def test_a_newcomer_follows_the_checklist_through_connecting(
    live_server, page, sandbox, make_user, media
):
    user = make_user("newcomer@example.com")
    demo = load_config().seller(SELLER_ID)
    log_in_to_portal(page, live_server.url, user)

    checklist = page.locator("section.onboarding")
    assert "0 of 4 done" in checklist.inner_text()
    assert checklist.locator("li.next").get_attribute("data-step") == "connect"
    checklist.get_by_role("link", name="Connect a seller account").click()

    # Step 1: the wizard says where the seller is.
    assert page.locator(".wizard [aria-current=step]").inner_text() == "1. Choose the region"
    page.click("a:has-text('Connect in North America')")
    assert page.locator(".wizard [aria-current=step]").inner_text() == (
        "2. Authorize in Seller Central"
    )
    assert "Use this login" in page.locator(".demo-login").inner_text()

    # Step 2, in the sandbox's Seller Central: the demo login is one click away.
    with page.context.expect_page() as opened:
        page.click("a:has-text('Seller Central for North America')")
    central = opened.value
    central.wait_for_load_state()
    assert demo.login.email in central.locator("section.demo").inner_text()
    central.get_by_role("button", name=f"Use the demo login of {demo.name}").click()
    seller_id, token = authorize_in_seller_central(central)

    # Step 3, back in the portal.
    page.fill("#id_seller_id", seller_id)
    page.fill("#id_auth_token", token)
    page.click("button:has-text('Check with Amazon and connect')")
    page.wait_for_url("**/sellers/*/")
    seller = Seller.objects.get(seller_id=SELLER_ID)

    page.click("nav.mainnav >> text=Home")
    assert "1 of 4 done" in checklist.inner_text()
    assert checklist.locator("li.done").get_attribute("data-step") == "connect"
    assert checklist.locator("li.next").get_attribute("data-step") == "report"
    checklist.get_by_role("link", name="Request a report").click()
    page.wait_for_url(f"**/reports/sellers/{seller.pk}/request/")

    # The rest ticks itself from the seller's data; when all is done the checklist goes away.
    ReportRequestFactory(seller=seller)
    FeedSubmissionFactory(seller=seller)
    ReportSchedule.objects.create(
        seller=seller, report_type="_GET_FLAT_FILE_OPEN_LISTINGS_DATA_", schedule="_1_DAY_"
    )
    page.click("nav.mainnav >> text=Home")
    page.locator("h1").wait_for()
    assert page.locator("section.onboarding").count() == 0
