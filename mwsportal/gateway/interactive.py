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
hangs for the guide's background schedule; RequestExpired is resent once, signed with the clock
its answer taught the client, as the retry policy has it for queued calls.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from mwsclient import errors
from mwsclient.client import AttemptRecord, Response
from mwsclient.operations import get_operation
from mwsclient.retry import NO_RETRY
from mwsportal.developer import build_client
from mwsportal.gateway.account import SellerAccount
from mwsportal.gateway.bookkeeping import bucket_key, learn_from_answer, log_entries, to_datetime
from mwsportal.gateway.bucket_arithmetic import BucketKey, BucketLimits, Take, arrival_matters
from mwsportal.gateway.buckets import BucketBackend, bucket_backend
from mwsportal.gateway.models import RequestLogEntry

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


@sensitive_variables("auth_token")
def call_now(
    operation: str,
    params: Mapping[str, Any] | None = None,
    *,
    region: str,
    seller_id: str,
    auth_token: str,
    seller: SellerAccount | None = None,
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
    resynced = False
    with build_client(region, **options) as client:
        while True:
            take = _take_token(backend, key, limits, op.name, deadline)
            sent_at = to_datetime(backend.now())
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
                if isinstance(error, errors.RequestExpiredError) and not resynced:
                    # The client learned MWS's clock from this answer: once more, signed with it.
                    resynced = True
                    continue
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
    seller: SellerAccount | None,
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
