"""Feed services without a sandbox: what they ask the gateway for, and what answers do."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone

from feeds import reconciliation, services
from feeds.checks import FeedRefused
from feeds.models import FeedSubmission
from mwsclient.errors import NextTokenCorruptedError, NotReadyError, TransportError
from mwsclient.results import (
    FeedSubmissionInfo,
    FeedSubmissionListResult,
    SubmitFeedResult,
)
from mwsportal.gateway.handlers import MAX_PAGING_RESTARTS, CallOutcome
from mwsportal.gateway.models import MWSCall
from tests.factories import FEED_BODY, FeedSubmissionFactory

pytestmark = pytest.mark.django_db
State = FeedSubmission.State
INVENTORY = "_POST_INVENTORY_AVAILABILITY_DATA_"


def calls(operation: str) -> list[MWSCall]:
    return list(MWSCall.objects.filter(operation=operation).order_by("pk"))


def info(submission_id: str, status: str = "_SUBMITTED_", **extra) -> FeedSubmissionInfo:
    return FeedSubmissionInfo(
        submission_id, extra.pop("feed_type", INVENTORY), status, extra.pop("submitted", None)
    )


def outcome_of(call: MWSCall, state: str, **fields) -> CallOutcome:
    call.state = state
    call.sent_at = call.sent_at or timezone.now()
    return CallOutcome(call, **fields)


@pytest.fixture(autouse=True)
def _run_on_commit(django_capture_on_commit_callbacks):
    """What is sent after commit is sent at once, as a committed request would."""
    global _capture
    _capture = django_capture_on_commit_callbacks


def upload(seller, body: bytes = FEED_BODY, feed_type: str = INVENTORY, **options):
    with _capture(execute=True):
        return services.upload_feed(
            seller, source=io.BytesIO(body), filename="f.xml", feed_type=feed_type, **options
        )


def test_an_upload_is_stored_then_submit_feed_asked_for_with_its_file(seller):
    feed = upload(seller, marketplace_ids=["ATVPDKIKX0DER"])
    feed.refresh_from_db()
    assert feed.state == State.SENDING
    (call,) = calls("SubmitFeed")
    assert call.upload == feed.file
    assert call.params == {
        "FeedType": INVENTORY,
        "ContentMD5Value": feed.content_md5,
        "MarketplaceIdList": ["ATVPDKIKX0DER"],
    }
    assert call.context == {"feed": feed.pk}


def test_options_mws_would_refuse_are_refused_before_storing(seller):
    with pytest.raises(FeedRefused, match="PurgeAndReplace does not apply"):
        upload(seller, purge_and_replace=True)
    with pytest.raises(FeedRefused, match="not a marketplace of this seller"):
        upload(seller, marketplace_ids=["A1PA6795UKMFR9"])
    with pytest.raises(
        FeedRefused, match=r"US on mws\.amazonservices\.com; CA on mws\.amazonservices\.ca"
    ):
        upload(seller, marketplace_ids=["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"])
    assert not FeedSubmission.objects.exists()
    assert not calls("SubmitFeed")


def test_a_purge_goes_out_for_a_type_that_allows_it(seller):
    body = b"sku\tprice\tquantity\nA\t1.00\t2\n"
    upload(seller, body, "_POST_FLAT_FILE_INVLOADER_DATA_", purge_and_replace=True)
    (call,) = calls("SubmitFeed")
    assert call.params["PurgeAndReplace"] is True


def test_a_second_feed_of_a_type_waits_until_the_first_is_known(seller):
    first = upload(seller)
    second = upload(seller)
    other_type = upload(
        seller, FEED_BODY.replace(b"Inventory", b"Price"), "_POST_PRODUCT_PRICING_DATA_"
    )
    second.refresh_from_db()
    other_type.refresh_from_db()
    assert (second.state, other_type.state) == (State.WAITING, State.SENDING)
    assert len(calls("SubmitFeed")) == 2

    # The first one's answer is lost: the second still waits.
    services.on_submitted(
        outcome_of(calls("SubmitFeed")[0], "unknown_outcome", error=TransportError("reset"))
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (State.UNKNOWN, State.WAITING)
    (reconcile,) = calls("GetFeedSubmissionList")
    assert reconcile.params["FeedTypeList"] == [INVENTORY]
    assert "FeedSubmissionIdList" not in reconcile.params

    # Adopted: now the second goes out.
    listing = FeedSubmissionListResult((info("5001", submitted=first.sent_at),), False, None)
    services.on_reconciled(outcome_of(reconcile, "succeeded", result=listing))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.feed_submission_id) == (State.SUBMITTED, "5001")
    assert second.state == State.SENDING
    assert len(calls("SubmitFeed")) == 3


def test_reconciliation_ignores_known_ids_other_types_and_older_feeds(seller, settings):
    settings.FEED_RECONCILE_SETTLE_SECONDS = 0
    FeedSubmissionFactory(seller=seller, state=State.COMPLETE, feed_submission_id="4000")
    feed = upload(seller)
    services.on_submitted(outcome_of(calls("SubmitFeed")[0], "unknown_outcome"))
    feed.refresh_from_db()
    listing = FeedSubmissionListResult(
        (
            info("4000", submitted=feed.sent_at),
            info("4001", submitted=feed.sent_at, feed_type="_POST_PRODUCT_DATA_"),
            info("4002", submitted=feed.sent_at - timedelta(hours=1)),
        ),
        False,
        None,
    )
    services.on_reconciled(
        outcome_of(calls("GetFeedSubmissionList")[0], "succeeded", result=listing)
    )
    feed.refresh_from_db()
    # None of them can be ours, and the listing was made at once: sent again.
    assert feed.state == State.SENDING
    assert feed.send_attempts == 2
    assert len(calls("SubmitFeed")) == 2


def test_an_early_empty_listing_is_not_enough_to_send_again(seller, settings):
    settings.FEED_RECONCILE_SETTLE_SECONDS = 600
    feed = upload(seller)
    services.on_submitted(outcome_of(calls("SubmitFeed")[0], "unknown_outcome"))
    first_listing = calls("GetFeedSubmissionList")[0]
    empty = FeedSubmissionListResult((), False, None)
    services.on_reconciled(outcome_of(first_listing, "succeeded", result=empty))
    feed.refresh_from_db()
    assert feed.state == State.UNKNOWN
    assert len(calls("SubmitFeed")) == 1
    later = calls("GetFeedSubmissionList")[-1]
    assert later.pk != first_listing.pk
    assert later.available_at >= feed.sent_at + timedelta(seconds=600)


def test_a_failed_listing_never_sends_again(seller):
    feed = upload(seller)
    services.on_submitted(outcome_of(calls("SubmitFeed")[0], "unknown_outcome"))
    services.on_reconciled(
        outcome_of(calls("GetFeedSubmissionList")[0], "failed", error=TransportError("down"))
    )
    feed.refresh_from_db()
    assert feed.state == State.UNKNOWN
    assert len(calls("SubmitFeed")) == 1


def test_handlers_are_safe_to_run_twice(seller):
    feed = upload(seller)
    call = calls("SubmitFeed")[0]
    result = SubmitFeedResult(info("777"))
    services.on_submitted(outcome_of(call, "succeeded", result=result))
    services.on_submitted(outcome_of(call, "unknown_outcome"))
    feed.refresh_from_db()
    assert (feed.state, feed.feed_submission_id) == (State.SUBMITTED, "777")
    # The first answer queued the early check of the new submission; the second nothing.
    (follow_up,) = calls("GetFeedSubmissionList")
    assert follow_up.params["FeedSubmissionIdList"] == ["777"]
    assert follow_up.dedupe_key.startswith("feeds.follow-up:")


def test_all_open_feeds_of_a_seller_are_polled_in_one_call_per_hundred(seller):
    for n in range(150):
        FeedSubmissionFactory(
            seller=seller, state=State.SUBMITTED, feed_submission_id=str(9000 + n)
        )
    FeedSubmissionFactory(seller=seller, state=State.COMPLETE, feed_submission_id="1")
    services.poll_seller(seller)
    services.poll_seller(seller)  # a second tick while the first calls wait: nothing new
    first, second = calls("GetFeedSubmissionList")
    assert first.params["FeedSubmissionIdList"] == [str(9000 + n) for n in range(100)]
    assert second.params["FeedSubmissionIdList"] == [str(9000 + n) for n in range(100, 150)]
    assert first.params["MaxCount"] == 100


def test_a_done_feed_fetches_its_report_once(seller):
    feed = FeedSubmissionFactory(seller=seller, state=State.SUBMITTED, feed_submission_id="42")
    (poll,) = services.poll_seller(seller)
    listing = FeedSubmissionListResult((info("42", "_DONE_"),), False, None)
    services.on_polled(outcome_of(poll, "succeeded", result=listing))
    feed.refresh_from_db()
    assert (feed.state, feed.processing_status) == (State.FETCHING, "_DONE_")
    services.sync_seller(seller)
    (fetch,) = calls("GetFeedSubmissionResult")
    assert fetch.params == {"FeedSubmissionId": "42"}

    services.on_result(outcome_of(fetch, "failed", error=NotReadyError("not yet")))
    feed.refresh_from_db()
    assert feed.state == State.FETCHING  # asked again on a later tick


def test_cancel_names_the_feed_explicitly(seller):
    feed = FeedSubmissionFactory(
        seller=seller,
        state=State.SUBMITTED,
        feed_submission_id="31",
        processing_status="_SUBMITTED_",
    )
    FeedSubmissionFactory(
        seller=seller,
        state=State.SUBMITTED,
        feed_submission_id="32",
        processing_status="_SUBMITTED_",
    )
    services.cancel_feed(feed)
    (cancel,) = calls("CancelFeedSubmissions")
    assert cancel.params == {"FeedSubmissionIdList": ["31"]}
    result = type("R", (), {"feed_submission_info": (info("31", "_CANCELLED_"),)})()
    services.on_cancelled(outcome_of(cancel, "succeeded", result=result))
    feed.refresh_from_db()
    assert feed.state == State.CANCELLED


@pytest.mark.parametrize("ids", [[], [""], ["31", ""]])
def test_cancel_is_never_sent_without_explicit_ids(ids):
    with pytest.raises(ValueError, match="explicit FeedSubmissionIds"):
        services.cancel_params(ids)


def test_a_started_feed_cannot_be_cancelled_and_a_waiting_one_is_cancelled_locally(seller):
    started = FeedSubmissionFactory(
        seller=seller,
        state=State.SUBMITTED,
        feed_submission_id="9",
        processing_status="_IN_PROGRESS_",
    )
    with pytest.raises(services.FeedActionRefused):
        services.cancel_feed(started)
    waiting = FeedSubmissionFactory(seller=seller, state=State.WAITING)
    services.cancel_feed(waiting)
    waiting.refresh_from_db()
    assert waiting.state == State.CANCELLED
    assert not calls("CancelFeedSubmissions")


def test_a_built_draft_is_stored_for_review_and_sent_only_when_submitted(seller):
    feed = services.build_feed(seller, kind="inventory", table="A-1,5\nB-2,0,3\n")
    assert feed.state == State.DRAFT
    assert not calls("SubmitFeed")
    with _capture(execute=True):
        services.submit_feed(feed)
    feed.refresh_from_db()
    assert feed.state == State.SENDING
    with pytest.raises(services.FeedActionRefused):
        services.submit_feed(feed)
    assert len(calls("SubmitFeed")) == 1


def test_feeds_of_a_seller_whose_authorization_was_removed_fail_with_a_reason(seller):
    from sellers.models import Seller

    queued = FeedSubmissionFactory(seller=seller, state=State.WAITING)
    seller.status = Seller.Status.REMOVED
    seller.save()
    feed = upload(seller)
    feed.refresh_from_db()
    queued.refresh_from_db()
    assert (feed.state, queued.state) == (State.FAILED, State.FAILED)
    assert "authorization was removed" in queued.state_message
    assert not calls("SubmitFeed")


def test_a_feed_whose_submit_still_waits_in_the_gateway_is_withdrawn(seller):
    first = upload(seller)
    second = upload(seller)
    (submit,) = calls("SubmitFeed")
    with _capture(execute=True):
        services.cancel_feed(first)
    first.refresh_from_db()
    second.refresh_from_db()
    submit.refresh_from_db()
    assert first.state == State.CANCELLED
    assert submit.state == MWSCall.State.CANCELLED  # never sent
    assert second.state == State.SENDING  # next in line goes out


def test_a_feed_whose_submit_went_out_cannot_be_withdrawn(seller):
    feed = upload(seller)
    MWSCall.objects.filter(operation="SubmitFeed").update(state=MWSCall.State.SENDING)
    with pytest.raises(services.FeedActionRefused):
        services.cancel_feed(feed)
    feed.refresh_from_db()
    assert feed.state == State.SENDING


def test_with_a_feed_sent_elsewhere_too_the_one_closest_to_the_send_is_adopted(seller, settings):
    settings.FEED_RECONCILE_SETTLE_SECONDS = 0
    feed = upload(seller)
    services.on_submitted(outcome_of(calls("SubmitFeed")[0], "unknown_outcome"))
    feed.refresh_from_db()
    listing = FeedSubmissionListResult(
        (
            info("8002", submitted=feed.sent_at + timedelta(seconds=200)),  # from Seller Central
            info("8001", submitted=feed.sent_at + timedelta(seconds=1)),
        ),
        False,
        None,
    )
    services.on_reconciled(
        outcome_of(calls("GetFeedSubmissionList")[0], "succeeded", result=listing)
    )
    feed.refresh_from_db()
    assert (feed.state, feed.feed_submission_id) == (State.SUBMITTED, "8001")
    assert len(calls("SubmitFeed")) == 1


def test_the_periodic_sync_spreads_the_polls_of_many_sellers_over_its_period(settings):
    settings.FEED_SYNC_SECONDS = 600
    for n in range(10):
        FeedSubmissionFactory(state=State.SUBMITTED, feed_submission_id=str(7000 + n))
    before = timezone.now()

    assert services.sync_all() == 10

    starts = sorted(c.available_at for c in calls("GetFeedSubmissionList"))
    assert len(starts) == 10
    assert before <= starts[0]
    assert starts[-1] <= before + timedelta(seconds=605)
    assert starts[-1] - starts[0] > timedelta(seconds=300)


def lost_feed(seller, settings) -> FeedSubmission:
    """A feed whose SubmitFeed answer was lost, with the first reconciliation listing queued."""
    settings.FEED_RECONCILE_SETTLE_SECONDS = 0
    feed = upload(seller)
    services.on_submitted(outcome_of(calls("SubmitFeed")[0], "unknown_outcome"))
    feed.refresh_from_db()
    return feed


def test_reconciliation_follows_next_token_and_finds_the_feed_on_a_later_page(seller, settings):
    feed = lost_feed(seller, settings)
    others = tuple(
        info(str(8000 + n), submitted=feed.sent_at, feed_type="_POST_PRODUCT_DATA_")
        for n in range(3)
    )
    (first,) = calls("GetFeedSubmissionList")
    services.on_reconciled(
        outcome_of(first, "succeeded", result=FeedSubmissionListResult(others, True, "page-2"))
    )
    feed.refresh_from_db()
    assert feed.state == State.UNKNOWN, "a partial listing proves nothing"
    (second,) = calls("GetFeedSubmissionListByNextToken")
    assert second.params == {"NextToken": "page-2"}
    assert second.context["page"] == 2
    # Only the first page of a listing is asked for by the periodic sync; the chain goes on.
    services.sync_seller(seller)
    assert len(calls("GetFeedSubmissionList")) == 1

    found = FeedSubmissionListResult((info("8100", submitted=feed.sent_at),), False, None)
    services.on_reconciled(outcome_of(second, "succeeded", result=found))
    feed.refresh_from_db()
    assert (feed.state, feed.feed_submission_id) == (State.SUBMITTED, "8100")
    assert len(calls("SubmitFeed")) == 1, "never sent twice"


def test_a_listing_read_to_its_end_without_the_feed_sends_it_again(seller, settings):
    feed = lost_feed(seller, settings)
    (first,) = calls("GetFeedSubmissionList")
    services.on_reconciled(
        outcome_of(first, "succeeded", result=FeedSubmissionListResult((), True, "page-2"))
    )
    (second,) = calls("GetFeedSubmissionListByNextToken")
    services.on_reconciled(
        outcome_of(second, "succeeded", result=FeedSubmissionListResult((), False, None))
    )
    feed.refresh_from_db()
    assert feed.state == State.SENDING
    assert len(calls("SubmitFeed")) == 2


def test_a_listing_that_never_ends_is_bounded_and_never_resends(seller, settings):
    feed = lost_feed(seller, settings)
    call = calls("GetFeedSubmissionList")[0]
    endless = FeedSubmissionListResult((), True, "again")
    for _ in range(reconciliation.MAX_RECONCILE_PAGES + 5):
        services.on_reconciled(outcome_of(call, "succeeded", result=endless))
        feed.refresh_from_db()
        if feed.state != State.UNKNOWN:
            break
        call.state = "succeeded"
        call.save()
        call = calls("GetFeedSubmissionListByNextToken")[-1]
    assert feed.state == State.FAILED
    assert "It was not sent again" in feed.state_message
    assert len(calls("GetFeedSubmissionListByNextToken")) == reconciliation.MAX_RECONCILE_PAGES - 1
    assert len(calls("SubmitFeed")) == 1
    services.sync_seller(seller)
    assert len(calls("GetFeedSubmissionList")) == 1, "no new listing for a settled feed"


def _corrupted() -> NextTokenCorruptedError:
    return NextTokenCorruptedError("The NextToken is corrupted.", code="NextTokenCorrupted")


def _ended(call: MWSCall, state: str, **fields) -> CallOutcome:
    outcome = outcome_of(call, state, **fields)
    call.save()
    return outcome


def test_a_corrupted_next_token_restarts_the_feed_poll_at_once(seller):
    FeedSubmissionFactory(seller=seller, state=State.SUBMITTED, feed_submission_id="42")
    (poll,) = services.poll_seller(seller)
    services.on_polled(
        _ended(poll, "succeeded", result=FeedSubmissionListResult((), True, "next-page"))
    )
    (page,) = calls("GetFeedSubmissionListByNextToken")
    before = timezone.now()
    services.on_polled(_ended(page, "failed", error=_corrupted()))
    first, restarted = calls("GetFeedSubmissionList")
    assert first.pk == poll.pk
    assert restarted.params == poll.params
    assert restarted.context == {"seller": seller.pk, "paging_restarts": 1}
    assert restarted.available_at <= before + timedelta(seconds=1)


def test_a_feed_poll_whose_token_is_always_corrupted_waits_for_the_next_tick(seller):
    FeedSubmissionFactory(seller=seller, state=State.SUBMITTED, feed_submission_id="42")
    (poll,) = services.poll_seller(seller)
    for _ in range(MAX_PAGING_RESTARTS + 1):
        listing = FeedSubmissionListResult((), True, "t")
        services.on_polled(_ended(poll, "succeeded", result=listing))
        page = calls("GetFeedSubmissionListByNextToken")[-1]
        services.on_polled(_ended(page, "failed", error=_corrupted()))
        poll = calls("GetFeedSubmissionList")[-1]
    assert len(calls("GetFeedSubmissionList")) == 1 + MAX_PAGING_RESTARTS


def test_a_corrupted_next_token_restarts_the_reconciliation_from_its_first_page(seller, settings):
    feed = lost_feed(seller, settings)
    (first,) = calls("GetFeedSubmissionList")
    services.on_reconciled(
        _ended(first, "succeeded", result=FeedSubmissionListResult((), True, "page-2"))
    )
    (second,) = calls("GetFeedSubmissionListByNextToken")
    services.on_reconciled(_ended(second, "failed", error=_corrupted()))
    feed.refresh_from_db()
    assert feed.state == State.UNKNOWN
    _, restarted = calls("GetFeedSubmissionList")
    assert restarted.params == first.params
    assert restarted.context == {"feed": feed.pk, "paging_restarts": 1}
    assert len(calls("SubmitFeed")) == 1, "never resent on a failed listing"
    # The restarted listing carries its restart count to its pages.
    services.on_reconciled(
        _ended(restarted, "succeeded", result=FeedSubmissionListResult((), True, "page-2b"))
    )
    assert calls("GetFeedSubmissionListByNextToken")[-1].context["paging_restarts"] == 1


def test_a_feed_points_at_its_submit_call_and_at_the_listing_that_reconciles_it(seller, settings):
    settings.FEED_RECONCILE_SETTLE_SECONDS = 0
    feed = upload(seller)
    feed.refresh_from_db()
    (submit,) = calls("SubmitFeed")
    assert feed.submit_call == submit
    services.on_submitted(outcome_of(submit, "unknown_outcome"))
    feed.refresh_from_db()
    assert feed.reconcile_call == calls("GetFeedSubmissionList")[0]
    # A sync tick while the listing waits does not start a second one.
    services.sync_seller(seller)
    assert len(calls("GetFeedSubmissionList")) == 1
