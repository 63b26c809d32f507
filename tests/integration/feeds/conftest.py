"""Feeds against a sandbox on loopback, with the gateway pumped in the test's thread."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mwssandbox.server import RunningSandbox, running_sandbox
from tests.factories import SellerFactory, SellerMarketplaceFactory
from tests.integration.feeds.support import (
    DE,
    DE_SELLER,
    DE_TOKEN,
    JP,
    JP_SELLER,
    JP_TOKEN,
    OTHER_SELLER,
    OTHER_TOKEN,
    TIME_SCALE,
    US,
    US_SELLER,
    US_TOKEN,
    point_portal_at,
    sandbox_config,
)


@pytest.fixture
def sandbox_delays() -> dict[str, float]:
    return {}


@pytest.fixture
def sandbox(settings, media, sandbox_delays) -> Iterator[RunningSandbox]:
    settings.FEED_RECONCILE_SETTLE_SECONDS = 0
    with running_sandbox(sandbox_config(**sandbox_delays), time_scale=TIME_SCALE) as running:
        point_portal_at(settings, running.url)
        yield running


@pytest.fixture
def us_seller(owner, sandbox):
    seller = SellerFactory(owner=owner, seller_id=US_SELLER, auth_token=US_TOKEN, region="NA")
    SellerMarketplaceFactory(seller=seller, marketplace_id=US)
    return seller


@pytest.fixture
def other_seller(owner, sandbox):
    seller = SellerFactory(owner=owner, seller_id=OTHER_SELLER, auth_token=OTHER_TOKEN)
    SellerMarketplaceFactory(seller=seller, marketplace_id=US)
    return seller


@pytest.fixture
def jp_seller(owner, sandbox):
    seller = SellerFactory(owner=owner, seller_id=JP_SELLER, auth_token=JP_TOKEN, region="FE")
    SellerMarketplaceFactory(seller=seller, marketplace_id=JP, currency_code="JPY")
    return seller


@pytest.fixture
def de_seller(owner, sandbox):
    seller = SellerFactory(owner=owner, seller_id=DE_SELLER, auth_token=DE_TOKEN, region="EU")
    SellerMarketplaceFactory(seller=seller, marketplace_id=DE, currency_code="EUR")
    return seller
