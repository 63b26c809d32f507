"""Fixtures for the gateway's unit tests: an injected clock and both bucket backends."""

from __future__ import annotations

import pytest

from mwsportal.gateway.buckets import DatabaseBuckets, RedisBuckets


class FakeClock:
    """Epoch seconds that only move when a test says so."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["database", "redis"])
def buckets(request, clock, db):
    """Each bucket test runs against the database backend and the Redis (Lua) backend."""
    if request.param == "database":
        return DatabaseBuckets(clock=clock)
    url = request.getfixturevalue("gateway_redis_url")
    return RedisBuckets(url, clock=clock)
