"""Throttling over HTTP: buckets drain and refill on the injected clock, hourly quotas, headers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from mwssandbox.throttle import reset_minute
from tests.integration.sandbox.conftest import DEVELOPER, EU_SELLER, EU_TOKEN, SELLER, config
from tests.integration.sandbox.signed_client import error, xml

REPORT = {"ReportType": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"}


def test_request_report_bucket_drains_after_15_and_regains_one_per_minute(client, clock):
    statuses = [client.call("RequestReport", REPORT).status_code for _ in range(15)]
    assert statuses == [200] * 15
    throttled = client.call("RequestReport", REPORT)
    info = error(throttled)
    assert (info.status, info.code, info.message, info.type) == (
        503,
        "RequestThrottled",
        "Request is throttled",
        "",
    )
    assert info.request_id_tag == "RequestID"
    # A throttled call is not counted against the hourly quota, but still reports it.
    assert throttled.headers["x-mws-quota-max"] == "60.0"
    assert throttled.headers["x-mws-quota-remaining"] == "45.0"

    clock.advance(59)
    assert client.call("RequestReport", REPORT).status_code == 503
    clock.advance(1)
    assert client.call("RequestReport", REPORT).status_code == 200
    assert client.call("RequestReport", REPORT).status_code == 503
    clock.advance(5 * 60)
    assert [client.call("RequestReport", REPORT).status_code for _ in range(6)] == [200] * 5 + [503]


def test_hourly_quota_exceeded_has_the_real_body(make_sandbox, make_client, clock):
    limits = {"GetReportCount": {"quota": 50, "restore_seconds": 1, "hourly": 3}}
    sandbox = make_sandbox(config(throttling={"groups": limits}))
    client = make_client(sandbox)
    remaining = [client.call("GetReportCount").headers["x-mws-quota-remaining"] for _ in range(3)]
    assert remaining == ["3.0", "2.0", "1.0"]
    refused = client.call("GetReportCount")
    assert refused.status_code == 503
    assert refused.content.startswith(b'<?xml version="1.0" standalone="no"?>')
    info = error(refused)
    assert info.code == "QuotaExceeded"
    assert info.namespace == ""  # seen without a namespace in real traffic
    assert info.request_id_tag == "RequestID"
    assert re.fullmatch(
        r"You exceeded your quota of 3\.0 requests per 1 hour for operation "
        r"Reports/2009-01-01/GetReportCount\.  Your quota will reset on "
        r"\w{3} \w{3} \d\d \d\d:\d\d:00 UTC \d{4}",
        info.message,
    ), info.message
    resets = refused.headers["x-mws-quota-resetsOn"]
    assert resets.endswith(":00.000Z")
    clock.advance(3600)
    assert client.call("GetReportCount").status_code == 200


def test_every_hourly_window_of_an_account_ends_at_its_own_minute(client, clock):
    minute = reset_minute(SELLER, DEVELOPER["account_number"])
    first = client.call("GetReportCount")
    assert first.headers["x-mws-quota-remaining"] == "80.0"
    resets = datetime.fromisoformat(first.headers["x-mws-quota-resetsOn"])
    assert (resets.minute, resets.second) == (minute, 0)
    assert (
        timedelta(0) < resets - datetime.fromtimestamp(clock.time(), tz=UTC) <= timedelta(hours=1)
    )
    # Another operation of the same account ends its hour at the same minute.
    other = client.call("GetReportRequestCount")
    assert other.headers["x-mws-quota-resetsOn"] == first.headers["x-mws-quota-resetsOn"]
    assert client.call("GetReportCount").headers["x-mws-quota-remaining"] == "79.0"
    # Past the fixed minute the count starts again, whenever the first call of the hour was.
    clock.set(resets.timestamp() + 1)
    fresh = client.call("GetReportCount")
    assert fresh.headers["x-mws-quota-remaining"] == "80.0"
    after = datetime.fromisoformat(fresh.headers["x-mws-quota-resetsOn"])
    assert after - resets == timedelta(hours=1)


def test_eu_feeds_hourly_quota_grows_with_the_marketplaces(sandbox, make_client):
    client = make_client(sandbox, seller=EU_SELLER, token=EU_TOKEN)
    feeds = client.call("GetFeedSubmissionCount")
    assert feeds.headers["x-mws-quota-max"] == "240.0"  # 3 marketplaces x 80
    reports = client.call("GetReportCount")
    assert reports.headers["x-mws-quota-max"] == "80.0"


def test_participations_and_their_next_token_twin_share_one_bucket(client, clock):
    assert [client.call("ListMarketplaceParticipations").status_code for _ in range(15)] == [
        200
    ] * 15
    twin = client.call("ListMarketplaceParticipationsByNextToken", {"NextToken": "x"})
    assert error(twin).code == "RequestThrottled"
    assert "x-mws-quota-max" not in twin.headers  # Sellers never sent quota headers
    clock.advance(60)
    assert xml(client.call("ListMarketplaceParticipations")) is not None


def test_buckets_belong_to_one_seller_and_developer_pair(sandbox, client, make_client):
    for _ in range(2):
        client.call("GetServiceStatus")
    assert error(client.call("GetServiceStatus")).code == "RequestThrottled"
    eu = make_client(sandbox, seller=EU_SELLER, token=EU_TOKEN)
    assert eu.call("GetServiceStatus").status_code == 200


def test_time_scale_makes_restores_faster(make_sandbox, make_client, clock):
    sandbox = make_sandbox(time_scale=60)
    client = make_client(sandbox)
    for _ in range(2):
        client.call("GetServiceStatus")
    assert client.call("GetServiceStatus").status_code == 503
    clock.advance(5)  # five minutes of MWS time
    assert client.call("GetServiceStatus").status_code == 200


def test_throttling_can_be_switched_off(make_sandbox, make_client):
    client = make_client(make_sandbox(config(throttling={"enabled": False})))
    assert {client.call("GetServiceStatus").status_code for _ in range(5)} == {200}
