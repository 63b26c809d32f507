"""When to resend a request that failed for a reason worth retrying.

The guide's advice for 500 and 503 answers: retry with an exponential backoff of 1 s, 4 s,
10 s and 30 s, at most four times, then log and investigate. Jitter spreads the retries of
many workers that failed together. Which errors qualify is the exception's ``retryable``
(server errors and transport failures); throttling is not retried here, because waiting for a
bucket to restore is the throttle-aware gateway's job, and SubmitFeed is never retried because
a feed that reached MWS before the failure would be submitted twice.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    delays: tuple[float, ...] = (1.0, 4.0, 10.0, 30.0)
    # Each delay is scaled by a random factor in [1 - jitter, 1 + jitter].
    jitter: float = 0.2

    @property
    def max_retries(self) -> int:
        return len(self.delays)

    def delay(self, retry: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before the ``retry``-th retry (1-based)."""
        base = self.delays[retry - 1]
        return base * (1 - self.jitter + 2 * self.jitter * rand())


DEFAULT_RETRY_POLICY = RetryPolicy()
# For callers that schedule retries themselves (the throttle-aware gateway).
NO_RETRY = RetryPolicy(delays=())
