"""The arithmetic of one MWS throttle bucket, apart from where its state is stored.

The rules are described in ``buckets.py``; the database backend runs this code under a row
lock, and ``buckets.lua`` mirrors it line for line for Redis. Nothing here touches Django or a
store, so it can be tested (and read) on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from mwsclient.operations import ThrottleGroup

# Float arithmetic on refilled levels must not turn "exactly one token" into 0.9999999.
EPSILON = 1e-9
# MWS counts the hourly quota over the last sixty one-minute slots. We keep a slot while it is
# one of the last sixty-one, so a call our clock put at the end of a minute and MWS's clock at
# the start of the next is not forgotten a minute too early.
WINDOW_SLOTS = 60
# Seconds a request may take from the token being taken to reaching MWS (the worker takes the
# token right before it sends; this covers connecting and the request line).
DELIVERY_ALLOWANCE_SECONDS = 0.05


@dataclass(frozen=True)
class BucketLimits:
    """One bucket's numbers, in wall-clock seconds (already divided by the time scale)."""

    quota: int
    restore_seconds: float
    hourly_quota: int | None
    slot_seconds: float = 60.0

    @classmethod
    def for_group(cls, group: ThrottleGroup, time_scale: float = 1.0) -> BucketLimits:
        return cls(
            quota=group.quota,
            restore_seconds=group.restore_seconds / time_scale,
            hourly_quota=group.hourly_quota,
            slot_seconds=60.0 / time_scale,
        )


@dataclass(frozen=True)
class BucketKey:
    developer: str
    seller_id: str
    group: str


@dataclass(frozen=True)
class Take:
    granted: bool
    now: float
    # When asking again makes sense: ``now`` when granted, else when the obstacle is gone.
    retry_at: float
    # When the token just taken became available (for dispatch-latency figures).
    token_at: float
    # "" when granted, else "blocked" (QuotaExceeded), "hourly" or "empty".
    reason: str
    # Granted: the latest arrival at MWS our model allows for, the moment MWS's bucket would
    # reach its cap before the request takes its token there (see ``arrived``).
    covered_until: float


@dataclass(frozen=True)
class BucketView:
    now: float
    level: float
    quota: int
    restore_seconds: float
    known: bool
    hourly_quota: int | None
    hourly_used: int
    blocked_until: float | None
    next_token_at: float

    @property
    def hourly_remaining(self) -> int | None:
        if self.hourly_quota is None:
            return None
        return max(0, self.hourly_quota - self.hourly_used)


@dataclass
class BucketState:
    level: float
    updated: float
    blocked_until: float = 0.0
    # Learned from x-mws-quota-max; 0 until a response told us.
    hourly_max: int = 0
    slots: dict[int, int] = field(default_factory=dict)


