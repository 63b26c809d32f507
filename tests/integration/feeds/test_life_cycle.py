"""Feeds from upload to parsed processing report, against the sandbox."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage

from feeds import services
from feeds.models import FeedMessageResult, FeedSubmission
from mwsclient.checksums import content_md5
from mwsportal.gateway.models import MWSCall
from tests.integration.feeds.support import (
    US,
    US_SELLER,
    finished,
    inventory_xml,
    mfn_skus,
    pump_until,
    reaches,
)

pytestmark = pytest.mark.django_db(transaction=True)

State = FeedSubmission.State


def upload(seller, body: bytes, feed_type: str, filename: str = "feed.xml", **options):
    return services.upload_feed(
        seller, source=io.BytesIO(body), filename=filename, feed_type=feed_type, **options
    )


def test_an_xml_feed_is_stored_sent_tracked_and_its_errors_mapped_to_skus(us_seller, sandbox):
    (known,) = mfn_skus(sandbox, 1)
    body = inventory_xml(US_SELLER, [(known, 41), ("NO-SUCH-SKU-1", 3)])
    feed = upload(us_seller, body, "_POST_INVENTORY_AVAILABILITY_DATA_", marketplace_ids=[US])

    with default_storage.open(feed.file, "rb") as stored:
        assert stored.read() == body  # stored before anything was sent

    finished(feed)
    assert feed.state == State.COMPLETE, feed.state_message
    assert feed.processing_status == "_DONE_"
    (record,) = sandbox.state.feed_records()
    assert record["feed_submission_id"] == feed.feed_submission_id
    assert record["content_md5"] == feed.content_md5
    assert record["content_type"] == "text/xml"
    assert record["marketplaces"] == [US]
    assert (feed.messages_processed, feed.messages_successful, feed.messages_with_error) == (
        2,
        1,
        1,
    )
    (error,) = feed.results.all()
    assert (error.message_id, error.sku, error.code, error.severity) == (
        2,
        "NO-SUCH-SKU-1",
        "13013",
        FeedMessageResult.Severity.ERROR,
    )
    with default_storage.open(feed.report_file, "rb") as report:
        assert feed.feed_submission_id.encode() in report.read()
    assert feed.report_content_type.startswith("text/xml")
    listing = sandbox.state.books[US_SELLER].catalogue(US).get(known)
    assert listing.quantity == 41


def test_a_flat_file_feed_reports_errors_by_record_and_sku(us_seller, sandbox):
    first, second = mfn_skus(sandbox, 2)
    body = (f"sku\tprice\tquantity\n{first}\t\t12\nUNKNOWN-FLAT-SKU\t\t5\n{second}\t\t7\n").encode(
        "iso-8859-1"
    )
    feed = upload(
        us_seller, body, "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_", filename="pq.txt"
    )
    finished(feed)
    assert feed.state == State.COMPLETE, feed.state_message
    (record,) = sandbox.state.feed_records()
    assert record["content_type"] == "text/tab-separated-values; charset=iso-8859-1"
    assert feed.messages_processed == 3
    assert feed.messages_with_error == 1
    (error,) = feed.results.all()
    assert (error.message_id, error.sku, error.severity) == (2, "UNKNOWN-FLAT-SKU", "error")
    assert error.code
    catalogue = sandbox.state.books[US_SELLER].catalogue(US)
    assert (catalogue.get(first).quantity, catalogue.get(second).quantity) == (12, 7)


def test_a_lost_answer_is_reconciled_and_the_feed_adopted_not_sent_twice(us_seller, sandbox):
    from mwssandbox.faults import parse_rule

    sandbox.faults.add([parse_rule({"kind": "reset", "actions": ["SubmitFeed"], "count": 1})])
    (known,) = mfn_skus(sandbox, 1)
    feed = upload(
        us_seller, inventory_xml(US_SELLER, [(known, 9)]), "_POST_INVENTORY_AVAILABILITY_DATA_"
    )
    finished(feed)

    assert feed.state == State.COMPLETE, feed.state_message
    (record,) = sandbox.state.feed_records()  # one submission reached MWS, never two
    assert feed.feed_submission_id == record["feed_submission_id"]
    assert feed.send_attempts == 1
    assert feed.reconcile_attempts >= 1
    submits = MWSCall.objects.filter(operation="SubmitFeed")
    assert [c.state for c in submits] == [MWSCall.State.UNKNOWN]


def test_a_send_that_never_arrived_is_sent_again_once_none_can_exist(us_seller, sandbox):
    from mwssandbox.faults import parse_rule

    # A 500 instead of processing: MWS never stored this feed, but the portal cannot know.
    sandbox.faults.add(
        [parse_rule({"kind": "internal_error", "actions": ["SubmitFeed"], "count": 1})]
    )
    (known,) = mfn_skus(sandbox, 1)
    feed = upload(
        us_seller, inventory_xml(US_SELLER, [(known, 5)]), "_POST_INVENTORY_AVAILABILITY_DATA_"
    )
    finished(feed)

    assert feed.state == State.COMPLETE, feed.state_message
    (record,) = sandbox.state.feed_records()
    assert feed.feed_submission_id == record["feed_submission_id"]
    assert feed.send_attempts == 2
    states = list(
        MWSCall.objects.filter(operation="SubmitFeed")
        .order_by("pk")
        .values_list("state", flat=True)
    )
    assert states == [MWSCall.State.UNKNOWN, MWSCall.State.SUCCEEDED]


def test_a_feed_of_the_same_type_waits_while_the_first_is_unknown(us_seller, sandbox):
    from mwssandbox.faults import parse_rule

    sandbox.faults.add([parse_rule({"kind": "reset", "actions": ["SubmitFeed"], "count": 1})])
    first_sku, second_sku = mfn_skus(sandbox, 2)
    feed_type = "_POST_INVENTORY_AVAILABILITY_DATA_"
    first = upload(us_seller, inventory_xml(US_SELLER, [(first_sku, 1)]), feed_type)
    second = upload(us_seller, inventory_xml(US_SELLER, [(second_sku, 2)]), feed_type)
    second.refresh_from_db()
    assert second.state == State.WAITING

    finished(first)
    finished(second)
    assert (first.state, second.state) == (State.COMPLETE, State.COMPLETE)
    records = sandbox.state.feed_records()
    assert len(records) == 2
    assert {r["feed_submission_id"] for r in records} == {
        first.feed_submission_id,
        second.feed_submission_id,
    }


@pytest.fixture
def slow_sandbox_delays(sandbox_delays):
    # Amazon takes its time to start: the feeds stay _SUBMITTED_, so they can be cancelled.
    sandbox_delays.update(feed_submitted=100_000)
    return sandbox_delays


def test_cancel_names_only_the_chosen_feed(slow_sandbox_delays, us_seller, sandbox):
    first_sku, second_sku = mfn_skus(sandbox, 2)
    feed_type = "_POST_INVENTORY_AVAILABILITY_DATA_"
    keep = upload(us_seller, inventory_xml(US_SELLER, [(first_sku, 1)]), feed_type)
    cancel = upload(us_seller, inventory_xml(US_SELLER, [(second_sku, 2)]), feed_type)
    pump_until(reaches(cancel, State.SUBMITTED))
    cancel.refresh_from_db()
    assert cancel.can_cancel

    services.cancel_feed(cancel)
    pump_until(reaches(cancel, State.CANCELLED))

    (call,) = MWSCall.objects.filter(operation="CancelFeedSubmissions")
    assert call.params == {"FeedSubmissionIdList": [cancel.feed_submission_id]}
    statuses = {r["feed_submission_id"]: r["status"] for r in sandbox.state.feed_records()}
    keep.refresh_from_db()
    assert statuses == {
        keep.feed_submission_id: "_SUBMITTED_",
        cancel.feed_submission_id: "_CANCELLED_",
    }
    assert keep.state == State.SUBMITTED
    assert cancel.processing_status == "_CANCELLED_"


def test_a_report_whose_md5_does_not_match_is_not_kept(us_seller, sandbox):
    from mwssandbox.faults import parse_rule

    sandbox.faults.add(
        [parse_rule({"kind": "wrong_md5", "actions": ["GetFeedSubmissionResult"], "count": 1})]
    )
    (known,) = mfn_skus(sandbox, 1)
    feed = upload(
        us_seller, inventory_xml(US_SELLER, [(known, 6)]), "_POST_INVENTORY_AVAILABILITY_DATA_"
    )
    finished(feed)
    assert feed.state == State.COMPLETE, feed.state_message
    fetches = MWSCall.objects.filter(operation="GetFeedSubmissionResult")
    assert sum(c.attempts for c in fetches) >= 2  # the mismatched download was fetched again
    with default_storage.open(feed.report_file, "rb") as report:
        assert content_md5(report.read()) == feed.report_md5
    assert feed.messages_processed == 1


def test_a_japanese_flat_file_goes_in_shift_jis_and_its_report_is_read(jp_seller, sandbox):
    from tests.integration.feeds.support import JP, JP_SELLER

    (known,) = mfn_skus(sandbox, 1, JP_SELLER, JP)
    body = f"sku\tprice\tquantity\n{known}\t\t8\n不明なSKU\t\t1\n".encode("shift_jis")
    feed = upload(jp_seller, body, "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_", "jp.txt")
    finished(feed)
    assert feed.state == State.COMPLETE, feed.state_message
    (record,) = sandbox.state.feed_records()
    assert record["content_type"] == "text/tab-separated-values; charset=Shift_JIS"
    assert (feed.messages_processed, feed.messages_successful) == (2, 1)
    (error,) = feed.results.all()
    assert (error.sku, error.severity) == ("不明なSKU", "error")


def test_localized_error_types_count_as_errors(de_seller, sandbox):
    from tests.integration.feeds.support import DE, DE_SELLER

    (known,) = mfn_skus(sandbox, 1, DE_SELLER, DE)
    body = f"sku\tprice\tquantity\n{known}\t\t8\nUNBEKANNT-1\t\t1\n".encode("iso-8859-1")
    feed = upload(de_seller, body, "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_", "de.txt")
    finished(feed)
    (error,) = feed.results.all()
    assert (error.sku, error.result_type, error.severity) == ("UNBEKANNT-1", "Fehler", "error")
    assert feed.messages_with_error == 1


def test_a_feed_file_changed_in_storage_is_failed_and_never_sent(us_seller, sandbox):
    body = inventory_xml(US_SELLER, [("SKU-CHANGED-1", 5)])
    feed = upload(us_seller, body, "_POST_INVENTORY_AVAILABILITY_DATA_", marketplace_ids=[US])
    # Corrupted in storage after the upload took its MD5, before the gateway sends it.
    path = default_storage.path(feed.file)
    with open(path, "r+b") as stored:
        stored.seek(len(body) // 2)
        stored.write(b"#")

    finished(feed)
    assert feed.state == State.FAILED
    assert feed.state_message.startswith("Not sent: the stored feed file no longer matches")
    assert sandbox.state.feed_records() == []
    submitted = {row["action"] for row in sandbox.state.calls.rows()}
    assert "SubmitFeed" not in submitted
    (call,) = MWSCall.objects.filter(operation="SubmitFeed")
    assert call.state == MWSCall.State.FAILED
    assert call.params["ContentMD5Value"] == feed.content_md5 == content_md5(body)
