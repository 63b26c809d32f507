"""Every check the sandbox makes on a call, over HTTP, signed by the tests' own signer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from tests.integration.sandbox.conftest import OTHER_DEVELOPER, SELLER, UNAUTHORIZED_SELLER
from tests.integration.sandbox.signed_client import error, namespace, sign, strip, text, xml

NS_2009 = "http://mws.amazonaws.com/doc/2009-01-01/"
NS_SELLERS = "https://mws.amazonservices.com/Sellers/2011-07-01"
NS_ENDPOINT = "https://mws.amazonservices.com/"


@pytest.mark.parametrize("signature_method", ["HmacSHA256", "HmacSHA1"])
@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("path", ["/", "/Reports/2009-01-01"])
def test_signed_calls_are_answered(client, signature_method, method, path):
    response = client.call(
        "GetReportCount", method=method, path=path, SignatureMethod=signature_method
    )
    assert response.status_code == 200, response.text
    root = xml(response)
    assert strip(root.tag) == "GetReportCountResponse"
    assert namespace(root) == NS_2009
    assert text(root, "Count") == "0"
    assert text(root, "RequestId") == response.headers["x-mws-request-id"]
    assert response.headers["Content-Type"] == "text/xml"
    assert response.headers["x-mws-timestamp"].endswith("Z")
    assert response.headers["x-mws-response-context"]
    assert response.headers["Date"].endswith("GMT")
    assert response.headers["x-mws-quota-max"] == "80.0"
    # The first call of the hour does not see itself counted yet (recorded traffic).
    assert response.headers["x-mws-quota-remaining"] == "80.0"
    assert response.headers["x-mws-quota-resetsOn"].endswith(":00.000Z")


def test_merchant_is_accepted_instead_of_seller_id_by_reports_and_feeds(client):
    response = client.call("GetFeedSubmissionCount", path="/", SellerId=None, Merchant=SELLER)
    assert response.status_code == 200, response.text


def test_sellers_calls_have_their_namespace_and_no_quota_headers(client):
    response = client.call("GetServiceStatus")
    assert response.status_code == 200, response.text
    root = xml(response)
    assert namespace(root) == NS_SELLERS
    assert text(root, "Status") == "GREEN"
    assert "x-mws-quota-max" not in response.headers


def test_get_root_answers_the_ping_response(sandbox, clock):
    response = requests.get(sandbox.url + "/", timeout=5)
    assert response.status_code == 200
    root = xml(response)
    assert root.tag == "PingResponse"
    stamp = root.find("Timestamp").get("timestamp")
    assert stamp.startswith(response.headers["x-mws-timestamp"][:19])


def _expect(response, status, code, *, tag, ns=NS_2009, message=None, contains=None):
    info = error(response)
    assert (info.status, info.code) == (status, code), response.text
    assert info.request_id_tag == tag
    assert info.namespace == ns
    if message is not None:
        assert info.message == message
    if contains is not None:
        assert contains in info.message
    return info


def test_unknown_access_key(client):
    client.access_key = "AKIANOBODY"
    _expect(
        client.call("GetReportCount"),
        403,
        "InvalidAccessKeyId",
        tag="RequestID",
        message="The AWS Access Key Id you provided does not exist in our records.",
    )


@pytest.mark.parametrize("signature_method", ["HmacSHA256", "HmacSHA1"])
def test_wrong_signatures(client, signature_method):
    wrong_secret = client.call(
        "GetReportCount", SignatureMethod=signature_method, secret="not-the-secret"
    )
    info = _expect(wrong_secret, 403, "SignatureDoesNotMatch", tag="RequestID")
    assert info.message.startswith("The request signature we calculated does not match")
    # A parameter changed after signing (the signer saw ReportTypeList, the server does not).
    params = client.params("GetReportCount", SignatureMethod=signature_method)
    tampered = client.call(
        "GetReportCount",
        SignatureMethod=signature_method,
        sign_params={**params, "ReportTypeList.Type.1": "_GET_ORDERS_DATA_"},
    )
    _expect(tampered, 403, "SignatureDoesNotMatch", tag="RequestID")


def test_signature_for_another_path_is_refused(client):
    params = client.params("GetReportCount")
    host = client.base_url.split("//")[1]
    params["Signature"] = sign(client.secret, "POST", host, "/", params, "HmacSHA256")
    response = requests.post(
        client.base_url + "/Reports/2009-01-01",
        data=params,
        headers={"User-Agent": "T/1 (Language=Python)"},
        timeout=5,
    )
    _expect(response, 403, "SignatureDoesNotMatch", tag="RequestID")


@pytest.mark.parametrize(
    ("overrides", "code", "contains"),
    [
        ({"SignatureVersion": "1"}, "InvalidParameterValue", "SignatureVersion is invalid"),
        ({"SignatureMethod": "HmacSHA512"}, "InvalidParameterValue", "SignatureMethod is invalid"),
        ({"Signature": None}, "MissingParameter", "the parameter Signature"),
        ({"SignatureMethod": None}, "MissingParameter", "the parameter SignatureMethod"),
        ({"Timestamp": None}, "MissingParameter", "the parameter Timestamp"),
        ({"Version": None}, "MissingParameter", "the parameter Version"),
        ({"Timestamp": "yesterday"}, "InvalidParameterValue", "Value (yesterday) for parameter"),
    ],
)
def test_authentication_parameters(client, overrides, code, contains):
    _expect(
        client.call("GetReportCount", **overrides), 400, code, tag="RequestID", contains=contains
    )


def test_missing_access_key(client):
    _expect(
        client.call("GetReportCount", AWSAccessKeyId=None),
        403,
        "MissingClientTokenId",
        tag="RequestID",
    )


def test_missing_action(client):
    _expect(
        client.call("GetReportCount", Action=None),
        400,
        "MissingParameter",
        tag="RequestID",
        message="The request must contain the parameter Action.",
    )


def test_timestamps_more_than_15_minutes_off_have_expired(client, clock):
    stale = client.call("GetReportCount", Timestamp="2018-09-23T10:04:57Z")
    _expect(
        stale,
        400,
        "RequestExpired",
        tag="RequestID",
        message="Request signature is too far in the past and has expired. "
        "Timestamp date: 2018-09-23T10:04:57Z",
    )
    now = clock.time()

    def stamp(offset):
        return datetime.fromtimestamp(now + offset, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert client.call("GetReportCount", Timestamp=stamp(-890)).status_code == 200
    assert client.call("GetReportCount", Timestamp=stamp(890)).status_code == 200
    _expect(
        client.call("GetReportCount", Timestamp=stamp(910)),
        400,
        "RequestExpired",
        tag="RequestID",
        contains="too far in the future",
    )
    # Expires instead of Timestamp: valid until then, not after.
    assert client.call("GetReportCount", Timestamp=None, Expires=stamp(60)).status_code == 200
    _expect(
        client.call("GetReportCount", Timestamp=None, Expires=stamp(-1)),
        400,
        "RequestExpired",
        tag="RequestID",
    )


@pytest.mark.parametrize(
    ("user_agent", "code"),
    [
        (None, "UserAgentHeaderMissing"),
        ("python-requests/2.34", "UserAgentHeaderMalformed"),
        ("App/1.0 (Platform=Linux)", "UserAgentHeaderLanguageAttributeMissing"),
        ("App/1.0 (Language=Python; X=" + "y" * 500 + ")", "UserAgentHeaderMaximumLengthExceeded"),
    ],
)
def test_user_agent_problems(client, user_agent, code):
    info = _expect(client.call("GetReportCount", user_agent=user_agent), 400, code, tag="RequestID")
    assert info.message.startswith("Problem with required MWS User-Agent header")


def test_seller_must_have_authorized_the_developer(client, make_client, sandbox):
    wrong_token = client.call("GetReportCount", MWSAuthToken="amzn.mws.not-the-token")
    _expect(wrong_token, 401, "AccessDenied", tag="RequestID", message="Access denied")
    no_token = client.call("GetReportCount", MWSAuthToken=None)
    _expect(
        no_token,
        401,
        "AccessDenied",
        tag="RequestID",
        message="Missing required MWSAuthToken for Seller.",
    )
    stranger = make_client(sandbox, seller=UNAUTHORIZED_SELLER)
    _expect(stranger.call("GetReportCount"), 401, "AccessDenied", tag="RequestID")
    other = make_client(sandbox, developer=OTHER_DEVELOPER)
    _expect(other.call("GetReportCount"), 401, "AccessDenied", tag="RequestID")
    unknown = make_client(sandbox, seller="A9NOSUCHSELLER")
    _expect(unknown.call("GetReportCount"), 401, "AccessDenied", tag="RequestID")


def test_seller_id_is_required(client):
    _expect(
        client.call("GetServiceStatus", SellerId=None, Merchant=SELLER),
        400,
        "InvalidParameterValue",
        ns=NS_SELLERS,
        tag="RequestID",
        message="Missing required parameter SellerId.",
    )


def test_addresses(client):
    no_version = client.call("GetServiceStatus", path="/Sellers/")
    _expect(
        no_version,
        404,
        "InvalidAddress",
        ns=NS_ENDPOINT,
        tag="RequestID",
        message="Resource /Sellers/ is not found on this server. API Version is missing",
    )
    _expect(
        client.call("GetServiceStatus", path="/Sellers/2009-01-01"),
        404,
        "InvalidAddress",
        ns=NS_ENDPOINT,
        tag="RequestID",
    )
    _expect(
        client.call("GetReportCount", path="/Orders/2013-09-01"),
        404,
        "InvalidAddress",
        ns=NS_ENDPOINT,
        tag="RequestID",
    )
    # A Feeds operation is not served by the Reports path, nor a Sellers one by "/".
    _expect(
        client.call("GetFeedSubmissionCount", path="/Reports/2009-01-01"),
        404,
        "InvalidAddress",
        ns=NS_ENDPOINT,
        tag="RequestID",
    )
    _expect(
        client.call("GetServiceStatus", path="/"),
        404,
        "InvalidAddress",
        ns=NS_ENDPOINT,
        tag="RequestID",
    )
    _expect(
        client.call("GetReportCount", Version="2011-07-01"),
        404,
        "InvalidAddress",
        ns=NS_ENDPOINT,
        tag="RequestID",
    )


def test_unknown_operation(client):
    _expect(client.call("GetReportz"), 400, "InvalidAction", tag="RequestID")


def test_query_string_value_with_an_equals_sign(client, sandbox):
    response = requests.post(
        sandbox.url + "/?Action=GetReportCount&Signature=abc==",
        headers={"User-Agent": "T/1 (Language=Python)"},
        timeout=5,
    )
    _expect(
        response,
        400,
        "InvalidParameterValue",
        ns=NS_ENDPOINT,
        tag="RequestID",
        message="Invalid query string provided - Signature=abc== is not valid; the value of a "
        "query string parameter may not contain a '=' delimiter",
    )


def test_unknown_parameters_and_limits(client):
    _expect(
        client.call("GetReportCount", {"Colour": "blue"}),
        400,
        "InvalidQueryParameter",
        tag="RequestId",
    )
    _expect(
        client.call("GetReportList", {"MaxCount": "101"}),
        400,
        "InvalidParameterValue",
        tag="RequestId",
        contains="MaxCount",
    )
    _expect(
        client.call("GetReportList", {"MaxCount": "ten"}),
        400,
        "InvalidParameterValue",
        tag="RequestId",
    )
    ids = {f"ReportRequestIdList.Id.{n}": str(n) for n in range(1, 102)}
    _expect(
        client.call("GetReportRequestList", ids),
        400,
        "InvalidParameterValue",
        tag="RequestId",
        contains="At most 100",
    )
    _expect(client.call("GetReport"), 400, "MissingParameter", tag="RequestId")
    _expect(
        client.call("GetReportList", {"Acknowledged": "maybe"}),
        400,
        "InvalidParameterValue",
        tag="RequestId",
    )


def test_enumerations_have_their_own_codes(client):
    _expect(
        client.call("RequestReport", {"ReportType": "_GET_NOTHING_"}),
        400,
        "InvalidReportType",
        tag="RequestId",
    )
    _expect(
        client.call("GetReportList", {"ReportTypeList.Type.1": "_GET_NOTHING_"}),
        400,
        "InvalidReportType",
        tag="RequestId",
    )
    _expect(
        client.call(
            "ManageReportSchedule",
            {"ReportType": "_GET_ORDERS_DATA_", "Schedule": "_7_DAYS_"},
        ),
        400,
        "InvalidScheduleFrequency",
        tag="RequestId",
    )
    _expect(
        client.call("GetFeedSubmissionList", {"FeedTypeList.Type.1": "_POST_NOTHING_"}),
        400,
        "InvalidFeedType",
        tag="RequestId",
    )
    _expect(
        client.call(
            "SubmitFeed",
            {"FeedType": "_POST_NOTHING_", "ContentMD5Value": "1B2M2Y8AsgTpgAmY7PhCfg=="},
            body=b"",
        ),
        400,
        "InvalidFeedType",
        tag="RequestId",
    )
    _expect(
        client.call("GetReportRequestList", {"ReportProcessingStatusList.Status.1": "_DONE"}),
        400,
        "InvalidParameterValue",
        tag="RequestId",
    )
    _expect(
        client.call("RequestReport", {"ReportType": "_GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_"}),
        400,
        "InvalidReportType",
        tag="RequestId",
        contains="cannot be requested",
    )


def test_marketplaces_must_be_the_sellers(client):
    _expect(
        client.call(
            "RequestReport",
            {
                "ReportType": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_",
                "MarketplaceIdList.Id.1": "A1PA6795UKMFR9",
            },
        ),
        400,
        "InvalidParameterValue",
        tag="RequestId",
    )


def test_the_sandbox_counts_calls_by_outcome(client, sandbox):
    client.call("GetReportCount")
    client.call("GetReportCount", MWSAuthToken="amzn.mws.wrong")
    rows = requests.get(sandbox.url + "/_sandbox/calls", timeout=5).json()["calls"]
    assert {"seller_id": "", "action": "GetReportCount", "status": 401, "code": "AccessDenied",
            "count": 1} in rows  # fmt: skip
    assert {"seller_id": SELLER, "action": "GetReportCount", "status": 200, "code": "",
            "count": 1} in rows  # fmt: skip
    assert requests.delete(sandbox.url + "/_sandbox/calls", timeout=5).json() == {"calls": []}


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/", "/Reports/2009-01-01", "/Feeds/2009-01-01"])
def test_methods_other_than_get_and_post_are_refused(sandbox, method, path):
    answer = requests.request(method, sandbox.url + path, timeout=5)
    assert answer.status_code == 405
    assert "MWS takes GET or POST" in answer.json()["error"]
