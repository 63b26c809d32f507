"""Fault injection through the control endpoint and the config."""

from __future__ import annotations

import base64
import hashlib
import time
from email.utils import parsedate_to_datetime

import pytest
import requests

from tests.integration.sandbox.conftest import config
from tests.integration.sandbox.signed_client import error, text, xml


def add_fault(sandbox, **rule) -> int:
    response = requests.post(sandbox.url + "/_sandbox/faults", json=rule, timeout=5)
    assert response.status_code == 201, response.text
    return response.json()["ids"][0]


def ready_report(client, clock) -> str:
    requested = client.call("RequestReport", {"ReportType": "_GET_MERCHANT_LISTINGS_DATA_"})
    request_id = text(xml(requested), "ReportRequestId")
    clock.advance(30)
    listed = xml(client.call("GetReportRequestList", {"ReportRequestIdList.Id.1": request_id}))
    return text(listed, "GeneratedReportId")


def test_internal_error_and_service_unavailable_on_schedule(sandbox, client):
    add_fault(sandbox, kind="internal_error", actions=["GetReportCount"], count=1)
    add_fault(sandbox, kind="service_unavailable", actions=["GetReportCount"], after=1, count=1)
    first = error(client.call("GetReportCount"))
    assert (first.status, first.code, first.type) == (500, "InternalError", "Receiver")
    second = error(client.call("GetReportCount"))
    assert (second.status, second.code, second.type) == (503, "ServiceUnavailable", "Receiver")
    assert client.call("GetReportCount").status_code == 200
    rules = requests.get(sandbox.url + "/_sandbox/faults", timeout=5).json()["rules"]
    assert [(r["kind"], r["seen"], r["fired"]) for r in rules] == [
        ("internal_error", 3, 1),
        ("service_unavailable", 3, 1),
    ]
    assert requests.delete(sandbox.url + "/_sandbox/faults", timeout=5).json() == {"rules": []}


def test_added_latency(sandbox, client):
    add_fault(sandbox, kind="latency", seconds=0.3, actions=["GetReportCount"])
    started = time.perf_counter()
    assert client.call("GetReportCount").status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_reset_after_the_feed_was_received(sandbox, client):
    add_fault(sandbox, kind="reset", actions=["SubmitFeed"], count=1)
    body = b"sku\tquantity\nA\t1\n"
    digest = base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324
    with pytest.raises(requests.ConnectionError):
        client.call(
            "SubmitFeed",
            {"FeedType": "_POST_FLAT_FILE_INVLOADER_DATA_", "ContentMD5Value": digest},
            body=body,
        )
    # The "did my feed arrive?" case: it did.
    feeds = requests.get(sandbox.url + "/_sandbox/feeds", timeout=5).json()["feeds"]
    assert [f["content_md5"] for f in feeds] == [digest]
    assert text(xml(client.call("GetFeedSubmissionCount")), "Count") == "1"


def test_truncated_download(sandbox, client, clock):
    report_id = ready_report(client, clock)
    add_fault(sandbox, kind="truncate", actions=["GetReport"], fraction=0.5, count=1)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        client.call("GetReport", {"ReportId": report_id}).content  # noqa: B018
    whole = client.call("GetReport", {"ReportId": report_id})
    assert len(whole.content) == int(whole.headers["Content-Length"])


def test_wrong_content_md5_on_download(sandbox, client, clock):
    report_id = ready_report(client, clock)
    add_fault(sandbox, kind="wrong_md5", count=1)
    bad = client.call("GetReport", {"ReportId": report_id})
    actual = base64.b64encode(hashlib.md5(bad.content).digest()).decode()  # noqa: S324
    assert bad.headers["Content-MD5"] != actual
    good = client.call("GetReport", {"ReportId": report_id})
    assert good.headers["Content-MD5"] == actual
    assert good.content == bad.content


def test_skewed_date_header(sandbox, clock):
    add_fault(sandbox, kind="skew_date", seconds=-1200, actions=["Ping"])
    response = requests.get(sandbox.url + "/", timeout=5)
    date = parsedate_to_datetime(response.headers["Date"]).timestamp()
    assert date == pytest.approx(clock.time() - 1200, abs=1)
    stamp = xml(response).find("Timestamp").get("timestamp")
    assert stamp == response.headers["x-mws-timestamp"]


def test_faults_from_the_config(make_sandbox, make_client):
    sandbox = make_sandbox(config(faults=[{"kind": "service_unavailable", "every": 2}]))
    client = make_client(sandbox)
    codes = [client.call("GetReportCount").status_code for _ in range(4)]
    assert codes == [200, 503, 200, 503]


def test_bad_rules_and_unknown_endpoints(sandbox):
    refused = requests.post(sandbox.url + "/_sandbox/faults", json={"kind": "meteor"}, timeout=5)
    assert refused.status_code == 400
    assert "fault kind" in refused.json()["error"]
    assert requests.get(sandbox.url + "/_sandbox/nothing", timeout=5).status_code == 404
    assert requests.post(sandbox.url + "/_sandbox/feeds", timeout=5).status_code == 405
