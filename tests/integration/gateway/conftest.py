"""The gateway against a sandbox on loopback, driven in the test's thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from mwsportal.gateway.buckets import DatabaseBuckets, set_bucket_backend
from mwssandbox.server import RunningSandbox, running_sandbox
from sellers.models import Seller
from tests.factories import SellerFactory
from tests.integration.gateway.support import portal_settings, seller_id, token


@pytest.fixture
def start_sandbox(settings, db) -> Iterator[Callable[..., RunningSandbox]]:
    """Start a sandbox from a config at a time scale and point the portal's gateway at it."""
    with ExitStack() as stack:

        def start(config: dict[str, Any], *, time_scale: float, tick: float) -> RunningSandbox:
            sandbox = stack.enter_context(running_sandbox(config, time_scale=time_scale))
            for name, value in portal_settings(sandbox.url, time_scale, tick).items():
                setattr(settings, name, value)
            buckets = DatabaseBuckets()
            # The sandbox has just started, so its buckets are full; the gateway may know it.
            buckets.set_epoch(buckets.now() - 10 * 3600)
            set_bucket_backend(buckets)
            return sandbox

        yield start
    set_bucket_backend(None)


@pytest.fixture
def make_sellers(owner) -> Callable[..., list[Seller]]:
    """Seller rows for sandbox sellers first..last, with the tokens the sandbox knows."""

    def make(last: int, first: int = 1) -> list[Seller]:
        return [
            SellerFactory(owner=owner, seller_id=seller_id(n), auth_token=token(n), region="NA")
            for n in range(first, last + 1)
        ]

    return make
