"""MWSClient.call over loopback HTTP: what goes on the wire, what comes back, errors,
retries, clock-skew correction and the observer."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from mwsclient.client import AttemptRecord, Credentials, MWSClient
from mwsclient.errors import (
    AccessDeniedError,
    ChecksumMismatchError,
    InvalidCredentialsError,
    InvalidParameterError,
    InvalidResponseError,
    MWSError,
    NextTokenCorruptedError,
    NoLongerAvailableError,
    NotReadyError,
    QuotaExceededError,
    RequestExpiredError,
    ServerError,
    ServiceUnavailableError,
    ThrottledError,
    TransportError,
)
from mwsclient.results import CountResult, SubmitFeedResult
from mwsclient.retry import NO_RETRY
from mwsclient.signing import sign, string_to_sign

from .conftest import ACCESS_KEY, AUTH_TOKEN, NOW, SECRET_KEY, SELLER, FakeClock
from .fixtures import error_fixture, fixture
from .server import Received, Reply, ScriptedServer

QUOTA_HEADERS = {
    "x-mws-quota-max": "80.0",
    "x-mws-quota-remaining": "79.0",
    "x-mws-quota-resetsOn": "2020-06-11T08:12:00.000Z",
}
TIMESTAMP_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")

MakeClient = Callable[..., MWSClient]


def ok(operation: str, **headers: str) -> Reply:
    return Reply(
        200,
        fixture(f"{operation}.xml"),
        {
            "x-mws-request-id": "rid-header",
            "x-mws-timestamp": "2020-06-11T08:01:50.347Z",
            **headers,
        },
    )


def failure(code: str, status: int, **headers: str) -> Reply:
    return Reply(status, error_fixture(code), headers)


def assert_signed(request: Received) -> None:
    """Check the signature the way MWS does: recompute it from what arrived."""
    params = dict(request.params)
    signature = params.pop("Signature")
    text = string_to_sign(request.method, request.headers["Host"], request.path, params)
    assert signature == sign(text, SECRET_KEY, params["SignatureMethod"])


def test_xml_operation_is_a_signed_form_post(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.reply(ok("GetReportCount", **QUOTA_HEADERS))
    response = make_client().call(
        "GetReportCount",
        seller_id=SELLER,
        auth_token=AUTH_TOKEN,
        params={"ReportTypeList": ["_GET_MERCHANT_LISTINGS_DATA_"], "Acknowledged": False},
    )
    assert response.result == CountResult(12)

    (request,) = server.received
    assert request.method == "POST"
    assert request.path == "/Reports/2009-01-01"
    assert request.query == {}
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded; charset=utf-8"
    assert request.headers["User-Agent"].startswith("MWS Portal tests/1.0 (Language=Python/")
    form = request.form
    assert {k: v for k, v in form.items() if k not in ("Signature", "Timestamp")} == {
        "AWSAccessKeyId": ACCESS_KEY,
        "Action": "GetReportCount",
        "Merchant": SELLER,
        "MWSAuthToken": AUTH_TOKEN,
        "SignatureMethod": "HmacSHA256",
        "SignatureVersion": "2",
        "Version": "2009-01-01",
        "ReportTypeList.Type.1": "_GET_MERCHANT_LISTINGS_DATA_",
        "Acknowledged": "false",
    }
    assert form["Timestamp"] == "2020-06-11T08:01:49.704Z"
    assert_signed(request)


def test_sellers_use_seller_id_and_hmac_sha1_when_asked(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.reply(ok("GetServiceStatus"))
    response = make_client(signature_method="HmacSHA1").call("GetServiceStatus", seller_id=SELLER)
    assert response.result.status == "GREEN_I"
    assert response.quota is None
    (request,) = server.received
    assert request.path == "/Sellers/2011-07-01"
    assert request.form["SellerId"] == SELLER
    assert "Merchant" not in request.form
    assert "MWSAuthToken" not in request.form
    assert request.form["SignatureMethod"] == "HmacSHA1"
    assert_signed(request)


def test_response_metadata(server: ScriptedServer, make_client: MakeClient) -> None:
    server.reply(ok("RequestReport", **QUOTA_HEADERS))
    response = make_client().call(
        "RequestReport",
        seller_id=SELLER,
        auth_token=AUTH_TOKEN,
        params={"ReportType": "_GET_MERCHANT_LISTINGS_DATA_"},
    )
    # The body's RequestId wins over the header's; both are the same id in real traffic.
    assert response.request_id == "6e5c2b1a-6bd4-4a6f-9a5e-4bbad7a6c4d1"
    assert response.timestamp == "2020-06-11T08:01:50.347Z"
    assert response.metadata.request_timestamp == "2020-06-11T08:01:49.704Z"
    assert response.metadata.http_status == 200
    assert response.quota is not None
    assert (response.quota.max, response.quota.remaining) == (80.0, 79.0)
    assert response.quota.resets_on == datetime(2020, 6, 11, 8, 12, tzinfo=UTC)


ERROR_CASES = [
    ("RequestThrottled", 503, ThrottledError),
    ("QuotaExceeded", 503, QuotaExceededError),
    ("AccessDenied", 401, AccessDeniedError),
    ("InvalidAccessKeyId", 403, InvalidCredentialsError),
    ("SignatureDoesNotMatch", 403, InvalidCredentialsError),
    ("InvalidReportRequestId", 400, InvalidParameterError),
    ("ValidationError", 400, InvalidParameterError),
    ("InvalidAddress", 404, InvalidParameterError),
    ("ReportNotReady", 400, NotReadyError),
    ("FeedProcessingResultNotReady", 400, NotReadyError),
    ("FeedCanceled", 400, NoLongerAvailableError),
    ("NextTokenCorrupted", 400, NextTokenCorruptedError),
    ("ContentMD5DoesNotMatch", 400, ChecksumMismatchError),
    ("InternalError", 500, ServerError),
    ("ServiceUnavailable", 503, ServiceUnavailableError),
    ("RequestExpired", 400, RequestExpiredError),
]


@pytest.mark.parametrize(("code", "status", "family"), ERROR_CASES)
def test_error_families(
    server: ScriptedServer, make_client: MakeClient, code: str, status: int, family: type
) -> None:
    # Enough answers for the retries and re-sync a family may trigger.
    server.reply(*[failure(code, status, **QUOTA_HEADERS) for _ in range(5)])
    client = make_client(retry_policy=NO_RETRY)
    with pytest.raises(MWSError) as caught:
        client.call("GetReportCount", seller_id=SELLER, auth_token=AUTH_TOKEN)
    error = caught.value
    assert type(error) is family
    assert error.code == code
    assert error.http_status == status
    assert error.request_id
    assert error.message
    assert error.operation == "GetReportCount"
    assert error.quota is not None
    assert error.quota.remaining == 79.0
    assert AUTH_TOKEN not in str(error)


def test_quota_exceeded_carries_its_reset_time(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.reply(failure("QuotaExceeded", 503))
    with pytest.raises(QuotaExceededError) as caught:
        make_client().call("GetReportCount", seller_id=SELLER)
    assert caught.value.resets_on == datetime(2013, 10, 24, 0, 42, tzinfo=UTC)
    assert caught.value.error_type is None
    assert len(server.received) == 1


def test_throttling_is_not_retried_but_an_outage_is(
    server: ScriptedServer, make_client: MakeClient, sleeps: list[float]
) -> None:
    server.reply(failure("RequestThrottled", 503))
    with pytest.raises(ThrottledError):
        make_client().call("GetReportCount", seller_id=SELLER)
    assert len(server.received) == 1
    assert sleeps == []

    server.reply(*[failure("ServiceUnavailable", 503) for _ in range(5)])
    with pytest.raises(ServiceUnavailableError):
        make_client().call("GetReportCount", seller_id=SELLER)
    assert len(server.received) == 1 + 5
    # The guide's 1 s, 4 s, 10 s, 30 s, each within the 20 % jitter.
    assert len(sleeps) == 4
    for slept, base in zip(sleeps, (1, 4, 10, 30), strict=True):
        assert base * 0.8 <= slept <= base * 1.2


def test_server_error_then_success(
    server: ScriptedServer, make_client: MakeClient, sleeps: list[float]
) -> None:
    server.reply(failure("InternalError", 500), ok("GetReportCount"))
    response = make_client().call("GetReportCount", seller_id=SELLER)
    assert response.result == CountResult(12)
    assert len(server.received) == 2
    assert len(sleeps) == 1
    # Every attempt is signed afresh.
    assert_signed(server.received[1])


@pytest.mark.parametrize("policy", [NO_RETRY, None])
def test_retries_can_be_left_to_the_caller(
    server: ScriptedServer, make_client: MakeClient, sleeps: list[float], policy: object
) -> None:
    server.reply(failure("InternalError", 500), ok("GetReportCount"))
    with pytest.raises(ServerError):
        make_client(retry_policy=policy).call("GetReportCount", seller_id=SELLER)
    assert len(server.received) == 1
    assert sleeps == []


def test_submit_feed_is_never_retried(
    server: ScriptedServer, make_client: MakeClient, sleeps: list[float], tmp_path
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(b"<AmazonEnvelope/>")
    server.reply(failure("InternalError", 500), ok("SubmitFeed"))
    with feed.open("rb") as source, pytest.raises(ServerError):
        make_client().submit_feed(seller_id=SELLER, feed_type="_POST_PRODUCT_DATA_", source=source)
    assert len(server.received) == 1
    assert sleeps == []


def test_transport_failures(server: ScriptedServer, make_client: MakeClient) -> None:
    server.reply(Reply(reset=True), Reply(delay=0.5), ok("GetReportCount"))
    response = make_client(timeout=0.2).call("GetReportCount", seller_id=SELLER)
    assert response.result == CountResult(12)
    assert len(server.received) == 3

    server.reply(Reply(reset=True))
    with pytest.raises(TransportError) as caught:
        make_client(retry_policy=NO_RETRY).call(
            "GetReportCount", seller_id=SELLER, auth_token=AUTH_TOKEN
        )
    assert caught.value.__cause__ is None
    assert AUTH_TOKEN not in str(caught.value)


def test_proxy_html_is_an_invalid_response(server: ScriptedServer, make_client: MakeClient) -> None:
    server.reply(
        Reply(502, b"<html><body>Bad Gateway</body></html>", {"Content-Type": "text/html"}),
        Reply(200, b"<html>captive portal</html>", {"Content-Type": "text/html"}),
    )
    client = make_client(retry_policy=NO_RETRY)
    with pytest.raises(InvalidResponseError, match=r"HTTP 502.*text/html") as caught:
        client.call("GetReportCount", seller_id=SELLER)
    assert caught.value.http_status == 502
    assert isinstance(caught.value, TransportError)
    with pytest.raises(InvalidResponseError):
        client.call("GetReportCount", seller_id=SELLER)


def test_xxe_response_is_refused(server: ScriptedServer, make_client: MakeClient) -> None:
    server.reply(
        Reply(
            200,
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<GetReportCountResponse><GetReportCountResult><Count>&x;</Count>"
            b"</GetReportCountResult></GetReportCountResponse>",
        )
    )
    with pytest.raises(InvalidResponseError, match="DTD"):
        make_client(retry_policy=NO_RETRY).call("GetReportCount", seller_id=SELLER)


def test_clock_offset_is_learned_and_applied(
    server: ScriptedServer, make_client: MakeClient, clock: FakeClock
) -> None:
    # Our machine is ten minutes slow; MWS says so in x-mws-timestamp.
    server_time = "2020-06-11T08:11:49.704Z"
    server.reply(
        ok("GetReportCount", **{"x-mws-timestamp": server_time}),
        ok("GetReportCount"),
    )
    client = make_client()
    client.call("GetReportCount", seller_id=SELLER)
    assert server.received[0].form["Timestamp"] == "2020-06-11T08:01:49.704Z"
    assert client.clock_offset == pytest.approx(600, abs=0.01)
    clock.now += 1
    client.call("GetReportCount", seller_id=SELLER)
    assert server.received[1].form["Timestamp"] == "2020-06-11T08:11:50.704Z"


def test_date_header_is_used_when_there_is_no_mws_timestamp(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.reply(
        Reply(200, fixture("GetReportCount.xml"), {"Date": "Thu, 11 Jun 2020 07:31:49 GMT"})
    )
    client = make_client()
    client.call("GetReportCount", seller_id=SELLER)
    # Thirty minutes fast; the Date header's whole seconds leave half a second of doubt.
    assert client.clock_offset == pytest.approx(-1800, abs=1)


def test_request_expired_resyncs_and_retries_once(
    server: ScriptedServer, make_client: MakeClient, clock: FakeClock
) -> None:
    clock.now = NOW - 3600  # an hour slow
    expired = failure("RequestExpired", 400, **{"x-mws-timestamp": "2020-06-11T08:01:49.704Z"})
    server.reply(expired, ok("GetReportCount"))
    response = make_client().call("GetReportCount", seller_id=SELLER)
    assert response.result == CountResult(12)
    first, second = server.received
    assert first.form["Timestamp"] == "2020-06-11T07:01:49.704Z"
    assert second.form["Timestamp"] == "2020-06-11T08:01:49.704Z"

    server.received.clear()
    server.reply(expired, expired, ok("GetReportCount"))
    with pytest.raises(RequestExpiredError):
        make_client(clock=FakeClock(NOW - 7200)).call("GetReportCount", seller_id=SELLER)
    assert len(server.received) == 2


def test_observer_sees_every_attempt_without_secrets(
    server: ScriptedServer, make_client: MakeClient, attempts: list[AttemptRecord]
) -> None:
    server.reply(failure("InternalError", 500, **QUOTA_HEADERS), ok("GetReportCount"))
    make_client().call("GetReportCount", seller_id=SELLER, auth_token=AUTH_TOKEN)
    first, second = attempts
    assert (first.operation, first.seller_id, first.attempt) == ("GetReportCount", SELLER, 1)
    assert (first.http_status, first.error_code, first.error_family) == (
        500,
        "InternalError",
        "ServerError",
    )
    assert first.request_id
    assert first.quota is not None
    assert first.quota.max == 80.0
    assert first.bytes_sent == server.received[0].body_size
    assert first.bytes_received == len(error_fixture("InternalError"))
    assert first.host.startswith("127.0.0.1:")
    assert TIMESTAMP_RE.fullmatch(first.request_timestamp)
    assert first.duration_s >= 0
    assert (second.attempt, second.http_status, second.error_code) == (2, 200, None)
    assert second.request_id == "rid-header"
    signature = server.received[1].form["Signature"]
    for record in attempts:
        text = repr(record)
        for secret in (SECRET_KEY, AUTH_TOKEN, signature, ACCESS_KEY):
            assert secret not in text


def test_a_failing_observer_does_not_fail_the_call(
    server: ScriptedServer, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(record: AttemptRecord) -> None:
        raise RuntimeError("log sink is down")

    server.reply(ok("GetReportCount"))
    with caplog.at_level(logging.ERROR):
        response = make_client(observer=broken).call("GetReportCount", seller_id=SELLER)
    assert response.result == CountResult(12)
    assert "observer failed" in caplog.text


def test_validation_happens_before_anything_is_sent(
    server: ScriptedServer, make_client: MakeClient, attempts: list[AttemptRecord]
) -> None:
    client = make_client()
    with pytest.raises(InvalidParameterError, match="MaxCount"):
        client.call("GetReportList", seller_id=SELLER, params={"MaxCount": 101})
    with pytest.raises(InvalidParameterError, match="Merchant"):
        client.call("GetReportList", seller_id=" ")
    with pytest.raises(InvalidParameterError, match="download"):
        client.call("GetReport", seller_id=SELLER, params={"ReportId": "1"})
    with pytest.raises(InvalidParameterError, match="unknown operation"):
        client.call("ListOrders", seller_id=SELLER)
    assert server.received == []
    assert attempts == []


def test_marketplace_id_list_is_left_out_in_japan(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.reply(ok("RequestReport"), ok("RequestReport"))
    client = make_client()
    client.call(
        "RequestReport",
        seller_id=SELLER,
        marketplace="JP",
        params={
            "ReportType": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_",
            "MarketplaceIdList": ["A1VC38T7YXB528"],
        },
    )
    assert not any(k.startswith("MarketplaceIdList") for k in server.received[0].form)
    client.call(
        "RequestReport",
        seller_id=SELLER,
        marketplace="DE",
        params={
            "ReportType": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_",
            "MarketplaceIdList": ["A1PA6795UKMFR9", "A1F83G8C2ARO7P"],
        },
    )
    assert server.received[1].form["MarketplaceIdList.Id.2"] == "A1F83G8C2ARO7P"
    with pytest.raises(InvalidParameterError, match="MarketplaceIdList"):
        client.call(
            "RequestReport",
            seller_id=SELLER,
            region="CN",
            params={
                "ReportType": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_",
                "MarketplaceIdList": ["ATVPDKIKX0DER"],
            },
        )


def test_an_endpoint_that_answers_for_every_host_is_addressed_by_the_marketplaces_host(
    server: ScriptedServer, make_client: MakeClient, attempts: list[AttemptRecord]
) -> None:
    server.reply(ok("GetReportCount"), ok("GetReportCount"), ok("GetReportCount"))
    client = make_client(address_mws_hosts=True)
    client.call("GetReportCount", seller_id=SELLER, marketplace="IN")
    client.call("GetReportCount", seller_id=SELLER, region="NA")
    client.call("GetReportCount", seller_id=SELLER)

    india, america, unnamed = server.received
    assert india.headers["Host"] == "mws.amazonservices.in"
    assert america.headers["Host"] == "mws.amazonservices.com"
    # Naming neither a marketplace nor a region leaves the endpoint's own name.
    assert unnamed.headers["Host"].startswith("127.0.0.1:")
    for request in server.received:
        assert_signed(request)
    assert [a.host for a in attempts][:2] == ["mws.amazonservices.in", "mws.amazonservices.com"]


def test_without_addressing_hosts_an_endpoint_is_addressed_by_its_own_name(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    server.reply(ok("GetReportCount"))
    make_client().call("GetReportCount", seller_id=SELLER, marketplace="IN")
    assert server.received[0].headers["Host"].startswith("127.0.0.1:")


def test_real_hosts_come_from_the_marketplace_or_region() -> None:
    client = MWSClient(Credentials(ACCESS_KEY, SECRET_KEY), app_name="t", app_version="1")
    report = client.prepare("GetReportCount", seller_id=SELLER, marketplace="A1PA6795UKMFR9")
    assert report.url == "https://mws-eu.amazonservices.com/Reports/2009-01-01"
    assert report.host == "mws-eu.amazonservices.com"
    sellers = client.prepare("GetServiceStatus", seller_id=SELLER, region="fe")
    assert sellers.url == "https://mws.amazonservices.jp/Sellers/2011-07-01"
    assert client.prepare("GetReportCount", seller_id=SELLER, marketplace="ca").url.startswith(
        "https://mws.amazonservices.ca/"
    )
    with pytest.raises(InvalidParameterError, match="marketplace or region"):
        client.prepare("GetReportCount", seller_id=SELLER)
    with pytest.raises(InvalidParameterError, match="unknown marketplace"):
        client.prepare("GetReportCount", seller_id=SELLER, marketplace="XX")


@pytest.mark.parametrize(
    ("endpoint", "allowed"),
    [
        ("http://127.0.0.1:8765", True),
        ("http://localhost:8765/mws", True),
        ("http://[::1]:8765", True),
        ("https://mws.example.test", True),
        ("http://mws.example.test", False),
        ("http://10.0.0.5:8765", False),
        ("ftp://127.0.0.1", False),
    ],
)
def test_https_is_required_except_on_loopback(endpoint: str, allowed: bool) -> None:
    def build() -> MWSClient:
        return MWSClient(
            Credentials(ACCESS_KEY, SECRET_KEY), app_name="t", app_version="1", endpoint=endpoint
        )

    if allowed:
        assert build()
    else:
        with pytest.raises(InvalidParameterError, match="endpoint"):
            build()


def test_signing_host_keeps_a_non_default_port_and_path_prefix() -> None:
    client = MWSClient(
        Credentials(ACCESS_KEY, SECRET_KEY),
        app_name="t",
        app_version="1",
        endpoint="http://LOCALHOST:8765/mws/",
    )
    prepared = client.prepare("GetReportCount", seller_id=SELLER)
    assert prepared.host == "localhost:8765"
    assert prepared.url == "http://localhost:8765/mws/Reports/2009-01-01"
    default_port = MWSClient(
        Credentials(ACCESS_KEY, SECRET_KEY),
        app_name="t",
        app_version="1",
        endpoint="https://mws.example.test:443",
    )
    assert default_port.prepare("GetReportCount", seller_id=SELLER).host == "mws.example.test"


def test_reprs_hide_secrets(server: ScriptedServer) -> None:
    credentials = Credentials(ACCESS_KEY, SECRET_KEY)
    assert SECRET_KEY not in repr(credentials)
    assert ACCESS_KEY not in repr(credentials)
    client = MWSClient(credentials, app_name="t", app_version="1", endpoint=server.url)
    assert SECRET_KEY not in repr(client)
    prepared = client.prepare(
        "SubmitFeed",
        seller_id=SELLER,
        auth_token=AUTH_TOKEN,
        params={"FeedType": "_POST_PRODUCT_DATA_", "ContentMD5Value": "abc="},
    )
    assert AUTH_TOKEN in prepared.url
    assert AUTH_TOKEN not in repr(prepared)
    assert "Signature=***" in repr(prepared)
    with pytest.raises(InvalidParameterError):
        Credentials(ACCESS_KEY, "")


def test_submit_feed_result(server: ScriptedServer, make_client: MakeClient, tmp_path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(b"<AmazonEnvelope/>")
    server.reply(ok("SubmitFeed"))
    with feed.open("rb") as source:
        response = make_client().submit_feed(
            seller_id=SELLER, feed_type="_POST_PRODUCT_DATA_", source=source
        )
    assert isinstance(response.result, SubmitFeedResult)
    assert response.result.feed_submission_info.feed_submission_id == "51799018438"


def test_every_error_of_an_error_response_is_kept(
    server: ScriptedServer, make_client: MakeClient
) -> None:
    body = b"""<?xml version="1.0"?>
<ErrorResponse xmlns="http://mws.amazonaws.com/doc/2009-01-01/">
  <Error><Type>Sender</Type><Code>InvalidParameterValue</Code>
    <Message>Invalid StartDate</Message></Error>
  <Error><Type>Sender</Type><Code>MissingParameter</Code>
    <Message>The request must contain the parameter ReportType.</Message>
    <Detail>ReportType</Detail></Error>
  <RequestId>multi-1</RequestId>
</ErrorResponse>"""
    server.reply(Reply(400, body, {}))
    with pytest.raises(InvalidParameterError) as caught:
        make_client(retry_policy=NO_RETRY).call("GetReportCount", seller_id=SELLER)
    error = caught.value
    assert (error.code, error.message, error.request_id) == (
        "InvalidParameterValue",
        "Invalid StartDate",
        "multi-1",
    )
    assert [(item.code, item.detail) for item in error.errors] == [
        ("InvalidParameterValue", None),
        ("MissingParameter", "ReportType"),
    ]
    assert "1 more: MissingParameter: The request must contain the parameter" in str(error)
