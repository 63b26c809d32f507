"""Calls a person waits for: sent at once from the calling process, through the seller's bucket.

Most calls go through the queues (``services.request_call``) and reach a result handler later.
Checking a token before it is stored cannot wait for a worker: the onboarding page must tell
the seller now whether Amazon accepts it, and there is no seller row yet to queue a call for.
``call_now`` sends such a call at once, and treats it like every other call of the gateway:

- it first takes a token from the bucket of the Seller ID and throttle group that the queued
  calls share, so it counts against the same MWS quota and never makes a queued call of the
  seller run into RequestThrottled;
- the answer teaches the bucket (RequestThrottled empties it, QuotaExceeded blocks it, quota
  headers correct its hourly count), as in ``dispatch``;
- every HTTP attempt goes into the request log.

The caller waits at most ``max_wait`` seconds for a token (``BucketBusy`` beyond that) and
gets at most ``retries`` quick resends after a server error or a lost answer, so a page never
hangs for the guide's background schedule.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from mwsportal.developer import build_client, developer_account
from mwsportal.gateway.buckets import (
    BucketBackend,
    BucketKey,
    BucketLimits,
    Take,
    arrival_matters,
    bucket_backend,
)
from mwsportal.gateway.models import RequestLogEntry
from mwsportal.mws import errors
from mwsportal.mws.client import AttemptRecord, Response
from mwsportal.mws.operations import Operation, get_operation
from mwsportal.mws.results import QuotaInfo
from mwsportal.mws.retry import NO_RETRY

if TYPE_CHECKING:
    from mwsportal.gateway.models import MWSCall
    from sellers.models import Seller

# A person waits on the page: a token due later than this is not waited for.
INTERACTIVE_MAX_WAIT_SECONDS = 5.0
# Pause before the quick resend after a server error (the guide's first backoff step).
INTERACTIVE_RETRY_SECONDS = 1.0


class BucketBusy(Exception):
    """The bucket has no token for this call within the wait the caller allows."""

    def __init__(self, operation: str, retry_in: float) -> None:
        super().__init__(f"no token for {operation} for another {retry_in:.0f} s")
        self.operation = operation
        self.retry_in = retry_in


def bucket_key(region: str, seller_id: str, operation: Operation) -> tuple[BucketKey, BucketLimits]:
    """The bucket a call of ``operation`` for the Seller ID draws from: MWS throttles per
    developer account, Seller ID and throttle group."""
    developer = developer_account(region).developer_id
    key = BucketKey(developer, seller_id, operation.throttle.name)
    return key, BucketLimits.for_group(operation.throttle, settings.MWS_GATEWAY_TIME_SCALE)


@sensitive_variables("auth_token")
def call_now(
    operation: str,
    params: Mapping[str, Any] | None = None,
    *,
    region: str,
    seller_id: str,
    auth_token: str,
    seller: Seller | None = None,
    logged: list[RequestLogEntry] | None = None,
    max_wait: float = INTERACTIVE_MAX_WAIT_SECONDS,
    retries: int = 1,
    timeout: float | None = None,
) -> Response[Any]:
    """Send one XML call for ``seller_id`` with ``auth_token`` now and return the answer.

    ``seller`` is the row the request-log entries belong to (None while the seller is not
    stored yet); ``logged``, when given, receives the entries written, so a caller that stores
    the seller afterwards can attach them. MWS errors are raised as the client raises them,
    after the bucket and the log have seen them; ``BucketBusy`` when no token comes in time.
    """
    op = get_operation(operation)
    if op.kind != "xml":
        raise ValueError(f"{op.name} is not sent with call_now: it is an {op.kind}")
    key, limits = bucket_key(region, seller_id, op)
    backend = bucket_backend()
    records: list[AttemptRecord] = []
    options: dict[str, Any] = {"retry_policy": NO_RETRY, "observer": records.append}
    if timeout is not None:
        options["timeout"] = timeout
    deadline = time.monotonic() + max_wait
    resent = 0
    with build_client(region, **options) as client:
        while True:
            take = _take_token(backend, key, limits, op.name, deadline)
            sent_at = _as_datetime(backend.now())
            first = len(records)
            try:
                response = client.call(
                    op.name,
                    seller_id=seller_id,
                    auth_token=auth_token,
                    region=region,
                    params=params,
                )
            except errors.MWSError as error:
                _record(backend, key, limits, take, records, first, error, seller, sent_at, logged)
                resendable = isinstance(error, errors.ServerError | errors.TransportError)
                if not resendable or resent >= retries:
                    raise
                resent += 1
                time.sleep(INTERACTIVE_RETRY_SECONDS / settings.MWS_GATEWAY_TIME_SCALE)
                continue
            _record(backend, key, limits, take, records, first, None, seller, sent_at, logged)
            return response


def _take_token(
    backend: BucketBackend, key: BucketKey, limits: BucketLimits, operation: str, deadline: float
) -> Take:
    while True:
        take = backend.take(key, limits)
        if take.granted:
            return take
        wait = take.retry_at - take.now
        if time.monotonic() + wait > deadline:
            raise BucketBusy(operation, wait)
        time.sleep(wait)


def _record(
    backend: BucketBackend,
    key: BucketKey,
    limits: BucketLimits,
    take: Take,
    records: list[AttemptRecord],
    first: int,
    error: BaseException | None,
    seller: Seller | None,
    sent_at: datetime,
    logged: list[RequestLogEntry] | None,
) -> None:
    """Settle the attempts ``records[first:]`` of this sending with the bucket and the log."""
    attempts = records[first:]
    # The answer is in, so the request reached MWS by now (see buckets.arrived).
    if arrival_matters(take, limits, backend.now()):
        backend.arrived(key, limits, take.now, take.covered_until)
    with transaction.atomic():
        learn_from_answer(backend, key, limits, attempts, error)
        entries = RequestLogEntry.objects.bulk_create(
            log_entries(
                attempts, seller=seller, call=None, first_attempt=first + 1, sent_at=sent_at
            )
        )
    if logged is not None:
        logged.extend(entries)


def _as_datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=UTC)


# ---- shared with the queued path (dispatch) -------------------------------------------------


def learn_from_answer(
    backend: BucketBackend,
    key: BucketKey,
    limits: BucketLimits,
    records: list[AttemptRecord],
    error: BaseException | None,
) -> None:
    """What one sent call (``records``: its HTTP attempts) tells the bucket."""
    # The client resends once by itself after RequestExpired; that request had no token.
    if len(records) > 1:
        backend.charge(key, limits, len(records) - 1)
    quota = next((r.quota for r in reversed(records) if r.quota is not None), None)
    if quota is not None and _news(quota, limits):
        backend.learn_hourly(
            key,
            limits,
            quota_max=quota.max,
            remaining=quota.remaining,
            resets_on=quota.resets_on.timestamp() if quota.resets_on else None,
        )
    if isinstance(error, errors.ThrottledError):
        backend.throttled(key, limits)
    elif isinstance(error, errors.QuotaExceededError):
        resets_on = error.resets_on
        backend.quota_exceeded(key, limits, resets_on.timestamp() if resets_on else None)


def _news(quota: QuotaInfo, limits: BucketLimits) -> bool:
    """Whether quota headers can tell the bucket something it does not know. Our own count
    of the hour is exact for our own calls; the headers matter when MWS allows more than the
    catalog says (EU sellers in several marketplaces) or when someone else uses the same keys,
    and then the remaining count falls to half before it can run out (one call in flight per
    queue, and each answer carries the headers)."""
    if quota.max is not None and quota.max != limits.hourly_quota:
        return True
    return (
        quota.remaining is not None and quota.max is not None and quota.remaining <= quota.max / 2
    )


def log_entries(
    records: list[AttemptRecord],
    *,
    seller: Seller | None,
    call: MWSCall | None,
    first_attempt: int,
    sent_at: datetime,
) -> list[RequestLogEntry]:
    """Request-log rows (unsaved) for the HTTP attempts of one sent call."""
    entries = []
    for offset, record in enumerate(records):
        quota = record.quota
        entries.append(
            RequestLogEntry(
                seller=seller,
                mws_seller_id=record.seller_id,
                call=call,
                operation=record.operation,
                attempt=first_attempt + offset,
                sent_at=sent_at,
                timestamp=record.request_timestamp,
                request_id=record.request_id or "",
                host=record.host,
                http_status=record.http_status,
                error_code=record.error_code or "",
                error_family=record.error_family or "",
                duration_ms=record.duration_s * 1000,
                bytes_sent=record.bytes_sent,
                bytes_received=record.bytes_received,
                quota_max=quota.max if quota else None,
                quota_remaining=quota.remaining if quota else None,
                quota_resets_on=quota.resets_on if quota else None,
            )
        )
        sent_at += timedelta(seconds=record.duration_s)
    return entries
