"""The sandbox set-up shared by the seller integration and browser tests."""

from __future__ import annotations

import copy
import json
from typing import Any

from mwsportal.gateway.buckets import bucket_backend
from mwssandbox.config import DEFAULT_CONFIG
from mwssandbox.server import RunningSandbox
from tests import sandbox_support

DEMO_TOKEN = "amzn.mws.00000000-0000-0000-0000-000000000001"
EU_TOKEN = "amzn.mws.00000000-0000-0000-0000-000000000002"
DEVELOPER_ID = "1234-5678-9012"


def sandbox_config(**overrides: Any) -> dict[str, Any]:
    """The sandbox's default config, with ``overrides`` replacing whole sections."""
    config = copy.deepcopy(json.loads(DEFAULT_CONFIG.read_text(encoding="utf-8")))
    config.update(overrides)
    return config


def point_portal_at(settings: Any, sandbox: RunningSandbox) -> None:
    demo_developer = {
        "access_key_id": settings.SANDBOX_DEMO_ACCESS_KEY_ID,
        "secret_key": settings.SANDBOX_DEMO_SECRET_KEY,
        "account_number": settings.SANDBOX_DEMO_DEVELOPER_ID,
        "name": "MWS Portal",
    }
    sandbox_support.point_portal_at(settings, sandbox.url, demo_developer)
    assume_full_buckets()


def assume_full_buckets() -> None:
    """A fresh sandbox has every bucket full, as MWS has them for a seller nobody called for:
    the gateway's knowledge of buckets must not start now, which would take them for empty."""
    backend = bucket_backend()
    backend.set_epoch(backend.now() - 10 * 3600)
