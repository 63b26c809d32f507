"""Feed life cycles over HTTP: Content-MD5 checks, statuses, results, catalogue changes."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import requests

from tests.integration.sandbox.conftest import EU_SELLER, EU_TOKEN, SELLER
from tests.integration.sandbox.signed_client import children, error, text, texts, xml

INVENTORY = "_POST_INVENTORY_AVAILABILITY_DATA_"


def md5(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324


def inventory_feed(sku: str, quantity: int) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">
  <Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>{SELLER}</MerchantIdentifier></Header>
  <MessageType>Inventory</MessageType>
  <Message>
    <MessageID>1</MessageID>
    <OperationType>Update</OperationType>
    <Inventory><SKU>{sku}</SKU><Quantity>{quantity}</Quantity><FulfillmentLatency>1</FulfillmentLatency></Inventory>
  </Message>
</AmazonEnvelope>
""".encode()  # noqa: E501


def submit(client, body: bytes, feed_type: str = INVENTORY, **extra):
    params = {"FeedType": feed_type, "ContentMD5Value": md5(body), **extra}
    return client.call("SubmitFeed", params, body=body, headers={"Content-Type": "text/xml"})


def feed_info(client, submission_id: str) -> dict[str, str]:
    root = xml(client.call("GetFeedSubmissionList", {"FeedSubmissionIdList.Id.1": submission_id}))
    (info,) = children(root, "FeedSubmissionInfo")
    return {child.tag.rsplit("}", 1)[-1]: child.text for child in info}


def test_a_feed_is_submitted_processed_and_its_result_downloaded(client, clock, sandbox):
    body = inventory_feed("NOT-A-REAL-SKU", 5)
    response = submit(client, body)
    assert response.status_code == 200, response.text
    assert b"\n" not in response.content.split(b"?>", 1)[1].strip()  # one line, like MWS
    assert response.headers["x-amz-request-id"] == response.headers["x-mws-request-id"]
    assert response.headers["x-mws-quota-max"] == "30.0"
    submission_id = text(xml(response), "FeedSubmissionId")
    assert text(xml(response), "FeedProcessingStatus") == "_SUBMITTED_"

    not_ready = error(client.call("GetFeedSubmissionResult", {"FeedSubmissionId": submission_id}))
    assert (not_ready.code, not_ready.request_id_tag) == (
        "FeedProcessingResultNotReady",
        "RequestID",
    )
    assert not_ready.message == (
        f"Feed Submission Result is not ready for Feed Submission Id: {submission_id}"
    )
    assert "StartedProcessingDate" not in feed_info(client, submission_id)

    clock.advance(10)
    info = feed_info(client, submission_id)
    assert info["FeedProcessingStatus"] == "_IN_PROGRESS_"
    assert "CompletedProcessingDate" not in info

    clock.advance(30)
    info = feed_info(client, submission_id)
    assert info["FeedProcessingStatus"] == "_DONE_"
    assert info["CompletedProcessingDate"] >= info["StartedProcessingDate"]

    result = client.call("GetFeedSubmissionResult", {"FeedSubmissionId": submission_id})
    assert result.status_code == 200
    assert result.headers["Content-MD5"] == md5(result.content)
    assert result.headers["x-amz-request-id"] == result.headers["x-mws-request-id"]
    assert result.headers["Content-Type"].startswith("text/xml")
    assert submission_id.encode() in result.content

    (record,) = requests.get(sandbox.url + "/_sandbox/feeds", timeout=5).json()["feeds"]
    assert record["feed_submission_id"] == submission_id
    assert record["content_md5"] == md5(body)
    assert record["size"] == len(body)
    assert record["status"] == "_DONE_"
    assert record["marketplaces"] == ["ATVPDKIKX0DER"]
    assert record["messages_processed"] == 1


def test_content_md5_is_required_and_checked(client):
    body = inventory_feed("SKU-1", 1)
    missing = client.call("SubmitFeed", {"FeedType": INVENTORY}, body=body)
    assert (error(missing).status, error(missing).code) == (400, "ContentMD5Missing")
    wrong = client.call(
        "SubmitFeed",
        {"FeedType": INVENTORY, "ContentMD5Value": "1B2M2Y8AsgTpgAmY7PhCfg=="},
        body=body,
    )
    info = error(wrong)
    assert info.code == "ContentMD5DoesNotMatch"
    assert info.message == (
        "The Content-MD5 HTTP header you passed for your feed (1B2M2Y8AsgTpgAmY7PhCfg==) did "
        f"not match the Content-MD5 we calculated for your feed ({md5(body)})"
    )
    # The older Content-MD5 header is accepted instead of the parameter.
    header = client.call(
        "SubmitFeed", {"FeedType": INVENTORY}, body=body, headers={"Content-MD5": md5(body)}
    )
    assert header.status_code == 200, header.text
    assert text(xml(client.call("GetFeedSubmissionCount")), "Count") == "1"