class Bucket:
    """One bucket brought up to ``now``: refilled, with expired hourly slots dropped."""

    def __init__(
        self, stored: BucketState | None, limits: BucketLimits, now: float, epoch: float
    ) -> None:
        self.limits = limits
        self.now = now
        self.known = stored is not None
        state = stored or BucketState(level=0.0, updated=epoch)
        self.state = state
        # When the bucket last reached one token, before this refill.
        crossing = state.updated
        if state.level < 1 - EPSILON:
            crossing = state.updated + (1 - state.level) * limits.restore_seconds
        self.token_at = min(now, max(crossing, state.blocked_until))
        if now > state.updated:
            state.level = min(
                float(limits.quota),
                state.level + (now - state.updated) / limits.restore_seconds,
            )
            state.updated = now
        self.slot = math.floor(now / limits.slot_seconds)
        state.slots = {s: n for s, n in state.slots.items() if s >= self.slot - WINDOW_SLOTS}

    @property
    def hourly_limit(self) -> int | None:
        return self.state.hourly_max or self.limits.hourly_quota

    @property
    def hourly_used(self) -> int:
        return sum(self.state.slots.values())

    def _hourly_free_at(self) -> float:
        oldest = min(self.state.slots, default=self.slot)
        return (oldest + WINDOW_SLOTS + 1) * self.limits.slot_seconds

    def _count(self, calls: int) -> None:
        if self.hourly_limit is not None:
            self.state.slots[self.slot] = self.state.slots.get(self.slot, 0) + calls

    def take(self) -> Take:
        state, now = self.state, self.now
        if state.blocked_until > now:
            return Take(False, now, state.blocked_until, now, "blocked", now)
        limit = self.hourly_limit
        if limit is not None and self.hourly_used >= limit:
            return Take(False, now, self._hourly_free_at(), now, "hourly", now)
        restore = self.limits.restore_seconds
        if state.level < 1 - EPSILON:
            start = max(now, state.updated)
            return Take(False, now, start + (1 - state.level) * restore, now, "empty", now)
        if state.level + DELIVERY_ALLOWANCE_SECONDS / restore > self.limits.quota:
            # MWS's bucket may sit at its cap until this request arrives, gaining nothing
            # meanwhile: its refill starts when the request has surely arrived.
            state.level = self.limits.quota - 1.0
            state.updated = max(state.updated, now + DELIVERY_ALLOWANCE_SECONDS)
        else:
            state.level -= 1
        self._count(1)
        full_at = max(now, state.updated) + (self.limits.quota - 1 - state.level) * restore
        return Take(True, now, now, self.token_at, "", full_at)

    def charge(self, calls: int) -> None:
        self.state.level -= calls
        self._count(calls)

    def arrived(self, taken_at: float, covered_until: float) -> None:
        """The answer to a request whose token was taken at ``taken_at`` is in: the request
        reached MWS at ``now`` at the latest. If that is after ``covered_until``, MWS's bucket
        sat at its cap meanwhile and took the token later than our model has it: up to one
        token of refill we credited never happened there."""
        late = (self.now - covered_until) / self.limits.restore_seconds
        if late > 0:
            self.state.level -= min(1.0, late)
        # MWS counted the request in the slot it arrived in, which leaves its hour later.
        taken_slot = math.floor(taken_at / self.limits.slot_seconds)
        if taken_slot < self.slot and self.state.slots.get(taken_slot, 0) > 0:
            self.state.slots[taken_slot] -= 1
            if not self.state.slots[taken_slot]:
                del self.state.slots[taken_slot]
            self._count(1)

    def empty(self) -> None:
        self.state.level = min(self.state.level, 0.0)

    def block(self, until: float | None) -> None:
        until = until if until is not None else self.now + self.limits.slot_seconds
        self.state.blocked_until = max(self.state.blocked_until, until)

    def learn(
        self, quota_max: float | None, remaining: float | None, resets_on: float | None
    ) -> None:
        if quota_max:
            self.state.hourly_max = int(quota_max)
        limit = self.hourly_limit
        if remaining is None or limit is None:
            return
        unseen = math.ceil(limit - remaining - self.hourly_used - EPSILON)
        if unseen <= 0:
            return
        # MWS counted calls we did not see (made before our epoch, or by another install with
        # the same keys). They are at least as old as MWS's oldest slot, which it says leaves
        # the window at resetsOn.
        slot = self.slot
        if resets_on is not None:
            slot = math.floor(resets_on / self.limits.slot_seconds + EPSILON) - WINDOW_SLOTS
        slot = min(self.slot, max(slot, self.slot - WINDOW_SLOTS))
        self.state.slots[slot] = self.state.slots.get(slot, 0) + unseen

    def view(self) -> BucketView:
        state, now = self.state, self.now
        next_at = now
        if state.level < 1 - EPSILON:
            start = max(now, state.updated)
            next_at = start + (1 - state.level) * self.limits.restore_seconds
        limit = self.hourly_limit
        if limit is not None and self.hourly_used >= limit:
            next_at = max(next_at, self._hourly_free_at())
        blocked = state.blocked_until if state.blocked_until > now else None
        if blocked is not None:
            next_at = max(next_at, blocked)
        return BucketView(
            now=now,
            level=max(0.0, state.level),
            quota=self.limits.quota,
            restore_seconds=self.limits.restore_seconds,
            known=self.known,
            hourly_quota=limit,
            hourly_used=self.hourly_used,
            blocked_until=blocked,
            next_token_at=next_at,
        )


def arrival_matters(take: Take, limits: BucketLimits, answered_at: float) -> bool:
    """Whether ``arrived`` can change the bucket of a call taken with ``take`` and answered at
    ``answered_at``: the answer came after the arrival the take allowed for, or in a later
    hourly slot. Most answers need no second write."""
    slot = limits.slot_seconds
    return answered_at > take.covered_until or math.floor(answered_at / slot) > math.floor(
        take.now / slot
    )
