"""A feed uploaded while the gateway's store cannot be reached is kept and sent later, once."""

from __future__ import annotations

import io

import pytest
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
