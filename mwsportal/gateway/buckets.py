"""Our model of MWS's throttle buckets, shared by every worker process on every machine.

MWS meters each (seller, developer account, throttle group) with a leaky bucket: at most
``quota`` requests at once, one more every ``restore_seconds``, and at most ``hourly_quota``
requests in a rolling hour counted in one-minute slots. We keep the same arithmetic on our side
and only send a request when our bucket has a token, so MWS never has to throttle us.

Rules that keep the model on the safe side of MWS's:

- Unknown state counts as empty. Knowledge starts at the store's *epoch* (the first time this
  Redis database or this database was used, or an operator's ``set_epoch``): a bucket we hold
  no state for is taken to have been empty at the epoch and to have refilled since. A Redis
  flush therefore starts every bucket from empty, while a seller first seen a day after the
  epoch starts full, which is what MWS has for them too.
- A token is taken by the worker immediately before it sends. A request reaches MWS a little
  after the take, and a (nearly) full bucket at MWS gains nothing while it waits at its cap: a
  take on such a bucket restarts our refill clock ``DELIVERY_ALLOWANCE_SECONDS`` after the take.
  A request can arrive later than that (a worker descheduled on a loaded machine, a slow
  connect), so the take also says until when its arrival is allowed for (``covered_until``),
  and once the answer is in, ``arrived`` writes off the refill our model credited after that
  moment: the request surely arrived before its answer, so MWS's bucket cannot be lower.
- ``RequestThrottled`` empties the bucket; ``QuotaExceeded`` blocks it until the reset time.
- The hourly quota is counted locally (each slot is kept one minute longer than MWS keeps it)
  and reconciled with ``x-mws-quota-max``/``-remaining``/``-resetsOn``: calls MWS counted that
  we did not are added to the slot that MWS says expires first.

Two backends share these rules: Redis (one Lua script, atomic, on Redis's clock) for
deployments with Redis, and the database (a locked row per bucket) for the embedded default.
Both take an injectable clock for tests.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from mwsportal.mws.operations import ThrottleGroup

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


class BucketBackend(Protocol):
    def now(self) -> float: ...

    def epoch(self) -> float: ...

    def set_epoch(self, epoch: float) -> None: ...

    def take(self, key: BucketKey, limits: BucketLimits) -> Take: ...

    def charge(self, key: BucketKey, limits: BucketLimits, count: int) -> None: ...

    def arrived(
        self, key: BucketKey, limits: BucketLimits, taken_at: float, covered_until: float
    ) -> None: ...

    def throttled(self, key: BucketKey, limits: BucketLimits) -> None: ...

    def quota_exceeded(
        self, key: BucketKey, limits: BucketLimits, resets_on: float | None
    ) -> None: ...

    def learn_hourly(
        self,
        key: BucketKey,
        limits: BucketLimits,
        *,
        quota_max: float | None,
        remaining: float | None,
        resets_on: float | None,
    ) -> None: ...

    def views(self, items: Iterable[tuple[BucketKey, BucketLimits]]) -> list[BucketView]: ...


# ---- the arithmetic, shared by the database backend and mirrored in buckets.lua -----------


@dataclass
class BucketState:
    level: float
    updated: float
    blocked_until: float = 0.0
    # Learned from x-mws-quota-max; 0 until a response told us.
    hourly_max: int = 0
    slots: dict[int, int] = field(default_factory=dict)


class _Bucket:
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


# ---- database backend -------------------------------------------------------------------


class DatabaseBuckets:
    """Buckets as rows, changed under a row lock (PostgreSQL) or the database write lock
    (SQLite, whose transactions here start IMMEDIATE). Time is PostgreSQL's clock, or this
    machine's on SQLite (one machine by definition)."""

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock

    def now(self) -> float:
        if self._clock is not None:
            return self._clock()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT extract(epoch FROM clock_timestamp())")
                return float(cursor.fetchone()[0])
        return time.time()

    def epoch(self) -> float:
        from mwsportal.gateway.models import BucketEpoch

        now = self.now()
        try:
            with transaction.atomic():
                record, _ = BucketEpoch.objects.get_or_create(pk=1, defaults={"started": now})
        except IntegrityError:
            record = BucketEpoch.objects.get(pk=1)
        return record.started

    def set_epoch(self, epoch: float) -> None:
        from mwsportal.gateway.models import BucketEpoch

        BucketEpoch.objects.update_or_create(pk=1, defaults={"started": epoch})

    def _change(self, key: BucketKey, limits: BucketLimits, change: Callable[[_Bucket], object]):
        from mwsportal.gateway.models import StoredBucket

        lookup = {"developer": key.developer, "seller_id": key.seller_id, "group": key.group}
        with transaction.atomic():
            row = StoredBucket.objects.select_for_update().filter(**lookup).first()
            if row is None:
                try:
                    with transaction.atomic():
                        row = StoredBucket.objects.create(**lookup)
                except IntegrityError:
                    # Another process inserted it first; wait for its lock.
                    row = StoredBucket.objects.select_for_update().get(**lookup)
            stored = row.to_state()
            # The epoch only matters for a bucket we know nothing about.
            epoch = self.epoch() if stored is None else 0.0
            bucket = _Bucket(stored, limits, self.now(), epoch)
            outcome = change(bucket)
            row.store(bucket.state)
            row.save(update_fields=["level", "updated", "blocked_until", "hourly_max", "slots"])
        return outcome

    def take(self, key: BucketKey, limits: BucketLimits) -> Take:
        return self._change(key, limits, _Bucket.take)

    def charge(self, key: BucketKey, limits: BucketLimits, count: int) -> None:
        self._change(key, limits, lambda bucket: bucket.charge(count))

    def arrived(
        self, key: BucketKey, limits: BucketLimits, taken_at: float, covered_until: float
    ) -> None:
        self._change(key, limits, lambda bucket: bucket.arrived(taken_at, covered_until))

    def throttled(self, key: BucketKey, limits: BucketLimits) -> None:
        self._change(key, limits, _Bucket.empty)

    def quota_exceeded(self, key: BucketKey, limits: BucketLimits, resets_on: float | None) -> None:
        self._change(key, limits, lambda bucket: bucket.block(resets_on))

    def learn_hourly(
        self,
        key: BucketKey,
        limits: BucketLimits,
        *,
        quota_max: float | None,
        remaining: float | None,
        resets_on: float | None,
    ) -> None:
        self._change(key, limits, lambda bucket: bucket.learn(quota_max, remaining, resets_on))

    def views(self, items: Iterable[tuple[BucketKey, BucketLimits]]) -> list[BucketView]:
        from mwsportal.gateway.models import StoredBucket

        items = list(items)
        if not items:
            return []
        now, epoch = self.now(), self.epoch()
        rows = StoredBucket.objects.filter(
            developer__in={key.developer for key, _ in items},
            seller_id__in={key.seller_id for key, _ in items},
            group__in={key.group for key, _ in items},
        )
        stored = {(r.developer, r.seller_id, r.group): r.to_state() for r in rows}
        return [
            _Bucket(stored.get((k.developer, k.seller_id, k.group)), limits, now, epoch).view()
            for k, limits in items
        ]


