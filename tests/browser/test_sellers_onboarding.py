"""The whole onboarding in a browser, through the sandbox's Seller Central pages: authorize the
developer, paste what Seller Central shows, see the marketplaces; revoke in Seller Central and
see the portal flag the seller on its next call; authorize again and paste the new token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from mwssandbox.config import load_config
from mwssandbox.server import RunningSandbox, running_sandbox
from sellers.models import Seller
from tests.integration.sellers.sandbox import DEVELOPER_ID, point_portal_at, sandbox_config

# The default config has this Canadian seller with a Seller Central login and no authorization.
SELLER_ID = "A4DEMOSELLER0004"


@pytest.fixture
def sandbox(settings) -> Iterator[RunningSandbox]:
    cache.clear()
    with running_sandbox(sandbox_config()) as running:
        point_portal_at(settings, running)
        yield running


def log_in_to_portal(page, base_url: str, user) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", user.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def authorize_in_seller_central(central) -> tuple[str, str]:
    """On the sandbox's "Authorize a developer" page: what the portal told the seller to enter."""
    central.fill("#developer-name", "MWS Portal")
    central.fill("#developer-id", DEVELOPER_ID)
    central.check("input[name=accept]")
    central.click("button:has-text('Next')")
    return (
        central.locator("#seller-id").inner_text().strip(),
        central.locator("#mws-auth-token").inner_text().strip(),
    )


@pytest.mark.django_db(transaction=True)
def test_onboarding_revocation_and_reauthorization_through_seller_central(
    live_server, page, sandbox, make_user
):
    user = make_user("outdoor.seller@example.com")
    login = load_config().seller(SELLER_ID).login
    log_in_to_portal(page, live_server.url, user)

    # Start on the landing page, pick the region.
    page.click("text=Connect a seller account")
    page.click("a:has-text('Connect in North America')")
    instructions = page.locator("ol.steps").inner_text()
    assert "MWS Portal" in instructions
    assert DEVELOPER_ID in instructions

    # The link opens Seller Central (the sandbox) in a new tab.
    with page.context.expect_page() as opened:
        page.click("a:has-text('Seller Central for North America')")
    central = opened.value
    central.wait_for_load_state()
    central.fill("#email", login.email)
    central.fill("#password", login.password)
    central.click("button:has-text('Sign in')")
    seller_id, token = authorize_in_seller_central(central)
    assert seller_id == SELLER_ID

    # Back in the portal: paste and connect.
    page.fill("#id_seller_id", seller_id)
    page.fill("#id_auth_token", token)
    page.fill("#id_name", "Maple Crafts")
    page.click("button:has-text('Check with Amazon and connect')")
    page.wait_for_url("**/sellers/*/")
    assert "is connected. Amazon lists 2 marketplace(s)" in page.locator(".messages").inner_text()
    marketplaces = page.locator("table", has_text="Marketplace ID").inner_text()
    assert "Amazon.ca" in marketplaces
    assert "Amazon.com" in marketplaces
    # The sandbox also lists IBA for this account, as MWS did; it is no place to sell in.
    assert "IBA" not in marketplaces
    assert "A6W85IYQ5WB1C" not in page.content()
    assert page.locator("h1 .badge").inner_text() == "Active"
    assert token not in page.content()

    # Revoke in Seller Central.
    central.click("a:has-text('Manage your apps')")
    central.click("button[aria-label='Revoke access for MWS Portal']")
    assert "has been revoked" in central.locator(".notice").inner_text()

    # The portal's next call (re-verify now) meets AccessDenied and flags the seller.
    page.click("a:has-text('Settings')")
    page.click("button:has-text('Re-verify now')")
    page.wait_for_url("**/settings/")
    assert "Amazon no longer accepts the stored token" in page.locator(".messages").inner_text()
    assert page.locator("h1 .badge").inner_text() == "Needs re-authorization"
    assert "stopped calling Amazon" in page.locator("[role=alert]").first.inner_text()
    assert Seller.objects.get().status == Seller.Status.NEEDS_REAUTH

    # Authorize again in Seller Central and paste the new token.
    central.click("a:has-text('Authorize a developer')")
    _, new_token = authorize_in_seller_central(central)
    assert new_token != token
    page.fill("#id_auth_token", new_token)
    page.click("button:has-text('Check with Amazon and save')")
    page.wait_for_url("**/sellers/*/")
    assert "Amazon accepted the new token" in page.locator(".messages").inner_text()
    assert page.locator("h1 .badge").inner_text() == "Active"
