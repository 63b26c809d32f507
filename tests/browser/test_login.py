"""The demo user logs in, sees the landing page and logs out, in a real browser."""

from __future__ import annotations

import pytest

from mwsportal.demo import DEMO_PASSWORD, DEMO_USERNAME, seed_demo


@pytest.mark.django_db(transaction=True)
def test_demo_user_logs_in_sees_landing_page_and_logs_out(live_server, page):
    seed_demo()

    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url, "the landing page needs a login"

    page.fill("#id_username", DEMO_USERNAME)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("h1").inner_text().startswith("Welcome")
    assert page.locator(".account .who").inner_text() == DEMO_USERNAME

    page.click("text=Log out")
    page.wait_for_url("**/accounts/login/")
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url, "after logging out the landing page is closed again"


@pytest.mark.django_db(transaction=True)
def test_wrong_password_shows_an_error_on_the_form(live_server, page):
    seed_demo()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", DEMO_USERNAME)
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert "correct" in page.locator(".form-error").inner_text().lower()
