"""The bookkeeping every sent MWS call gets, whether a worker sent it from its queue
(``dispatch``) or a page sent it at once (``interactive``): which bucket it draws from, what its
answer teaches that bucket, and its request-log rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings

from mwsclient import errors
from mwsclient.client import AttemptRecord
from mwsclient.operations import Operation
from mwsclient.results import QuotaInfo
from mwsportal.developer import developer_account
from mwsportal.gateway.account import SellerAccount
from mwsportal.gateway.bucket_arithmetic import BucketKey, BucketLimits
from mwsportal.gateway.buckets import BucketBackend
from mwsportal.gateway.models import RequestLogEntry

if TYPE_CHECKING:
    from mwsportal.gateway.models import MWSCall


def to_datetime(epoch: float) -> datetime:
    """A bucket clock reading (epoch seconds) as an aware datetime."""
    return datetime.fromtimestamp(epoch, tz=UTC)


def bucket_key(region: str, seller_id: str, operation: Operation) -> tuple[BucketKey, BucketLimits]:
    """The bucket a call of ``operation`` for the Seller ID draws from: MWS throttles per
    developer account, Seller ID and throttle group."""
    developer = developer_account(region).developer_id
    key = BucketKey(developer, seller_id, operation.throttle.name)
    return key, BucketLimits.for_group(operation.throttle, settings.MWS_GATEWAY_TIME_SCALE)


def bucket_for(seller: SellerAccount, operation: Operation) -> tuple[BucketKey, BucketLimits]:
    """The bucket a call of ``operation`` for ``seller`` draws from."""
    return bucket_key(seller.region, seller.seller_id, operation)


def learn_from_answer(
    backend: BucketBackend,
    key: BucketKey,
    limits: BucketLimits,
    records: list[AttemptRecord],
    error: BaseException | None,
) -> None:
    """What one sent call (``records``: its HTTP attempts) tells the bucket."""
    # Every HTTP attempt took a token at MWS. The gateway's clients resend nothing themselves
    # (NO_RETRY), so this is one attempt per token taken; a client given a policy of its own
    # would have made the others without one.
    if len(records) > 1:
        backend.charge(key, limits, len(records) - 1)
    quota = next((r.quota for r in reversed(records) if r.quota is not None), None)
    if quota is not None and _headers_correct_bucket(quota, limits):
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


def _headers_correct_bucket(quota: QuotaInfo, limits: BucketLimits) -> bool:
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
    seller: SellerAccount | None,
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
                seller_id=seller.pk if seller is not None else None,
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
