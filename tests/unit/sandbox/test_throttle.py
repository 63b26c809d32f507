"""Leaky buckets and hourly quotas, driven by an injected clock."""

from __future__ import annotations

import pytest

from mwssandbox.clock import ManualClock
from mwssandbox.throttle import (
    THROTTLE_TABLE,
    ThrottleLimits,
    Throttler,
    reset_minute,
    throttle_group,
)

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


def test_hourly_quota_counts_fixed_hours_that_end_at_the_accounts_own_minute():
    minute = reset_minute(KEY[0], KEY[1])
    hour_start = 1_600_000_000 - 1_600_000_000 % 3600 + minute * 60
    clock = ManualClock(start=hour_start + 25 * 60 + 20)  # 25 min 20 s into the account's hour
    throttler = Throttler(clock)
    limits = ThrottleLimits(quota=100, restore_seconds=1, hourly=3)
    first = throttler.take(KEY, limits)
    # The answer lags the call: the first call of an hour still reports the whole quota.
    assert (first.hourly_max, first.hourly_remaining) == (3, 3)
    # A fresh hour ends at the account's fixed minute, not an hour after its first call.
    assert first.resets_on == hour_start + 3600
    clock.advance(120)
    assert throttler.take(KEY, limits).hourly_remaining == 2
    last = throttler.take(KEY, limits)
    assert last.hourly_remaining == 1
    refused = throttler.take(KEY, limits)
    assert (refused.code, refused.hourly_remaining) == ("QuotaExceeded", 0)
    assert refused.resets_on == hour_start + 3600
    clock.set(hour_start + 3600 - 1)
    assert throttler.take(KEY, limits).code == "QuotaExceeded"
    clock.set(hour_start + 3600)
    again = throttler.take(KEY, limits)
    assert (again.allowed, again.hourly_remaining) == (True, 3)
    assert again.resets_on == hour_start + 2 * 3600


def test_each_account_has_its_own_reset_minute():
    assert 0 <= reset_minute("A1SELLER", "1234-5678-9012") < 60
    assert reset_minute("A1SELLER", "1234-5678-9012") == reset_minute("A1SELLER", "1234-5678-9012")
    minutes = {reset_minute(f"A{n}SELLER", "1234-5678-9012") for n in range(20)}
    assert len(minutes) > 5
    clock = ManualClock(start=1_600_000_000)
    throttler = Throttler(clock)
    limits = ThrottleLimits(quota=100, restore_seconds=1, hourly=10)
    for seller in ("A1SELLER", "A2OTHER"):
        decision = throttler.take((seller, KEY[1], KEY[2]), limits)
        assert decision.resets_on is not None
        assert decision.resets_on % 3600 == reset_minute(seller, KEY[1]) * 60
        assert 0 < decision.resets_on - 1_600_000_000 <= 3600


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
    assert [d.hourly_remaining for d in decisions] == [2, 1, 0, 0]


def test_marketplace_participations_share_one_bucket():
    assert throttle_group("ListMarketplaceParticipationsByNextToken") == (
        "ListMarketplaceParticipations"
    )
    assert throttle_group("GetReportListByNextToken") == "GetReportListByNextToken"
