"""Every page works from a 360 px phone up to a desktop: nothing overflows sideways, log-out is
always in reach, the navigation collapses behind a button, and axe finds no serious or critical
accessibility violation."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.browser.layout_support import (
    DESKTOP_WIDTH,
    PHONE_WIDTHS,
    blocking_axe_violations,
    full_page_urls,
    overflow,
    overflow_culprits,
    screenshot_width,
)
from tests.factories import SellerFactory
from tests.security.conftest import make_tenant


def log_in(page: object, base_url: str, user: object) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", user.raw_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [*PHONE_WIDTHS, DESKTOP_WIDTH])
def test_every_page_fits_the_width_keeps_log_out_and_passes_axe(
    live_server, axe_page, owner, media, width
):
    page = axe_page
    client = Client()
    client.force_login(owner)
    urls = full_page_urls(client, make_tenant(owner))
    assert len(urls) > 20, urls

    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, live_server.url, owner)
    problems: list[str] = []
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        page.wait_for_load_state("networkidle")
        if (extra := overflow(page)) > 0:
            problems.append(
                f"{url}: document {extra}px wider than the {width}px window, "
                f"past the edge: {overflow_culprits(page)}"
            )
        elif (shot := screenshot_width(page)) != width:
            problems.append(f"{url}: full-page screenshot {shot}px wide at {width}px")
        if not page.get_by_role("button", name="Log out").is_visible():
            problems.append(f"{url}: Log out not visible")
        problems.extend(f"{url}: {found}" for found in blocking_axe_violations(page))
    assert not problems, "\n".join(problems)


@pytest.mark.django_db(transaction=True)
def test_signed_out_pages_fit_a_phone_and_pass_axe(live_server, axe_page):
    page = axe_page
    page.set_viewport_size({"width": PHONE_WIDTHS[0], "height": 800})
    problems: list[str] = []
    for url in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        page.goto(f"{live_server.url}{url}")
        if (extra := overflow(page)) > 0:
            problems.append(f"{url}: document {extra}px wider than the window")
        problems.extend(f"{url}: {found}" for found in blocking_axe_violations(page))
    assert not problems, "\n".join(problems)


@pytest.mark.django_db(transaction=True)
def test_phone_navigation_collapses_behind_a_button(live_server, page, owner):
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(page, live_server.url, owner)
    toggle = page.get_by_role("button", name="Menu")
    reports_link = page.locator("nav.mainnav >> text=Reports")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not reports_link.is_visible()

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    reports_link.click()
    page.wait_for_url("**/reports/**")
    assert not page.locator("nav.mainnav >> text=Reports").is_visible(), "closed on a new page"

    # At desktop width the links are simply there, with no button in the way.
    page.set_viewport_size({"width": DESKTOP_WIDTH, "height": 800})
    assert page.locator("nav.mainnav >> text=Reports").is_visible()
    assert not page.get_by_role("button", name="Menu").is_visible()


@pytest.mark.django_db(transaction=True)
def test_phone_navigation_without_javascript_shows_the_links(live_server, chromium, owner):
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_viewport_size({"width": 360, "height": 800})
        log_in(page, live_server.url, owner)
        assert page.locator("nav.mainnav >> text=Reports").is_visible()
        assert page.get_by_role("button", name="Log out").is_visible()
        assert overflow(page) <= 0
    finally:
        context.close()


@pytest.mark.django_db(transaction=True)
def test_skip_link_is_the_first_stop_and_lands_on_the_content(live_server, page, owner):
    log_in(page, live_server.url, owner)
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    assert skip.inner_text() == "Skip to main content"
    assert skip.is_visible(), "the focused skip link is shown"
    outline = skip.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline != "none", "focus is visible"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.django_db(transaction=True)
def test_seller_page_shows_connection_health_and_keeps_the_opened_panel_open(
    live_server, page, owner
):
    seller = SellerFactory(owner=owner, name="Shop")
    log_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/sellers/{seller.pk}/")
    assert "No requests to Amazon yet." in page.locator(".connection-health").inner_text()
    panel = page.locator("#mws-activity-details")
    assert not panel.locator("h3", has_text="Recent requests").is_visible()

    panel.locator("summary").click()
    assert panel.locator("h3", has_text="Recent requests").is_visible()
    # The panel refreshes itself every 15 s; the same swap, asked for now.
    page.evaluate("""() => new Promise((resolve) => {
      document.addEventListener("htmx:afterSettle", () => setTimeout(resolve, 50), {once: true});
      htmx.ajax("GET", document.getElementById("mws-activity").getAttribute("hx-get"),
                {target: "#mws-activity", swap: "outerHTML"});
    })""")
    assert page.locator("#mws-activity-details").get_attribute("open") is not None
    assert page.locator("#mws-activity h3", has_text="Recent requests").is_visible()
