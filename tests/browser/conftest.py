"""Fixtures of the browser tests beyond the shared ``chromium`` and ``page``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def axe_page(chromium) -> Iterator[object]:
    # axe is injected as a script the page did not ship; the context lets it past the
    # Content Security Policy (which has its own browser test) instead of weakening the policy.
    context = chromium.new_context(bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
