"""make run's seed: the demo seller's first MWS call goes out on the gateway's first tick."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from mwsportal.demo import DEMO_SELLER_ID, seed_demo
from mwsportal.gateway.models import MWSCall, RequestLogEntry
from mwssandbox.server import running_sandbox
from tests import sandbox_support
from tests.integration.sellers.sandbox import sandbox_config

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_after_seeding_the_first_tick_shows_live_traffic_for_the_demo_seller(settings):
    with running_sandbox(sandbox_config()) as sandbox:
        demo_developer = {
            "access_key_id": settings.SANDBOX_DEMO_ACCESS_KEY_ID,
            "secret_key": settings.SANDBOX_DEMO_SECRET_KEY,
            "account_number": settings.SANDBOX_DEMO_DEVELOPER_ID,
            "name": "MWS Portal",
        }
        # As make run has it: the portal points at the embedded sandbox's address.
        sandbox_support.point_portal_at(settings, sandbox.url, demo_developer)
        settings.SANDBOX_ADDR = urlsplit(sandbox.url).netloc

        seed_demo()
        sandbox_support.gateway_tick()

    sync = MWSCall.objects.get(operation="GetReportList")
    assert sync.state == "succeeded"
    entry = RequestLogEntry.objects.get(call=sync)
    assert (entry.seller.seller_id, entry.http_status) == (DEMO_SELLER_ID, 200)
