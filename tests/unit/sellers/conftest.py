"""Every test here starts with an empty cache, so login failures never carry over."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.unit.sellers.fakes import CA, US, FakeClient, page


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake_mws(monkeypatch) -> FakeClient:
    """MWS as the services see it, answering with ``pages`` or raising ``error``."""
    client = FakeClient(pages=[page(US, CA)])
    monkeypatch.setattr("sellers.services.build_client", lambda region, **options: client)
    return client
