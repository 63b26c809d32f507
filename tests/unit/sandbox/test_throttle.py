"""Leaky buckets and hourly quotas, driven by an injected clock."""

from __future__ import annotations

import pytest

from mwsportal.sandbox.clock import ManualClock
from mwsportal.sandbox.throttle import THROTTLE_TABLE, ThrottleLimits, Throttler, throttle_group

KEY = ("A1SELLER", "1234-5678-9012", "SubmitFeed")


def test_submit_feed_bucket_drains_and_refills_one_request_per_two_minutes():
    clock = ManualClock(start=1_600_000_000)
    throttler = Throttler(clock)
    limits = THROTTLE_TABLE["SubmitFeed"]
    assert [throttler.take(KEY, limits).allowed for _ in range(15)] == [True] * 15
    refused = throttler.take(KEY, limits)
    assert (refused.allowed, refused.code) == (False, "RequestThrottled")

    clock.advance(119)
    assert throttler.take(KEY, limits).code == "RequestThrottled"
    clock.advance(1)
    assert throttler.take(KEY, limits).allowed
    assert throttler.take(KEY, limits).code == "RequestThrottled"

    # The guide's example: the ten requests left over take twenty minutes.
    clock.advance(20 * 60)
    assert throttler.level(KEY, limits) == pytest.approx(10)
    # A full bucket stays full.
    clock.advance(3600)
    assert throttler.level(KEY, limits) == pytest.approx(15)


def test_buckets_are_separate_per_seller_developer_and_group():
    clock = ManualClock(start=1_600_000_000)
    throttler = Throttler(clock)
    limits = ThrottleLimits(1, 60, None)
    assert throttler.take(KEY, limits).allowed
    assert not throttler.take(KEY, limits).allowed
    assert throttler.take(("A2OTHER", KEY[1], KEY[2]), limits).allowed
    assert throttler.take((KEY[0], "9999-9999-9999", KEY[2]), limits).allowed
    assert throttler.take((KEY[0], KEY[1], "GetReport"), limits).allowed


def test_hourly_quota_counts_a_rolling_window_of_minute_slots():
    clock = ManualClock(start=1_600_000_040)  # 20 s past a whole minute
    throttler = Throttler(clock)
    limits = ThrottleLimits(quota=100, restore_seconds=1, hourly=3)
    first = throttler.take(KEY, limits)
    assert (first.hourly_max, first.hourly_remaining) == (3, 2)
    # The window frees the first minute slot one hour after that slot began: a whole minute.
    assert first.resets_on == 1_600_000_020 + 3600
    clock.advance(120)
    throttler.take(KEY, limits)
    last = throttler.take(KEY, limits)
    assert last.hourly_remaining == 0
    refused = throttler.take(KEY, limits)
    assert (refused.code, refused.hourly_remaining) == ("QuotaExceeded", 0)
    clock.set(first.resets_on - 1)
    assert throttler.take(KEY, limits).code == "QuotaExceeded"
    clock.set(first.resets_on)
    again = throttler.take(KEY, limits)
    assert again.allowed
    assert again.hourly_remaining == 0


def test_time_scale_speeds_up_restores_and_the_hourly_window():
    clock = ManualClock(start=1_600_000_000)
    throttler = Throttler(clock, time_scale=60)
    limits = ThrottleLimits(quota=1, restore_seconds=120, hourly=1)
    assert throttler.take(KEY, limits).allowed
    clock.advance(2)  # two minutes of MWS time, and more than the scaled minute slot
    assert throttler.take(KEY, limits).code == "QuotaExceeded"
    clock.advance(60)  # one scaled hour
    assert throttler.take(KEY, limits).allowed


def test_disabled_throttling_still_counts_for_the_quota_headers():
    throttler = Throttler(ManualClock(start=1_600_000_000), enabled=False)
    limits = ThrottleLimits(quota=1, restore_seconds=60, hourly=2)
    decisions = [throttler.take(KEY, limits) for _ in range(4)]
    assert all(d.allowed for d in decisions)
    assert [d.hourly_remaining for d in decisions] == [1, 0, 0, 0]


def test_marketplace_participations_share_one_bucket():
    assert throttle_group("ListMarketplaceParticipationsByNextToken") == (
        "ListMarketplaceParticipations"
    )
    assert throttle_group("GetReportListByNextToken") == "GetReportListByNextToken"
