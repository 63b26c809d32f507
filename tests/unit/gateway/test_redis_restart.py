"""Buckets after Redis lost its data (a restart without persistence): empty, never full."""

from __future__ import annotations

import redis

from mwsclient.operations import get_operation
from mwsportal.gateway.buckets import BucketKey, BucketLimits, RedisBuckets

SUBMIT_FEED = BucketLimits.for_group(get_operation("SubmitFeed").throttle)
KEY = BucketKey("1234-5678-9012", "A1SELLER", "SubmitFeed")


def test_after_redis_lost_its_data_every_bucket_counts_as_empty(gateway_redis_url, clock):
    buckets = RedisBuckets(gateway_redis_url, clock=clock)
    buckets.set_epoch(clock.now - 36000)
    assert all(buckets.take(KEY, SUBMIT_FEED).granted for _ in range(15))
    clock.advance(60)

    redis.Redis.from_url(gateway_redis_url).flushdb()

    # MWS may still hold the bucket nearly empty: our unknown state starts empty, now.
    denied = buckets.take(KEY, SUBMIT_FEED)
    assert (denied.granted, denied.reason) == (False, "empty")
    assert buckets.epoch() == clock.now
    clock.advance(SUBMIT_FEED.restore_seconds - 1)
    assert not buckets.take(KEY, SUBMIT_FEED).granted
    clock.advance(1)
    assert buckets.take(KEY, SUBMIT_FEED).granted
