"""Every test here starts with an empty cache, so login failures never carry over."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from mwsportal.gateway.buckets import bucket_backend
from tests.unit.sellers.fakes import CA, US, FakeClient, page


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def fake_mws(monkeypatch, db) -> FakeClient:
    """MWS as the services see it, answering with ``pages`` or raising ``error``."""
    client = FakeClient(pages=[page(US, CA)])
    monkeypatch.setattr(
        "mwsportal.gateway.interactive.build_client", lambda region, **options: client
    )
    # The quick resend after a server error need not wait here.
    monkeypatch.setattr("mwsportal.gateway.interactive.INTERACTIVE_RETRY_SECONDS", 0.0)
    # The gateway has run for hours: a Seller ID it never called for has full buckets.
    backend = bucket_backend()
    backend.set_epoch(backend.now() - 10 * 3600)
    return client
