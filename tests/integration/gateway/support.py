"""Sandbox configs with many sellers, and the numbers the gateway's integration tests check."""

from __future__ import annotations

import statistics
from typing import Any

DEVELOPER = {
    "access_key_id": "AKIAGATEWAYTESTS0001",
    "secret_key": "gateway-tests-developer-secret",
    "account_number": "3333-4444-5555",
    "name": "Gateway Test Developer",
}
US = "ATVPDKIKX0DER"


def seller_id(n: int) -> str:
    return f"A{n:04d}GATEWAYTEST"


def token(n: int) -> str:
    return f"amzn.mws.{n:08d}-0000-4000-8000-000000000000"


def sandbox_config(sellers: int, **extra: Any) -> dict[str, Any]:
    """A sandbox where sellers 1..n authorized the test developer (the JSON shape of the
    sandbox issue)."""
    return {
        "developers": [DEVELOPER],
        "sellers": [
            {
                "seller_id": seller_id(n),
                "region": "NA",
                "marketplaces": [US],
                "authorizations": [
                    {"access_key_id": DEVELOPER["access_key_id"], "mws_auth_token": token(n)}
                ],
            }
            for n in range(1, sellers + 1)
        ],
        "reports": {"catalogue_size": 20, "settlement_interval_days": None},
        "delays": {"feed_submitted": 1, "feed_in_progress": 1},
        **extra,
    }


def portal_settings(url: str, time_scale: float, tick: float) -> dict[str, Any]:
    """Settings that point the portal (and so the gateway) at a sandbox."""
    return {
        "MWS_ENDPOINT": url,
        "MWS_ACCESS_KEY_ID": DEVELOPER["access_key_id"],
        "MWS_SECRET_KEY": DEVELOPER["secret_key"],
        "MWS_DEVELOPER_ID": DEVELOPER["account_number"],
        "MWS_REGION_ACCOUNTS": {},
        "MWS_GATEWAY_TIME_SCALE": time_scale,
        "MWS_GATEWAY_TICK_SECONDS": tick,
    }


def refused(calls: list[dict[str, Any]]) -> int:
    """Answers the sandbox gave because of throttling (its own count of every call)."""
    return sum(
        row["count"] for row in calls if row["code"] in ("RequestThrottled", "QuotaExceeded")
    )


def feed_body(n: int) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">'
        "<Header><DocumentVersion>1.01</DocumentVersion>"
        "<MerchantIdentifier>M_TEST</MerchantIdentifier></Header>"
        "<MessageType>Inventory</MessageType>"
        f"<Message><MessageID>1</MessageID><OperationType>Update</OperationType>"
        f"<Inventory><SKU>SKU-{n}</SKU><Quantity>{n}</Quantity></Inventory></Message>"
        "</AmazonEnvelope>"
    ).encode()


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return max(values, default=0.0)
    return statistics.quantiles(values, n=100, method="inclusive")[98]
