"""The bucket model, run against both backends (database rows and the Redis Lua script)."""

from __future__ import annotations

import itertools
import threading

import pytest
import redis

from mwsclient.operations import get_operation
from mwsportal.gateway.bucket_arithmetic import (
    DELIVERY_ALLOWANCE_SECONDS,
    BucketKey,
    BucketLimits,
    arrival_matters,
)
from mwsportal.gateway.buckets import RedisBuckets

SUBMIT_FEED = BucketLimits.for_group(get_operation("SubmitFeed").throttle)
KEY = BucketKey("1234-5678-9012", "A1SELLER", "SubmitFeed")
HOUR = 3600.0


def known_since_long_ago(buckets, clock) -> None:
    """Knowledge began long before now: a bucket without state is full."""
    buckets.set_epoch(clock.now - 10 * HOUR)


def test_unknown_state_counts_as_empty(buckets, clock):
    buckets.set_epoch(clock.now)
    denied = buckets.take(KEY, SUBMIT_FEED)
    assert not denied.granted
    assert denied.reason == "empty"
    assert denied.retry_at == pytest.approx(clock.now + 120)
    clock.advance(119)
    assert not buckets.take(KEY, SUBMIT_FEED).granted
    clock.advance(1)
    assert buckets.take(KEY, SUBMIT_FEED).granted


def test_a_bucket_untouched_since_long_before_now_is_full(buckets, clock):
    known_since_long_ago(buckets, clock)
    granted = [buckets.take(KEY, SUBMIT_FEED).granted for _ in range(16)]
    assert granted == [True] * 15 + [False]


def test_the_guides_25_submitfeed_example_takes_twenty_minutes(buckets, clock):
    known_since_long_ago(buckets, clock)
    start = clock.now
    sent_at = []
    while len(sent_at) < 25:
        take = buckets.take(KEY, SUBMIT_FEED)
        if take.granted:
            sent_at.append(clock.now)
        else:
            assert take.retry_at > clock.now
            clock.now = take.retry_at
    # 15 at once, then one every two minutes: the 25th goes out 10 x 120 s after the first
    # (plus the delivery allowance written off on the full bucket).
    assert sent_at[14] == start
    assert sent_at[24] - start == pytest.approx(1200 + DELIVERY_ALLOWANCE_SECONDS, abs=1e-3)
    gaps = [b - a for a, b in itertools.pairwise(sent_at[15:])]
    assert all(gap == pytest.approx(120, abs=1e-3) for gap in gaps)


def test_token_at_says_when_the_token_became_available(buckets, clock):
    known_since_long_ago(buckets, clock)
    for _ in range(15):
        buckets.take(KEY, SUBMIT_FEED)
    due = buckets.take(KEY, SUBMIT_FEED).retry_at
    clock.now = due + 7  # the dispatcher came 7 s late
    late = buckets.take(KEY, SUBMIT_FEED)
    assert late.granted
    assert late.token_at == pytest.approx(due)


def test_request_throttled_empties_the_bucket(buckets, clock):
    known_since_long_ago(buckets, clock)
    assert buckets.take(KEY, SUBMIT_FEED).granted
    buckets.throttled(KEY, SUBMIT_FEED)
    denied = buckets.take(KEY, SUBMIT_FEED)
    assert denied.reason == "empty"
    assert denied.retry_at == pytest.approx(clock.now + 120)


def test_quota_exceeded_blocks_until_the_reset_time(buckets, clock):
    known_since_long_ago(buckets, clock)
    reset = clock.now + 600
    buckets.quota_exceeded(KEY, SUBMIT_FEED, reset)
    denied = buckets.take(KEY, SUBMIT_FEED)
    assert (denied.granted, denied.reason, denied.retry_at) == (False, "blocked", reset)
    clock.now = reset - 0.001
    assert not buckets.take(KEY, SUBMIT_FEED).granted
    clock.now = reset
    assert buckets.take(KEY, SUBMIT_FEED).granted


def test_quota_exceeded_without_a_reset_time_blocks_for_a_minute(buckets, clock):
    known_since_long_ago(buckets, clock)
    buckets.quota_exceeded(KEY, SUBMIT_FEED, None)
    assert buckets.take(KEY, SUBMIT_FEED).retry_at == pytest.approx(clock.now + 60)


