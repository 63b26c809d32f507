"""``check --deploy`` warns while notice e-mails would link to this machine or to http://."""

from __future__ import annotations

import pytest

from notifications.checks import check_portal_url


@pytest.mark.parametrize(
    ("url", "ids"),
    [
        ("http://127.0.0.1:8000", ["notifications.W001"]),
        ("https://localhost", ["notifications.W001"]),
        ("http://portal.example.com", ["notifications.W002"]),
        ("https://portal.example.com", []),
    ],
)
def test_the_portal_url_must_be_public_and_https(settings, url, ids):
    settings.PORTAL_URL = url
    assert [message.id for message in check_portal_url()] == ids
