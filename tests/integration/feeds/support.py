"""A sandbox with sellers authorized in it, and a gateway pump running in the test's thread.

Shared by the feeds integration tests and the feeds browser test. The pump runs the gateway's
own dispatcher and worker functions (what beat and the worker do) with the worker called inline,
and the feeds sync that beat runs, so a feed goes from stored to processed without Celery.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from feeds import services
from feeds.models import FeedSubmission
from mwssandbox.server import RunningSandbox
from sellers.models import Seller
from tests import sandbox_support

DEVELOPER = {
    "access_key_id": "AKIAFEEDSDEVELOPER01",
    "secret_key": "feeds-developer-secret",
    "account_number": "2222-3333-4444",
    "name": "Feeds Test Developer",
}
US_SELLER = "A1FEEDSUS00001"
US_TOKEN = "amzn.mws.33333333-aaaa-3333-4444-555555555555"
OTHER_SELLER = "A1FEEDSUS00002"
OTHER_TOKEN = "amzn.mws.44444444-aaaa-3333-4444-555555555555"
JP_SELLER = "A1FEEDSJP00001"
JP_TOKEN = "amzn.mws.55555555-aaaa-3333-4444-555555555555"
DE_SELLER = "A1FEEDSDE00001"
DE_TOKEN = "amzn.mws.66666666-aaaa-3333-4444-555555555555"
US = "ATVPDKIKX0DER"
JP = "A1VC38T7YXB528"
DE = "A1PA6795UKMFR9"
# Sandbox and gateway run this many times faster than real MWS: processing delays and
# throttle restores shrink from seconds to milliseconds.
TIME_SCALE = 200.0


def sandbox_config(**delays: float) -> dict[str, Any]:
    def seller(
        seller_id: str, token: str, region: str = "NA", marketplaces: tuple[str, ...] = (US,)
    ) -> dict[str, Any]:
        return {
            "seller_id": seller_id,
            "name": f"Store {seller_id}",
            "region": region,
            "marketplaces": list(marketplaces),
            "home_marketplace": marketplaces[0],
            "authorizations": [
                {"access_key_id": DEVELOPER["access_key_id"], "mws_auth_token": token}
            ],
        }

    return {
        "developers": [DEVELOPER],
        "sellers": [
            seller(US_SELLER, US_TOKEN, marketplaces=(US, "A2EUQ1WTGCTBG2")),
            seller(OTHER_SELLER, OTHER_TOKEN),
            seller(JP_SELLER, JP_TOKEN, "FE", (JP,)),
            seller(DE_SELLER, DE_TOKEN, "EU", (DE,)),
        ],
        "reports": {"catalogue_size": 30, "settlement_interval_days": None},
        "delays": {
            "report_submitted": 5,
            "report_in_progress": 10,
            "feed_submitted": 5,
            "feed_in_progress": 15,
            **delays,
        },
    }


def point_portal_at(settings: Any, url: str) -> None:
    sandbox_support.point_portal_at(settings, url, DEVELOPER, time_scale=TIME_SCALE)


def _sync_every_seller() -> None:
    """The feeds sync that beat runs."""
    for seller in Seller.objects.filter(pk__in=services.sellers_to_sync()):
        services.sync_seller(seller)


def pump_once(*, sync: bool = True) -> None:
    """One feeds sync (what beat runs) and one dispatcher tick with its queues worked."""
    if sync:
        _sync_every_seller()
    sandbox_support.gateway_tick()


def pump_until(done: Callable[[], bool], *, timeout: float = 20.0, sync: bool = True) -> None:
    sandbox_support.pump_until(
        done,
        before_tick=_sync_every_seller if sync else None,
        timeout=timeout,
        failure="the feed did not get there in time",
    )


def reaches(feed: FeedSubmission, *states: str) -> Callable[[], bool]:
    def check() -> bool:
        feed.refresh_from_db()
        return feed.state in states

    return check


def finished(feed: FeedSubmission) -> FeedSubmission:
    """Pump until the feed's life ends; returns it refreshed."""
    pump_until(reaches(feed, *_FINAL))
    return feed


_FINAL = (
    FeedSubmission.State.COMPLETE,
    FeedSubmission.State.CANCELLED,
    FeedSubmission.State.FAILED,
)


def mfn_skus(
    sandbox: RunningSandbox, count: int, seller_id: str = US_SELLER, marketplace: str = US
) -> list[str]:
    """SKUs of merchant-fulfilled listings in the sandbox's catalogue of the seller."""
    catalogue = sandbox.state.books[seller_id].catalogue(marketplace)
    return [listing.sku for listing in catalogue.listings() if not listing.is_afn][:count]


def inventory_xml(merchant: str, rows: list[tuple[str, int]]) -> bytes:
    messages = "".join(
        f"<Message><MessageID>{n}</MessageID><OperationType>Update</OperationType>"
        f"<Inventory><SKU>{sku}</SKU><Quantity>{qty}</Quantity></Inventory></Message>"
        for n, (sku, qty) in enumerate(rows, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>"
        f"<MerchantIdentifier>{merchant}</MerchantIdentifier></Header>"
        f"<MessageType>Inventory</MessageType>{messages}</AmazonEnvelope>\n"
    ).encode()
