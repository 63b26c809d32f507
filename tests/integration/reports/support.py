"""A sandbox, sellers authorized in it, and a gateway pump that runs in the test's thread.

Shared by the reports integration tests and the reports browser test. The pump runs the
gateway's own dispatcher and worker functions in a loop (what beat and the worker do), with
the worker called inline instead of through Celery.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reports.models import Report, ReportRequest
from reports.services import poll_open_requests, report_of
from sellers.models import Seller
from tests import sandbox_support

DEVELOPER = {
    "access_key_id": "AKIAREPORTSDEVELOPER",
    "secret_key": "reports-developer-secret",
    "account_number": "1111-2222-3333",
    "name": "Reports Test Developer",
}
US_SELLER = "A1REPORTSUS0001"
US_TOKEN = "amzn.mws.11111111-aaaa-3333-4444-555555555555"
JP_SELLER = "A1REPORTSJP0001"
JP_TOKEN = "amzn.mws.22222222-bbbb-3333-4444-555555555555"
# Sandbox and gateway run this many times faster than real MWS: processing delays and
# throttle restores shrink from seconds to milliseconds.
TIME_SCALE = 200.0


def sandbox_config(*, reports: dict[str, Any] | None = None, **sections: Any) -> dict[str, Any]:
    """The sandbox of these tests; ``reports`` entries and whole ``sections`` replace the
    defaults."""
    return {
        "developers": [DEVELOPER],
        "sellers": [
            {
                "seller_id": US_SELLER,
                "name": "US Store",
                "region": "NA",
                "marketplaces": ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
                "authorizations": [
                    {"access_key_id": DEVELOPER["access_key_id"], "mws_auth_token": US_TOKEN}
                ],
            },
            {
                "seller_id": JP_SELLER,
                "name": "JP Store",
                "region": "FE",
                "marketplaces": ["A1VC38T7YXB528"],
                "authorizations": [
                    {"access_key_id": DEVELOPER["access_key_id"], "mws_auth_token": JP_TOKEN}
                ],
            },
        ],
        "reports": {"catalogue_size": 30, "settlement_interval_days": None, **(reports or {})},
        **sections,
    }


def point_portal_at(settings: Any, url: str) -> None:
    sandbox_support.point_portal_at(settings, url, DEVELOPER, time_scale=TIME_SCALE)


def pump_once() -> int:
    """One dispatcher tick with its queues worked right away; returns the queues handed out."""
    return sandbox_support.gateway_tick()


def _poll_every_seller() -> None:
    for seller in Seller.objects.all():
        poll_open_requests(seller)


def pump_until(done: Callable[[], bool], *, timeout: float = 20.0, poll: bool = True) -> None:
    """Tick the gateway (and, with ``poll``, the periodic report poll) until ``done()``."""
    sandbox_support.pump_until(
        done, before_tick=_poll_every_seller if poll else None, timeout=timeout
    )


def settled(report_request: ReportRequest) -> Callable[[], bool]:
    def check() -> bool:
        report_request.refresh_from_db()
        return report_request.is_settled

    return check


def stored_report(report_request: ReportRequest) -> Report:
    pump_until(settled(report_request))
    report = report_of(report_request)
    assert report is not None, f"request ended {report_request.status}, without a report"
    return report
