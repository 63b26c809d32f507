"""Feeds unit tests: storage in a temporary folder, a seller with one marketplace."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import SellerFactory, SellerMarketplaceFactory


@pytest.fixture(autouse=True)
def _private_media(media: Path) -> Path:
    return media


@pytest.fixture
def seller(owner):
    seller = SellerFactory(owner=owner, seller_id="A1UNITFEEDS001", region="NA")
    SellerMarketplaceFactory(seller=seller, marketplace_id="ATVPDKIKX0DER")
    SellerMarketplaceFactory(seller=seller, marketplace_id="A2EUQ1WTGCTBG2", name="Amazon.ca")
    return seller
