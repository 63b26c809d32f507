"""The admin, the API docs and the portal's own pages work in a real browser under the
Content Security Policy, with no violation reported: their scripts all come from files."""

from __future__ import annotations

import pytest

from tests.security.conftest import make_tenant

# Runs before any page script, outside the page's policy: records every violation report.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.fixture
def watched(page):
    page.add_init_script(WATCH_VIOLATIONS)
    console: list[str] = []
    page.on(
        "console",
        lambda message: console.append(message.text) if message.type == "error" else None,
    )
    page.console_errors = console
    return page


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations") + [
        text for text in page.console_errors if "Content Security Policy" in text
    ]


@pytest.mark.django_db(transaction=True)
def test_admin_api_docs_and_portal_pages_run_their_scripts_under_the_policy(
    live_server, watched, make_user
):
    page = watched
    root = make_user("root@example.com", staff=True)
    root.is_superuser = True
    root.save()
    tenant = make_tenant(root)

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", root.username)
    page.fill("#id_password", root.raw_password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    # The admin's own scripts: ticking a row updates the action counter (actions.js).
    page.goto(f"{live_server.url}/admin/sellers/seller/")
    page.locator("input.action-select").first.check()
    page.locator(".action-counter", has_text="1 of").wait_for()
    assert violations(page) == []
    page.goto(f"{live_server.url}/admin/sellers/seller/{tenant.seller.pk}/change/")
    page.wait_for_selector("#seller_form")
    assert violations(page) == []

    # Swagger UI draws the operations from the schema with its vendored scripts.
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert violations(page) == []

    # The portal's pages: htmx and portal.js load and run.
    page.goto(f"{live_server.url}/sellers/{tenant.seller.pk}/settings/")
    page.wait_for_selector("h1")
    assert page.evaluate("typeof window.htmx") == "object"
    assert violations(page) == []
