"""Seller Central's authorization page, driven in Chromium: authorize, use the token, revoke."""

from __future__ import annotations

import json
import re

import pytest
import requests

from mwssandbox.accounts import Accounts
from mwssandbox.authpage import AuthPages
from mwssandbox.config import DEFAULT_CONFIG, ConfigError, load_config
from tests.integration.sandbox.conftest import DEVELOPER, UNAUTHORIZED_SELLER
from tests.integration.sandbox.signed_client import error, texts, xml


@pytest.mark.browser
def test_a_seller_authorizes_the_developer_and_later_revokes_it(sandbox, make_client, page):
    stranger = make_client(sandbox, seller=UNAUTHORIZED_SELLER, token=None)
    assert error(stranger.call("ListMarketplaceParticipations")).code == "AccessDenied"

    page.goto(sandbox.url + "/gp/mws/registration/register.html")
    assert "/ap/signin" in page.url
    page.get_by_label("Email").fill("new@example.com")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    assert "incorrect" in page.get_by_role("alert").inner_text()
    page.get_by_label("Password").fill("new-password")
    page.get_by_role("button", name="Sign in").click()

    page.get_by_label("Developer's Name").fill(DEVELOPER["name"])
    page.get_by_label("Developer Account Number").fill("9999-9999-9999")
    page.get_by_label("I have read and accept").check()
    page.get_by_role("button", name="Next").click()
    assert "do not match" in page.get_by_role("alert").inner_text()

    page.get_by_label("Developer Account Number").fill(DEVELOPER["account_number"])
    page.get_by_label("I have read and accept").check()
    page.get_by_role("button", name="Next").click()
    assert page.locator("#seller-id").inner_text() == UNAUTHORIZED_SELLER
    token = page.locator("#mws-auth-token").inner_text()
    assert re.fullmatch(r"amzn\.mws\.[0-9a-f-]{36}", token)

    onboarded = make_client(sandbox, seller=UNAUTHORIZED_SELLER, token=token)
    participations = onboarded.call("ListMarketplaceParticipations")
    assert participations.status_code == 200, participations.text
    assert set(texts(xml(participations), "MarketplaceId")) == {"A2EUQ1WTGCTBG2"}

    page.get_by_role("link", name="Manage your apps").click()
    page.get_by_role("button", name=f"Revoke access for {DEVELOPER['name']}").click()
    assert "has been revoked" in page.get_by_role("status").inner_text()
    assert error(onboarded.call("ListMarketplaceParticipations")).code == "AccessDenied"

    page.get_by_role("button", name="Sign out").click()
    assert "/ap/signin" in page.url


def test_forms_refuse_posts_without_the_session_token(sandbox):
    session = requests.Session()
    session.post(
        sandbox.url + "/ap/signin",
        data={"email": "new@example.com", "password": "new-password"},
        timeout=5,
    )
    forged = session.post(
        sandbox.url + "/gp/mws/registration/register.html",
        data={
            "developer_name": DEVELOPER["name"],
            "developer_id": DEVELOPER["account_number"],
            "accept": "yes",
        },
        timeout=5,
    )
    assert forged.status_code == 403
    assert not sandbox.state.accounts.grants(UNAUTHORIZED_SELLER)
    anonymous = requests.get(
        sandbox.url + "/gp/mws/permissions.html", allow_redirects=False, timeout=5
    )
    assert anonymous.status_code == 303
    assert anonymous.headers["Location"].startswith("/ap/signin")


@pytest.mark.browser
def test_the_sign_in_page_offers_the_demo_logins(sandbox, page):
    page.goto(sandbox.url + "/gp/mws/registration/register.html")
    demo = page.locator("section.demo")
    assert "new@example.com" in demo.inner_text()
    assert "new-password" in demo.inner_text()
    demo.get_by_role("button", name="Use the demo login of").first.click()
    # Straight on to the page the seller was going to.
    page.get_by_label("Developer's Name").wait_for()
    assert page.url.endswith("/gp/mws/registration/register.html")


def test_the_demo_logins_can_be_hidden():
    config = load_config()
    shown = AuthPages(Accounts(config)).handle("GET", "/ap/signin", None, b"")
    assert b"demo-na@example.com" in shown.body
    hidden = AuthPages(Accounts(config), show_demo_logins=False).handle(
        "GET", "/ap/signin", None, b""
    )
    assert b"demo-na@example.com" not in hidden.body
    assert b'name="password"' in hidden.body
    # A wrong password shows the logins too, so a newcomer who mistyped is not stuck.
    failed = AuthPages(Accounts(config)).handle(
        "POST", "/ap/signin", None, b"email=demo-na%40example.com&password=nope"
    )
    assert failed.status == 401
    assert b"demo-na@example.com" in failed.body


def test_show_demo_logins_must_be_a_boolean():
    raw = json.loads(DEFAULT_CONFIG.read_text())
    assert load_config({**raw, "show_demo_logins": False}).show_demo_logins is False
    with pytest.raises(ConfigError, match="show_demo_logins"):
        load_config({**raw, "show_demo_logins": "yes"})
