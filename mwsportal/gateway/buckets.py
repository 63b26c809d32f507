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

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import redis
from django.conf import settings
from django.db import IntegrityError, connection, transaction

from mwsportal.gateway.bucket_arithmetic import (
    DELIVERY_ALLOWANCE_SECONDS,
    Bucket,
    BucketKey,
    BucketLimits,
    BucketView,
    Take,
)
from mwsportal.gateway.models import BucketEpoch, StoredBucket

# How long the Redis backend trusts the offset between Redis's clock and this machine's.
CLOCK_RESYNC_SECONDS = 5.0

# What a change of the database backend returns (a Take for a take, None for the rest).
Changed = TypeVar("Changed")


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


# ---- database backend -------------------------------------------------------------------


# What a change to a stored bucket returns (a Take, or nothing for a charge).
_Outcome = TypeVar("_Outcome")


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
        now = self.now()
        try:
            with transaction.atomic():
                record, _ = BucketEpoch.objects.get_or_create(pk=1, defaults={"started": now})
        except IntegrityError:
            record = BucketEpoch.objects.get(pk=1)
        return record.started

    def set_epoch(self, epoch: float) -> None:
        BucketEpoch.objects.update_or_create(pk=1, defaults={"started": epoch})

    def _change(
        self, key: BucketKey, limits: BucketLimits, change: Callable[[Bucket], Changed]
    ) -> Changed:
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
            bucket = Bucket(stored, limits, self.now(), epoch)
            outcome = change(bucket)
            row.store(bucket.state)
            row.save(update_fields=["level", "updated", "blocked_until", "hourly_max", "slots"])
        return outcome

    def take(self, key: BucketKey, limits: BucketLimits) -> Take:
        return self._change(key, limits, Bucket.take)

    def charge(self, key: BucketKey, limits: BucketLimits, count: int) -> None:
        self._change(key, limits, lambda bucket: bucket.charge(count))

    def arrived(
        self, key: BucketKey, limits: BucketLimits, taken_at: float, covered_until: float
    ) -> None:
        self._change(key, limits, lambda bucket: bucket.arrived(taken_at, covered_until))

    def throttled(self, key: BucketKey, limits: BucketLimits) -> None:
        self._change(key, limits, Bucket.empty)

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
            Bucket(stored.get((k.developer, k.seller_id, k.group)), limits, now, epoch).view()
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
        self._redis = redis.Redis.from_url(url)
        self._script = self._redis.register_script(_LUA)
        self._prefix = prefix
        self._clock = clock
        # (Redis's clock minus ours, when to ask Redis again): one tuple, read and replaced
        # whole, so threads of one worker never see half an update.
        self._offset: tuple[float, float] = (0.0, float("-inf"))

    @property
    def _epoch_key(self) -> str:
        return f"{self._prefix}:epoch"

    def _key(self, key: BucketKey) -> str:
        return f"{self._prefix}:b:{key.developer}:{key.seller_id}:{key.group}"

    def _run(
        self,
        op: str,
        key: BucketKey,
        limits: BucketLimits,
        *extra: str,
        client: redis.client.Pipeline | None = None,
    ) -> Any:
        # The script's reply: a list of bulk strings, or the pipeline itself while queued.
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
        """Redis's clock, read from Redis every CLOCK_RESYNC_SECONDS and in between from this
        machine's clock plus the offset learned then (a worker asks several times a call).

        The offset is taken against the local time before the request went out, so the
        estimate errs late by up to one round trip, never early: a late answer time only makes
        ``arrived`` write off refill that might not have needed it."""
        if self._clock is not None:
            return self._clock()
        local = time.time()
        offset, resync_at = self._offset
        if local >= resync_at:
            seconds, micros = self._redis.time()
            offset = seconds + micros / 1_000_000 - local
            self._offset = (offset, local + CLOCK_RESYNC_SECONDS)
        return local + offset

    def epoch(self) -> float:
        self._redis.set(self._epoch_key, repr(self.now()), nx=True)
        stored = self._redis.get(self._epoch_key)
        if stored is None:
            # Deleted between the two commands (a flush): knowledge starts now.
            return self.now()
        return float(stored)

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
