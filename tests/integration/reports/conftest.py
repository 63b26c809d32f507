"""Reports against a sandbox on loopback, with the gateway pumped in the test's thread."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mwssandbox.server import RunningSandbox, running_sandbox
from tests.factories import SellerFactory
from tests.integration.reports.support import (
    JP_SELLER,
    JP_TOKEN,
    TIME_SCALE,
    US_SELLER,
    US_TOKEN,
    point_portal_at,
    sandbox_config,
)


@pytest.fixture
def sandbox_options() -> dict[str, Any]:
    """Overridden by a test module that needs another sandbox config."""
    return {}


@pytest.fixture
def sandbox(settings, media, sandbox_options) -> Iterator[RunningSandbox]:
    with running_sandbox(sandbox_config(**sandbox_options), time_scale=TIME_SCALE) as running:
        point_portal_at(settings, running.url)
        yield running


@pytest.fixture
def faults(sandbox) -> Callable[..., None]:
    """Add a fault rule to the running sandbox (``kind``, ``actions``, ``count`` ...)."""

    def add(**rule: Any) -> None:
        request = urllib.request.Request(
            f"{sandbox.url}/_sandbox/faults",
            data=json.dumps(rule).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            assert answer.status == 201

    return add


@pytest.fixture
def us_seller(owner, sandbox):
    return SellerFactory(owner=owner, seller_id=US_SELLER, auth_token=US_TOKEN, region="NA")


@pytest.fixture
def jp_seller(owner, sandbox):
    return SellerFactory(owner=owner, seller_id=JP_SELLER, auth_token=JP_TOKEN, region="FE")
