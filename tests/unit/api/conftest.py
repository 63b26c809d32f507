"""Partner personas: ``partner`` holds a grant on the owner's seller, ``other_partner`` holds
one on the stranger's seller and must never see the first partner's objects."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from partners import services
from partners.models import Grant, Partner
from tests.factories import SellerFactory, SellerMarketplaceFactory

ALL_SCOPES = list(Grant.Scope.values)


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    # The rate limit counts in the shared cache; every test starts with a full allowance.
    cache.clear()


class PartnerClient(APIClient):
    def __init__(self, key: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.key = key
        self.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")


def _partner_with_key(name: str) -> tuple[Partner, str]:
    partner = Partner.objects.create(name=name)
    _, key = services.create_api_key(partner, name="tests")
    return partner, key


@pytest.fixture
def seller(owner):
    seller = SellerFactory(owner=owner)
    SellerMarketplaceFactory(seller=seller)
    return seller


@pytest.fixture
def stranger_seller(stranger):
    seller = SellerFactory(owner=stranger)
    SellerMarketplaceFactory(seller=seller)
    return seller


@pytest.fixture
def partner_key(db) -> tuple[Partner, str]:
    return _partner_with_key("Acme Integrations")


@pytest.fixture
def partner(partner_key) -> Partner:
    return partner_key[0]


@pytest.fixture
def grant(seller, partner) -> Grant:
    return services.grant_partner(seller, partner, scopes=ALL_SCOPES)


@pytest.fixture
def api(partner_key, grant) -> PartnerClient:
    return PartnerClient(partner_key[1])


@pytest.fixture
def other_api(db, stranger_seller) -> PartnerClient:
    other, key = _partner_with_key("Other Integrations")
    services.grant_partner(stranger_seller, other, scopes=ALL_SCOPES)
    return PartnerClient(key)
