"""A seller opens the MWS reference from the footer (it is not in the main navigation, which
keeps to the seller's own work) and finds an operation's throttle."""

from __future__ import annotations

import pytest

from mwsportal.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo


@pytest.mark.django_db(transaction=True)
def test_the_reference_is_one_click_from_every_page(live_server, page):
    seed_demo()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", DEMO_USERNAME)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    assert page.locator("nav.mainnav >> text=MWS reference").count() == 0
    page.click("footer >> text=MWS reference")
    page.wait_for_url("**/gateway/operations/")
    assert page.locator("h1").inner_text() == "Amazon MWS operations"

    page.click("a[href='#section-feeds']")
    submit_feed = page.locator("#op-SubmitFeed")
    assert submit_feed.is_visible()
    assert "quota 15, one back every 120 s" in submit_feed.inner_text()
    assert "at most 30 an hour" in submit_feed.inner_text()


@pytest.mark.django_db(transaction=True)
def test_staff_keep_the_reference_in_the_navigation(live_server, page, staff):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", staff.username)
    page.fill("#id_password", staff.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.click("nav.mainnav >> text=MWS reference")
    page.wait_for_url("**/gateway/operations/")
