"""The sandbox's own throttling: leaky buckets plus a rolling hourly quota.

The numbers are the sandbox's table (reference section 1.7), kept apart from the client's on
purpose: a wrong number in the client must show up as throttling here, not be mirrored.

Per the developer guide a bucket belongs to one seller account and developer account pair and one
throttle group (usually one operation; ListMarketplaceParticipations shares its bucket with its
ByNextToken twin). The bucket holds at most ``quota`` requests and regains one every
``restore_seconds``.

The hourly quota is counted in fixed hours, as recorded real traffic shows: each account (seller
and developer pair) has its own minute past the hour (for example :12) at which every one of its
hourly counts starts again, and ``x-mws-quota-resetsOn`` names that minute, also in a fresh
window's first answer (not an hour after the first call). ``x-mws-quota-remaining`` lags the call
that used it: an answer reports the count as it stood before the call it answers.
"""

from __future__ import annotations

import math
import threading
import zlib
from dataclasses import dataclass

from mwssandbox.clock import Clock

# Float comparisons on refilled levels must not turn "exactly one request restored" into
# "0.9999999 restored".
_EPSILON = 1e-9
_SLOT_SECONDS = 60.0
_SLOTS_PER_HOUR = 60


@dataclass(frozen=True)
class ThrottleLimits:
    quota: int
    restore_seconds: float
    hourly: int | None  # None where MWS states no hourly quota (Sellers)


THROTTLE_TABLE: dict[str, ThrottleLimits] = {
    "RequestReport": ThrottleLimits(15, 60, 60),
    "GetReportRequestList": ThrottleLimits(10, 45, 80),
    "GetReportRequestListByNextToken": ThrottleLimits(30, 2, 1800),
    "GetReportRequestCount": ThrottleLimits(10, 45, 80),
    "CancelReportRequests": ThrottleLimits(10, 45, 80),
    "GetReportList": ThrottleLimits(10, 60, 60),
    "GetReportListByNextToken": ThrottleLimits(30, 2, 1800),
    "GetReportCount": ThrottleLimits(10, 45, 80),
    "GetReport": ThrottleLimits(15, 60, 60),
    "ManageReportSchedule": ThrottleLimits(10, 45, 80),
    "GetReportScheduleList": ThrottleLimits(10, 45, 80),
    # No source gives numbers for this one (reference, open question 1), and MWS never hands
    # out a token for it; it gets its parent's, the same choice the portal's client makes.
    "GetReportScheduleListByNextToken": ThrottleLimits(10, 45, 80),
    "GetReportScheduleCount": ThrottleLimits(10, 45, 80),
    "UpdateReportAcknowledgements": ThrottleLimits(10, 45, 80),
    "SubmitFeed": ThrottleLimits(15, 120, 30),
    "GetFeedSubmissionList": ThrottleLimits(10, 45, 80),
    "GetFeedSubmissionListByNextToken": ThrottleLimits(30, 2, 1800),
    "GetFeedSubmissionCount": ThrottleLimits(10, 45, 80),
    "CancelFeedSubmissions": ThrottleLimits(10, 45, 80),
    "GetFeedSubmissionResult": ThrottleLimits(15, 60, 60),
    "ListMarketplaceParticipations": ThrottleLimits(15, 60, None),
    "GetServiceStatus": ThrottleLimits(2, 300, None),
}

# Operations whose bucket is another operation's; everything else is its own group.
SHARED_GROUPS: dict[str, str] = {
    "ListMarketplaceParticipationsByNextToken": "ListMarketplaceParticipations",
}


def throttle_group(operation: str) -> str:
    return SHARED_GROUPS.get(operation, operation)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str | None  # "RequestThrottled" or "QuotaExceeded" when not allowed
    hourly_max: int | None
    hourly_remaining: int | None
    resets_on: float | None  # epoch seconds at which the account's current hour ends


@dataclass
class _Bucket:
    level: float
    updated: float


@dataclass
class _Hourly:
    window: int  # which of the account's fixed hours the count belongs to
    used: int


def reset_minute(seller_id: str, developer: str) -> int:
    """The minute past the hour at which the account's hourly counts start again: fixed per
    seller and developer pair, spread over the hour like real accounts' were."""
    return zlib.crc32(f"{seller_id}|{developer}".encode()) % 60


class Throttler:
    """Thread-safe leaky buckets and hourly quotas keyed by (seller, developer, group).

    ``time_scale`` speeds every restore and the hourly window up by that factor, so a benchmark can
    run the guide's twenty-minute SubmitFeed example in twenty seconds.
    """

    def __init__(self, clock: Clock, *, time_scale: float = 1.0, enabled: bool = True) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._clock = clock
        self._scale = time_scale
        self.enabled = enabled
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}
        self._hourly: dict[tuple[str, str, str], _Hourly] = {}
        self._lock = threading.Lock()

    def take(
        self, key: tuple[str, str, str], limits: ThrottleLimits, *, hourly_multiplier: int = 1
    ) -> Decision:
        """Count one request against ``key`` if both its bucket and its hourly quota allow it."""
        now = self._clock.time()
        hourly_max = None if limits.hourly is None else limits.hourly * hourly_multiplier
        with self._lock:
            bucket = self._refilled(key, limits, now)
            hourly = self._hourly_window(key, now)
            resets_on = self._window_end(key, hourly.window)
            if self.enabled and hourly_max is not None and hourly.used >= hourly_max:
                return Decision(False, "QuotaExceeded", hourly_max, 0, resets_on)
            if self.enabled and bucket.level < 1 - _EPSILON:
                return self._decision(False, "RequestThrottled", hourly_max, hourly.used, resets_on)
            bucket.level = max(0.0, bucket.level - 1)
            used_before = hourly.used
            hourly.used += 1
            return self._decision(True, None, hourly_max, used_before, resets_on)

    def level(self, key: tuple[str, str, str], limits: ThrottleLimits) -> float:
        """Requests the bucket could take right now (for tests and the control endpoint)."""
        with self._lock:
            return self._refilled(key, limits, self._clock.time()).level

    def _refilled(self, key: tuple[str, str, str], limits: ThrottleLimits, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(limits.quota), now)
        restore = limits.restore_seconds / self._scale
        elapsed = max(0.0, now - bucket.updated)
        bucket.level = min(float(limits.quota), bucket.level + elapsed / restore)
        bucket.updated = now
        return bucket

    def _offset(self, key: tuple[str, str, str]) -> float:
        return reset_minute(key[0], key[1]) * _SLOT_SECONDS / self._scale

    def _window_of(self, key: tuple[str, str, str], now: float) -> int:
        hour = _SLOT_SECONDS * _SLOTS_PER_HOUR / self._scale
        return math.floor((now - self._offset(key)) / hour)

    def _window_end(self, key: tuple[str, str, str], window: int) -> float:
        hour = _SLOT_SECONDS * _SLOTS_PER_HOUR / self._scale
        return (window + 1) * hour + self._offset(key)

    def _hourly_window(self, key: tuple[str, str, str], now: float) -> _Hourly:
        window = self._window_of(key, now)
        hourly = self._hourly.get(key)
        if hourly is None or hourly.window != window:
            hourly = self._hourly[key] = _Hourly(window, 0)
        return hourly

    def _decision(
        self,
        allowed: bool,
        code: str | None,
        hourly_max: int | None,
        used: int,
        resets_on: float,
    ) -> Decision:
        if hourly_max is None:
            return Decision(allowed, code, None, None, None)
        return Decision(allowed, code, hourly_max, max(0, hourly_max - used), resets_on)
