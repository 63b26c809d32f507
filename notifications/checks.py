"""``check --deploy``: notice e-mails must link to where sellers really reach the portal."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

# Hosts that only mean "this machine" (0.0.0.0 is what a server binds to, never an address).
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104


@register(Tags.security, deploy=True)
def check_portal_url(**kwargs: Any) -> list[CheckMessage]:
    url = urlsplit(settings.PORTAL_URL)
    if (url.hostname or "") in LOCAL_HOSTS:
        return [
            Warning(
                f"PORTAL_URL is {settings.PORTAL_URL!r}: the links in notice e-mails would "
                "point at this machine, not at the portal sellers use.",
                hint="Set PORTAL_URL to the portal's public https:// address.",
                id="notifications.W001",
            )
        ]
    if url.scheme != "https":
        return [
            Warning(
                "PORTAL_URL is not https://: notice e-mails would link to an unencrypted page.",
                hint="Set PORTAL_URL to the portal's public https:// address.",
                id="notifications.W002",
            )
        ]
    return []
