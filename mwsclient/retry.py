"""When a failed MWS request is sent again: one policy, described as data.

The guide's advice for 500 and 503 answers: retry with an exponential backoff of 1 s, 4 s,
10 s and 30 s, at most four times, then log and investigate. Jitter spreads the retries of
many workers that failed together. Which errors qualify is the exception's ``retryable``
(server errors and transport failures). An operation that may have taken effect although its
answer was an error or never came (SubmitFeed: the feed would go in twice) is never resent
after such a failure. ``RequestExpired`` is resent once, signed with the clock the answer
taught. ``RequestThrottled`` and ``QuotaExceeded`` are resent once the bucket allows, a bounded
number of times: waiting for a bucket is the throttle-aware gateway's job.

The gateway decides every resend of a queued call from this policy (``gateway.settlement``);
the client, used on its own (a script), follows the same policy for the resends it may make
itself, and a client the gateway builds is given ``NO_RETRY`` so that nothing is resent twice.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    # Pauses before the 1st, 2nd ... resend after a server error or a transport failure.
    delays: tuple[float, ...] = (1.0, 4.0, 10.0, 30.0)
    # Each delay is scaled by a random factor in [1 - jitter, 1 + jitter].
    jitter: float = 0.2
    # Operations never resent after a failure that may have reached MWS.
    not_repeatable: frozenset[str] = frozenset({"SubmitFeed"})
    # Resends after RequestExpired, each signed with the clock the previous answer taught.
    clock_resyncs: int = 1
    # RequestThrottled or QuotaExceeded this often for one call means our numbers and MWS's
    # disagree for good; the call fails instead of waiting forever.
    max_throttled_retries: int = 10

    @property
    def max_retries(self) -> int:
        return len(self.delays)

    def repeatable(self, operation: str) -> bool:
        return operation not in self.not_repeatable

    def delay(self, retry: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before the ``retry``-th resend (1-based)."""
        base = self.delays[retry - 1]
        return base * (1 - self.jitter + 2 * self.jitter * rand())


DEFAULT_RETRY_POLICY = RetryPolicy()
# For a client whose caller decides every resend itself (the throttle-aware gateway).
NO_RETRY = RetryPolicy(delays=(), clock_resyncs=0)
