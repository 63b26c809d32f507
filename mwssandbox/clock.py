"""Time sources for the sandbox.

Everything time-dependent in the sandbox (throttle buckets, hourly quotas, report and feed life
cycles, schedules, request expiry, response dates) reads one clock object, so tests can replace
wall-clock time with a :class:`ManualClock` and step through minutes of MWS behaviour instantly.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def time(self) -> float:
        """Seconds since the Unix epoch, like :func:`time.time`."""
        ...


class SystemClock:
    """The real wall clock."""

    def time(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to; safe to share between threads."""

    def __init__(self, start: float | datetime | None = None) -> None:
        if start is None:
            start = datetime(2020, 6, 11, 8, 0, 0, tzinfo=UTC)
        self._now = start.timestamp() if isinstance(start, datetime) else float(start)
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("a ManualClock never goes backwards")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, when: float | datetime) -> None:
        value = when.timestamp() if isinstance(when, datetime) else float(when)
        with self._lock:
            if value < self._now:
                raise ValueError("a ManualClock never goes backwards")
            self._now = value


def utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)