def test_the_hourly_quota_is_counted_locally(buckets, clock):
    # A big fast bucket, so only the hourly quota of 5 can stop a call.
    limits = BucketLimits(quota=100, restore_seconds=0.01, hourly_quota=5)
    known_since_long_ago(buckets, clock)
    clock.now = 1_700_000_010.0  # ten seconds into a minute
    for _ in range(5):
        assert buckets.take(KEY, limits).granted
        clock.advance(60)
    denied = buckets.take(KEY, limits)
    assert denied.reason == "hourly"
    # The first call's slot is forgotten one minute after MWS forgets it, never before.
    first_slot_start = 1_700_000_010.0 - 10.0
    assert denied.retry_at == pytest.approx(first_slot_start + 61 * 60)
    clock.now = denied.retry_at
    assert buckets.take(KEY, limits).granted


def test_remaining_from_mws_headers_limits_calls_we_did_not_count(buckets, clock):
    limits = BucketLimits(quota=100, restore_seconds=0.01, hourly_quota=30)
    known_since_long_ago(buckets, clock)
    reset = (clock.now // 60 + 25) * 60  # MWS's oldest slot leaves its window then
    buckets.learn_hourly(KEY, limits, quota_max=30.0, remaining=2.0, resets_on=reset)
    assert buckets.take(KEY, limits).granted
    assert buckets.take(KEY, limits).granted
    denied = buckets.take(KEY, limits)
    assert denied.reason == "hourly"
    assert reset <= denied.retry_at <= reset + 60


def test_a_larger_hourly_quota_is_learned_from_quota_max(buckets, clock):
    # EU sellers in several marketplaces get multiples of the catalog's hourly quota.
    limits = BucketLimits(quota=100, restore_seconds=0.01, hourly_quota=30)
    known_since_long_ago(buckets, clock)
    buckets.learn_hourly(KEY, limits, quota_max=120.0, remaining=120.0, resets_on=None)
    granted = [buckets.take(KEY, limits).granted for _ in range(100)]
    assert all(granted)
    (view,) = buckets.views([(KEY, limits)])
    assert (view.hourly_quota, view.hourly_remaining) == (120, 20)


def test_charge_counts_requests_sent_without_a_token(buckets, clock):
    known_since_long_ago(buckets, clock)
    buckets.charge(KEY, SUBMIT_FEED, 3)
    granted = [buckets.take(KEY, SUBMIT_FEED).granted for _ in range(13)]
    assert granted == [True] * 12 + [False]


def test_a_request_that_arrives_late_at_a_full_bucket_costs_the_refill_mws_never_had(
    buckets, clock
):
    known_since_long_ago(buckets, clock)
    take = buckets.take(KEY, SUBMIT_FEED)
    assert take.covered_until == pytest.approx(clock.now + DELIVERY_ALLOWANCE_SECONDS)
    # The request reached MWS 30 s after the take; MWS's bucket sat at 15 until then.
    clock.advance(30)
    assert arrival_matters(take, SUBMIT_FEED, clock.now)
    buckets.arrived(KEY, SUBMIT_FEED, take.now, take.covered_until)
    (view,) = buckets.views([(KEY, SUBMIT_FEED)])
    assert view.level == pytest.approx(14, abs=1e-5)


def test_a_late_arrival_never_costs_more_than_its_own_token(buckets, clock):
    known_since_long_ago(buckets, clock)
    take = buckets.take(KEY, SUBMIT_FEED)
    clock.advance(1000)
    buckets.arrived(KEY, SUBMIT_FEED, take.now, take.covered_until)
    (view,) = buckets.views([(KEY, SUBMIT_FEED)])
    assert view.level == pytest.approx(14, abs=1e-5)


def test_a_take_on_a_drained_bucket_covers_a_long_way_to_mws(buckets, clock):
    known_since_long_ago(buckets, clock)
    for _ in range(10):
        take = buckets.take(KEY, SUBMIT_FEED)
    # Nine tokens below the cap before this take (whose refill started when the first request
    # surely arrived): MWS's bucket cannot reach its cap for 9 x 120 s, so only a later
    # answer than that can matter.
    full_at = clock.now + DELIVERY_ALLOWANCE_SECONDS + 9 * 120
    assert take.covered_until == pytest.approx(full_at, abs=1e-3)
    assert not arrival_matters(take, SUBMIT_FEED, clock.now + 5)


def test_a_request_arriving_in_a_later_minute_is_counted_in_that_minute(buckets, clock):
    limits = BucketLimits(quota=100, restore_seconds=0.01, hourly_quota=1)
    known_since_long_ago(buckets, clock)
    clock.now = 1_700_000_010.0  # ten seconds into a minute
    take = buckets.take(KEY, limits)
    clock.advance(55)  # answered in the next minute: MWS may have counted it there
    assert arrival_matters(take, limits, clock.now)
    buckets.arrived(KEY, limits, take.now, take.covered_until)
    denied = buckets.take(KEY, limits)
    assert denied.reason == "hourly"
    next_slot_start = 1_700_000_000.0 + 60
    assert denied.retry_at == pytest.approx(next_slot_start + 61 * 60)


def test_views_report_level_hourly_use_and_blocks(buckets, clock):
    known_since_long_ago(buckets, clock)
    other = BucketKey(KEY.developer, KEY.seller_id, "GetReportList")
    other_limits = BucketLimits.for_group(get_operation("GetReportList").throttle)
    for _ in range(4):
        buckets.take(KEY, SUBMIT_FEED)
    buckets.quota_exceeded(KEY, SUBMIT_FEED, clock.now + 300)
    used, untouched = buckets.views([(KEY, SUBMIT_FEED), (other, other_limits)])
    assert used.known
    assert not untouched.known
    assert used.level == pytest.approx(11, abs=0.01)
    assert (used.hourly_quota, used.hourly_used, used.hourly_remaining) == (30, 4, 26)
    assert used.blocked_until == pytest.approx(clock.now + 300)
    assert used.next_token_at == pytest.approx(clock.now + 300)
    assert untouched.level == 10
    assert untouched.next_token_at == clock.now


def test_a_view_changes_nothing(buckets, clock):
    known_since_long_ago(buckets, clock)
    buckets.take(KEY, SUBMIT_FEED)
    first = buckets.views([(KEY, SUBMIT_FEED)])
    second = buckets.views([(KEY, SUBMIT_FEED)])
    assert first == second


def test_the_time_scale_speeds_up_restore_and_the_hourly_window():
    scaled = BucketLimits.for_group(get_operation("SubmitFeed").throttle, time_scale=60)
    assert (scaled.quota, scaled.restore_seconds, scaled.slot_seconds) == (15, 2.0, 1.0)


def test_redis_takes_are_atomic_under_concurrency(gateway_redis_url, clock):
    buckets = RedisBuckets(gateway_redis_url, clock=clock)
    known_since_long_ago(buckets, clock)
    results: list[bool] = []
    lock = threading.Lock()

    def hammer() -> None:
        mine = [buckets.take(KEY, SUBMIT_FEED).granted for _ in range(20)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 15


def test_redis_uses_its_own_clock_and_expires_state_it_no_longer_needs(gateway_redis_url):
    buckets = RedisBuckets(gateway_redis_url)
    server_now = buckets.now()
    buckets.set_epoch(server_now - 10 * HOUR)
    take = buckets.take(KEY, SUBMIT_FEED)
    assert take.granted
    assert abs(take.now - server_now) < 5
    key = f"mwsgw:b:{KEY.developer}:A1SELLER:SubmitFeed"
    ttl = redis.Redis.from_url(gateway_redis_url).pttl(key)
    # Kept while the bucket refills (about 120 s) or the hourly slot lasts (61 minutes).
    assert 3600_000 < ttl <= (61 * 60 + 60 + 61) * 1000


def test_redis_clock_is_read_from_redis_once_per_resync(gateway_redis_url, monkeypatch):
    import time

    backend = RedisBuckets(gateway_redis_url)
    asked: list[float] = []
    real_time = backend._redis.time

    def counted_time():
        asked.append(time.time())
        return real_time()

    monkeypatch.setattr(backend._redis, "time", counted_time)
    readings = [backend.now() for _ in range(50)]
    assert len(asked) == 1
    seconds, micros = real_time()
    # Never ahead of Redis's clock by more than a round trip, nor behind it.
    assert readings == sorted(readings)
    assert -0.05 < seconds + micros / 1_000_000 - backend.now() < 0.05
    # Once the resync time has come, the next reading asks Redis again.
    backend._offset = (backend._offset[0], 0.0)
    backend.now()
    assert len(asked) == 2
