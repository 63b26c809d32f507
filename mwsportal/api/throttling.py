"""Per-key rate limit, counted in the shared cache so every web process sees the same count.

One counter per key and fixed window (``API_RATE_LIMIT``, e.g. ``600/minute``), raised with
the cache's ``incr``: on Redis an atomic INCR, so processes on many machines never both take
the last request of a window. (The embedded file cache shares the count between the processes
of one machine, without that atomicity.) A refused request is a 429 whose ``Retry-After``
counts the seconds to the next window.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/minute"`` -> (600, 60)."""
    count, _, period = rate.partition("/")
    try:
        return int(count), PERIODS[period]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(
            f"API_RATE_LIMIT must look like 600/minute (per second, minute, hour or day), "
            f"not {rate!r}."
        ) from None


class ApiKeyRateThrottle(BaseThrottle):
    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: APIView | None) -> bool:
        if request.auth is None:
            return True  # unauthenticated requests are refused before they cost anything
        limit, period = parse_rate(settings.API_RATE_LIMIT)
        now = time.time()
        window = int(now // period)
        # The key's row id, never the key itself.
        counter = f"api-rate:{request.auth.pk}:{period}:{window}"
        used = self._count(counter, period)
        if used <= limit:
            return True
        self.retry_after = (window + 1) * period - now
        return False

    @staticmethod
    def _count(counter: str, period: int) -> int:
        """This request's number in the window. The window's first request creates the
        counter (kept past its window, so it cannot expire while the window still counts);
        of two processes that both find it missing, ``add`` lets one create it and the
        other counts on it."""
        try:
            used = cache.incr(counter)
        except ValueError:
            if cache.add(counter, 1, timeout=2 * period):
                return 1
            used = cache.incr(counter)
        if not isinstance(caches["default"], RedisCache):
            # Other backends write the raised count back with their default timeout (300 s),
            # which an hour's or a day's window outlives.
            cache.touch(counter, 2 * period)
        return used

    def wait(self) -> float | None:
        # DRF sends it, rounded up, as Retry-After.
        return self.retry_after