# ---- Redis backend ----------------------------------------------------------------------

_LUA = (Path(__file__).with_name("buckets.lua")).read_text(encoding="utf-8")


def _arg(value: float | None) -> str:
    return "" if value is None else repr(float(value))


class RedisBuckets:
    """Buckets as Redis hashes, changed by one Lua script so that the read, the arithmetic and
    the write are atomic, on Redis's own clock (``TIME``) unless a clock is injected. A key
    expires once its bucket is full again and its hourly slots are gone, so a missing key
    means "full" as long as the epoch key is older than the bucket's refill time."""

    def __init__(
        self, url: str, *, prefix: str = "mwsgw", clock: Callable[[], float] | None = None
    ) -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._script = self._redis.register_script(_LUA)
        self._prefix = prefix
        self._clock = clock

    @property
    def _epoch_key(self) -> str:
        return f"{self._prefix}:epoch"

    def _key(self, key: BucketKey) -> str:
        return f"{self._prefix}:b:{key.developer}:{key.seller_id}:{key.group}"

    def _run(self, op: str, key: BucketKey, limits: BucketLimits, *extra: str, client=None):
        now = "" if self._clock is None else repr(float(self._clock()))
        return self._script(
            keys=[self._key(key), self._epoch_key],
            args=[
                op,
                now,
                str(limits.quota),
                repr(float(limits.restore_seconds)),
                "" if limits.hourly_quota is None else str(limits.hourly_quota),
                repr(float(limits.slot_seconds)),
                repr(DELIVERY_ALLOWANCE_SECONDS),
                *extra,
            ],
            client=client,
        )

    def now(self) -> float:
        if self._clock is not None:
            return self._clock()
        seconds, micros = self._redis.time()
        return seconds + micros / 1_000_000

    def epoch(self) -> float:
        self._redis.set(self._epoch_key, repr(self.now()), nx=True)
        return float(self._redis.get(self._epoch_key))

    def set_epoch(self, epoch: float) -> None:
        self._redis.set(self._epoch_key, repr(float(epoch)))

    def take(self, key: BucketKey, limits: BucketLimits) -> Take:
        granted, now, retry_at, token_at, reason, covered = self._run("take", key, limits)
        return Take(
            granted == b"1",
            float(now),
            float(retry_at),
            float(token_at),
            reason.decode(),
            float(covered),
        )

    def charge(self, key: BucketKey, limits: BucketLimits, count: int) -> None:
        self._run("charge", key, limits, str(count))

    def arrived(
        self, key: BucketKey, limits: BucketLimits, taken_at: float, covered_until: float
    ) -> None:
        self._run("arrived", key, limits, _arg(taken_at), _arg(covered_until))

    def throttled(self, key: BucketKey, limits: BucketLimits) -> None:
        self._run("empty", key, limits)

    def quota_exceeded(self, key: BucketKey, limits: BucketLimits, resets_on: float | None) -> None:
        self._run("block", key, limits, _arg(resets_on))

    def learn_hourly(
        self,
        key: BucketKey,
        limits: BucketLimits,
        *,
        quota_max: float | None,
        remaining: float | None,
        resets_on: float | None,
    ) -> None:
        self._run("learn", key, limits, _arg(quota_max), _arg(remaining), _arg(resets_on))

    def views(self, items: Iterable[tuple[BucketKey, BucketLimits]]) -> list[BucketView]:
        items = list(items)
        pipe = self._redis.pipeline(transaction=False)
        for key, limits in items:
            self._run("view", key, limits, client=pipe)
        views = []
        for (_, limits), row in zip(items, pipe.execute(), strict=True):
            now, level, known, hourly_max, used, blocked, next_at = row
            views.append(
                BucketView(
                    now=float(now),
                    level=max(0.0, float(level)),
                    quota=limits.quota,
                    restore_seconds=limits.restore_seconds,
                    known=known == b"1",
                    hourly_quota=int(hourly_max) if hourly_max else limits.hourly_quota,
                    hourly_used=int(used),
                    blocked_until=float(blocked) if blocked else None,
                    next_token_at=float(next_at),
                )
            )
        return views


# ---- choosing a backend -----------------------------------------------------------------


_backend: BucketBackend | None = None


def bucket_backend() -> BucketBackend:
    """The process's backend, as the settings name it: Redis when ``MWS_GATEWAY_REDIS_URL``
    is set (every process on every machine must share one store), otherwise the database."""
    global _backend
    if _backend is None:
        if settings.MWS_GATEWAY_BUCKET_BACKEND == "redis":
            _backend = RedisBuckets(settings.MWS_GATEWAY_REDIS_URL)
        else:
            _backend = DatabaseBuckets()
    return _backend


def set_bucket_backend(backend: BucketBackend | None) -> None:
    """Use ``backend`` in this process from now on (tests, benchmarks); None goes back to the
    one the settings name."""
    global _backend
    _backend = backend
