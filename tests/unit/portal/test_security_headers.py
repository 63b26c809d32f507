"""Every page carries the Content Security Policy and the anti-framing headers."""

from __future__ import annotations

import re

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_pages_forbid_inline_scripts_and_framing(client, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


def test_our_templates_hold_no_inline_script(client, db, owner_client):
    # An inline <script> would be blocked by the policy: every script must have a src.
    for url in ("/", "/accounts/login/"):
        html = owner_client.get(url).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, tag
