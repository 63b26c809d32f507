"""Seller tests against the MWS sandbox, started in-process on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from mwssandbox.server import RunningSandbox, running_sandbox
from tests.integration.sellers.sandbox import point_portal_at, sandbox_config


@pytest.fixture
def sandbox(settings) -> Iterator[RunningSandbox]:
    with running_sandbox(sandbox_config()) as running:
        point_portal_at(settings, running)
        yield running


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()
