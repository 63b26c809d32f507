"""Feeds when Redis goes away: nothing is lost, nothing is sent twice."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from feeds import services
from feeds.models import FeedSubmission
from mwsportal.gateway.buckets import set_bucket_backend
from mwsportal.gateway.models import MWSCall
from tests.factories import FEED_BODY

pytestmark = pytest.mark.django_db
INVENTORY = "_POST_INVENTORY_AVAILABILITY_DATA_"


class Unreachable:
    """The bucket store while Redis restarts."""

    def now(self) -> float:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_an_upload_during_a_redis_restart_succeeds_and_the_next_sync_sends_it(
    seller, django_capture_on_commit_callbacks
):
    set_bucket_backend(Unreachable())
    try:
        with django_capture_on_commit_callbacks(execute=True):
            feed = services.upload_feed(
                seller, source=io.BytesIO(FEED_BODY), filename="f.xml", feed_type=INVENTORY
            )
    finally:
        set_bucket_backend(None)
    feed.refresh_from_db()
    assert feed.state == FeedSubmission.State.WAITING
    assert not MWSCall.objects.filter(operation="SubmitFeed").exists()

    services.sync_seller(seller)
    services.sync_seller(seller)
    feed.refresh_from_db()
    assert feed.state == FeedSubmission.State.SENDING
    (call,) = MWSCall.objects.filter(operation="SubmitFeed")
    assert call.context == {"feed": feed.pk}


def test_a_submit_whose_outcome_could_not_be_recorded_is_reconciled_by_the_sync(
    seller, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        feed = services.upload_feed(
            seller, source=io.BytesIO(FEED_BODY), filename="f.xml", feed_type=INVENTORY
        )
    (submit,) = MWSCall.objects.filter(operation="SubmitFeed")
    services.sync_seller(seller)
    feed.refresh_from_db()
    assert feed.state == FeedSubmission.State.SENDING  # in flight: left alone

    # The answer was lost, and Redis went away while the result handler ran: the call was
    # closed with the handler's error, the feed was left as it was.
    sent_at = timezone.now() - timedelta(seconds=30)
    MWSCall.objects.filter(pk=submit.pk).update(
        state=MWSCall.State.UNKNOWN,
        sent_at=sent_at,
        finished_at=timezone.now(),
        handler_error="ConnectionError: Error 111 connecting to 127.0.0.1:6379.",
    )
    services.sync_seller(seller)
    services.sync_seller(seller)

    feed.refresh_from_db()
    assert feed.state == FeedSubmission.State.UNKNOWN
    assert feed.sent_at == sent_at
    (listing,) = MWSCall.objects.filter(handler="feeds.services.on_reconciled")
    assert listing.operation == "GetFeedSubmissionList"
    assert listing.context == {"feed": feed.pk}
    # Never sent again blindly: the listing decides.
    assert MWSCall.objects.filter(operation="SubmitFeed").count() == 1
