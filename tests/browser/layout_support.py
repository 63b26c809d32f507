"""What the layout and accessibility sweeps share: every full page a signed-in seller can open,
the widths a page must work at, and the axe-core check (vendored, injected from the test)."""

from __future__ import annotations

import struct
from pathlib import Path

from django.conf import settings
from django.test import Client

from tests.security.conftest import Tenant, tenant_page_urls

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-4.14.1.min.js"
PHONE_WIDTHS = (360, 390)
DESKTOP_WIDTH = 1280
# axe's impact levels that block a page; "moderate" and "minor" are reported, not failed.
BLOCKING_IMPACTS = ("serious", "critical")

_RUN_AXE = """async (blocking) => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((violation) => blocking.includes(violation.impact))
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at `
      + violation.nodes.slice(0, 3).map((node) => node.target.join(" ")).join(" | "));
}"""


def full_page_urls(client: Client, tenant: Tenant) -> list[str]:
    """The URLs among every browser route that answer a GET with a whole HTML page (not a
    POST-only action, a download or an htmx fragment)."""
    urls = []
    for url in tenant_page_urls(tenant):
        response = client.get(url)
        content_type = response.get("Content-Type", "")
        if response.streaming or not content_type.startswith("text/html"):
            continue
        if response.status_code == 200 and b"<!doctype html>" in response.content[:200].lower():
            urls.append(url)
    return urls


def blocking_axe_violations(page: object) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(_RUN_AXE, list(BLOCKING_IMPACTS))


def overflow(page: object) -> int:
    """How many CSS pixels the document is wider than the window (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


_CULPRITS = """() => {
  const width = window.innerWidth;
  // Content inside a scrolling box (a wide table in its .table-scroll) does not widen the page.
  const clipped = (element) => {
    for (let parent = element.parentElement; parent; parent = parent.parentElement) {
      if (["auto", "scroll", "hidden"].includes(getComputedStyle(parent).overflowX)) {
        return true;
      }
    }
    return false;
  };
  const sticking = [...document.querySelectorAll("body *")].filter(
    (element) => element.getBoundingClientRect().right > width + 0.5 && !clipped(element));
  // The innermost ones: an element that sticks out because of a child is not the cause.
  return sticking.filter((element) => !sticking.some((other) => other !== element
    && element.contains(other))).slice(0, 3)
    .map((element) => element.tagName.toLowerCase()
      + (element.className ? "." + element.className : "")
      + " " + JSON.stringify(element.textContent.trim().slice(0, 40)));
}"""


def overflow_culprits(page: object) -> list[str]:
    """The innermost elements reaching past the window's right edge, to name in a failure."""
    return page.evaluate(_CULPRITS)


def screenshot_width(page: object) -> int:
    """The pixel width of a full-page screenshot: wider than the viewport means the page
    overflows sideways, whatever element causes it."""
    png = page.screenshot(full_page=True)
    return struct.unpack(">I", png[16:20])[0]