def test_a_large_feed_streams_in_with_chunked_transfer_encoding(client, sandbox):
    piece = b"sku\tprice\tquantity\n" + b"ABC-00001\t9.99\t5\n" * 4000
    total = hashlib.md5()  # noqa: S324
    count = 200
    for _ in range(count):
        total.update(piece)

    def chunks():
        for _ in range(count):
            yield piece

    response = client.call(
        "SubmitFeed",
        {
            "FeedType": "_POST_FLAT_FILE_INVLOADER_DATA_",
            "ContentMD5Value": base64.b64encode(total.digest()).decode(),
        },
        body=chunks(),
        headers={"Content-Type": "text/tab-separated-values; charset=iso-8859-1"},
    )
    assert response.status_code == 200, response.text
    (record,) = requests.get(sandbox.url + "/_sandbox/feeds", timeout=5).json()["feeds"]
    assert record["size"] == len(piece) * count
    assert record["content_type"] == "text/tab-separated-values; charset=iso-8859-1"


def test_feeds_of_one_type_are_processed_one_after_another(client, clock):
    first = text(xml(submit(client, inventory_feed("A", 1))), "FeedSubmissionId")
    second = text(xml(submit(client, inventory_feed("B", 1))), "FeedSubmissionId")
    clock.advance(10)
    assert feed_info(client, first)["FeedProcessingStatus"] == "_IN_PROGRESS_"
    assert feed_info(client, second)["FeedProcessingStatus"] == "_SUBMITTED_"
    clock.advance(30)
    assert feed_info(client, first)["FeedProcessingStatus"] == "_DONE_"
    assert feed_info(client, second)["FeedProcessingStatus"] == "_IN_PROGRESS_"
    clock.advance(30)
    assert feed_info(client, second)["FeedProcessingStatus"] == "_DONE_"


def test_cancelling_a_submitted_feed(client, clock):
    submission_id = text(xml(submit(client, inventory_feed("A", 1))), "FeedSubmissionId")
    response = client.call("CancelFeedSubmissions", {"FeedTypeList.Type.1": INVENTORY})
    root = xml(response)
    assert text(root, "Count") == "1"
    assert text(root, "FeedProcessingStatus") == "_CANCELLED_"
    clock.advance(60)
    assert feed_info(client, submission_id)["FeedProcessingStatus"] == "_CANCELLED_"
    canceled = error(client.call("GetFeedSubmissionResult", {"FeedSubmissionId": submission_id}))
    assert canceled.code == "FeedCanceled"
    unknown = client.call("CancelFeedSubmissions", {"FeedSubmissionIdList.Id.1": "1"})
    assert error(unknown).code == "InvalidFeedSubmissionId"


def test_another_sellers_feed_result_is_denied(sandbox, client, make_client, clock):
    submission_id = text(xml(submit(client, inventory_feed("A", 1))), "FeedSubmissionId")
    clock.advance(60)
    eu = make_client(sandbox, seller=EU_SELLER, token=EU_TOKEN)
    denied = eu.call("GetFeedSubmissionResult", {"FeedSubmissionId": submission_id})
    assert error(denied).code == "AccessToFeedProcessingResultDenied"
    unknown = client.call("GetFeedSubmissionResult", {"FeedSubmissionId": "42"})
    assert error(unknown).code == "InvalidFeedSubmissionId"


def test_feed_listing_filters(client, clock):
    submit(client, inventory_feed("A", 1))
    clock.advance(60)
    submit(client, b"sku\tprice\n", "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_")
    by_type = xml(client.call("GetFeedSubmissionList", {"FeedTypeList.Type.1": INVENTORY}))
    assert texts(by_type, "FeedType") == [INVENTORY]
    by_status = xml(
        client.call("GetFeedSubmissionList", {"FeedProcessingStatusList.Status.1": "_SUBMITTED_"})
    )
    assert texts(by_status, "FeedType") == ["_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_"]
    recent = xml(
        client.call(
            "GetFeedSubmissionCount",
            {"SubmittedFromDate": _iso(clock.time() - 30)},
        )
    )
    assert text(recent, "Count") == "1"


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_an_inventory_feed_shows_in_the_next_listings_report(client, clock):
    requested = client.call("RequestReport", {"ReportType": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"})
    request_id = text(xml(requested), "ReportRequestId")
    clock.advance(30)
    listed = xml(client.call("GetReportRequestList", {"ReportRequestIdList.Id.1": request_id}))
    earlier_id = text(listed, "GeneratedReportId")
    before = client.call("GetReport", {"ReportId": earlier_id})
    sku = before.content.decode("cp1252").splitlines()[1].split("\t")[0]

    submission_id = text(xml(submit(client, inventory_feed(sku, 777))), "FeedSubmissionId")
    clock.advance(40)
    assert feed_info(client, submission_id)["FeedProcessingStatus"] == "_DONE_"

    requested = client.call("RequestReport", {"ReportType": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"})
    request_id = text(xml(requested), "ReportRequestId")
    clock.advance(30)
    listed = xml(client.call("GetReportRequestList", {"ReportRequestIdList.Id.1": request_id}))
    after = client.call("GetReport", {"ReportId": text(listed, "GeneratedReportId")})
    rows = {
        line.split("\t")[0]: line.split("\t")
        for line in after.content.decode("cp1252").splitlines()[1:]
    }
    assert rows[sku][3] == "777"
    # The earlier report still shows what it showed.
    assert client.call("GetReport", {"ReportId": earlier_id}).content == before.content
