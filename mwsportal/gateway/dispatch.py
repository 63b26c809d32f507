"""When each queued call goes out, and what its answer does to the call, the bucket and the seller.

Calls wait in queues, one per seller and MWS throttle group (``CallQueue``). Two pieces move
them:

- ``dispatch_due_queues`` (the dispatcher, run every tick by beat) finds the queues whose next
  event is due (a token, the end of a retry pause, a deferred call's start) and hands each to a
  worker under a lease. It only reads indexes and writes leases, so one tick costs the same
  whether a seller has one call waiting or thousands.
- ``work_queue`` (a worker) sends the queue's calls one at a time, in order, each only after
  taking a token from the shared bucket right before sending. When the bucket is empty it
  gives the queue back with the time the next token is due and returns: no worker ever sleeps
  for a token. It also returns after ``WORKER_BUDGET_SECONDS`` so a long backlog never holds a
  worker for minutes; the next tick hands the queue out again.

A seller's backlog therefore occupies at most one worker at a time and never delays another
seller's queue, whose call goes out on the first tick after its token is there.

Answers: server errors and transport failures are retried on the guide's schedule (1, 4, 10,
30 s, with jitter; four at most), each retry queued at the head of its queue and sent through
the bucket like any call; SubmitFeed is never resent after such a failure (``unknown_outcome``);
``RequestThrottled`` empties the bucket and ``QuotaExceeded`` blocks it until its reset time,
and the call waits for the bucket again; ``RequestExpired`` is resent once with the clock the
client learned from the answer; ``AccessDenied`` marks the seller as needing re-authorization,
which holds all its queues until a new token is stored.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast
from uuid import uuid4

import redis
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Exists, Min, OuterRef, Q

from mwsclient import errors
from mwsclient.client import AttemptRecord, DownloadResult, MWSClient, Response
from mwsclient.endpoints import Marketplace
from mwsclient.operations import Operation, get_operation
from mwsclient.retry import DEFAULT_RETRY_POLICY, NO_RETRY
from mwsportal.developer import build_client, developer_account
from mwsportal.gateway import account, signals, statements
from mwsportal.gateway.account import SellerAccount
from mwsportal.gateway.bookkeeping import bucket_for, learn_from_answer, log_entries, to_datetime
from mwsportal.gateway.bucket_arithmetic import BucketKey, BucketLimits, Take, arrival_matters
from mwsportal.gateway.buckets import BucketBackend, bucket_backend
from mwsportal.gateway.handlers import CallOutcome, Download, resolve_handler
from mwsportal.gateway.leases import LEASE_SECONDS, lease_kept
from mwsportal.gateway.models import CallQueue, MWSCall, RequestLogEntry, seller_model
from mwsportal.gateway.routing import destination
from mwsportal.gateway.settlement import Alarm, Next, Tries, settle
from mwsportal.logredaction import redact

logger = logging.getLogger(__name__)

# A worker hands its queue back after this long even when no other queue waits, so a backlog
# never holds one task for minutes.
WORKER_BUDGET_SECONDS = 10.0
# A worker must pick up a queue the dispatcher leased to it within this long, or the next tick
# hands the queue to another worker.
PICKUP_SECONDS = 60.0
# Every resend of a queued call follows this policy (see settlement.py).
RETRY_POLICY = DEFAULT_RETRY_POLICY


# ---- the dispatcher ---------------------------------------------------------------------


class Executor(Protocol):
    def submit(self, queue_id: int, lease: str) -> None: ...


def dispatch_due_queues(*, executor: Executor, limit: int = 5000) -> int:
    """Lease every queue whose next event is due and hand it to a worker; returns how many.

    Safe to run concurrently with itself: a queue is leased by one conditional UPDATE.
    """
    backend = bucket_backend()
    # Bucket knowledge starts when the gateway first runs, not at its first call, so a seller
    # connected a while after deployment finds its buckets full, as MWS has them; otherwise
    # the first token check of a fresh install would wait a whole restore period.
    backend.epoch()
    now = to_datetime(backend.now())
    free = Q(lease="") | Q(lease_until__lt=now)
    # Queues of sellers on hold (re-authorization, suspension) stay due but are passed over,
    # so they resume on the first tick after the seller is active again. Removed sellers'
    # queues are handed out to have their calls cancelled.
    # The seller's status as a correlated EXISTS: the due-time index drives the search, so a
    # tick reads the due queues only, however many sellers there are (a join would walk every
    # active seller's queues).
    workable = seller_model()._default_manager.filter(
        pk=OuterRef("seller_id"), status__in=[account.ACTIVE, account.REMOVED]
    )
    due = list(
        CallQueue.objects.filter(free, Exists(workable), next_check_at__lte=now)
        .order_by("next_check_at")
        .values_list("pk", flat=True)[:limit]
    )
    if not due:
        return 0
    lease = uuid4().hex
    CallQueue.objects.filter(free, pk__in=due).update(
        lease=lease, lease_until=now + timedelta(seconds=PICKUP_SECONDS)
    )
    leased = list(CallQueue.objects.filter(pk__in=due, lease=lease).values_list("pk", flat=True))
    for queue_id in leased:
        executor.submit(queue_id, lease)
    return len(leased)


# ---- sending ------------------------------------------------------------------------------


@dataclass
class Attempted:
    """What sending one call produced: the client's record of every HTTP attempt, and the
    result or the exception."""

    records: list[AttemptRecord]
    result: Any = None
    download: Download | None = None
    error: BaseException | None = None


Sender = Callable[[MWSCall, SellerAccount], Attempted]

_local = threading.local()


def _observe(record: AttemptRecord) -> None:
    records = getattr(_local, "records", None)
    if records is not None:
        records.append(record)


def _client(region: str) -> MWSClient:
    """One client per thread and account, kept so its connections and the clock offset it
    learned from MWS's answers outlive a single call."""
    clients: dict[tuple[str, str, str], MWSClient] = _local.__dict__.setdefault("clients", {})
    account = developer_account(region)
    key = (region, settings.MWS_ENDPOINT, account.access_key_id)
    client = clients.get(key)
    if client is None:
        # The gateway schedules every retry itself, through the bucket.
        client = clients[key] = build_client(region, retry_policy=NO_RETRY, observer=_observe)
    return client


def _client_params(op: Operation, stored: dict[str, Any]) -> dict[str, Any]:
    """Stored (JSON) parameters back in the types the client takes."""
    params = dict(stored)
    for param in op.params:
        value = params.get(param.name)
        if param.type == "datetime" and isinstance(value, str):
            params[param.name] = datetime.fromisoformat(value)
    return params


def send_with_client(call: MWSCall, seller: SellerAccount) -> Attempted:
    """Send ``call`` once with the seller's authorization (no retry: that is decided here)."""
    records: list[AttemptRecord] = []
    _local.records = records
    try:
        op = get_operation(call.operation)
        client = _client(seller.region)
        params = _client_params(op, call.params)
        where = destination(seller, params.get("MarketplaceIdList") or ())
        route: dict[str, Any] = (
            {"marketplace": where} if isinstance(where, Marketplace) else {"region": where}
        )
        common: dict[str, Any] = {
            "seller_id": seller.seller_id,
            "auth_token": seller.auth_token,
            "params": params,
            **route,
        }
        if op.kind == "download":
            return _download(client, op, common, records)
        if op.kind == "upload":
            with default_storage.open(call.upload, "rb") as source:
                # Django's File hands every read and seek to the file it wraps.
                response = client.send(op, source=cast(BinaryIO, source), **common)
            return Attempted(records, result=response)
        return Attempted(records, result=client.send(op, **common))
    except Exception as exc:
        return Attempted(records, error=exc)
    finally:
        _local.records = None


def _download(
    client: MWSClient, op: Operation, common: dict[str, Any], records: list[AttemptRecord]
) -> Attempted:
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - handed to the result handler
        prefix="mws-download-", dir=settings.FILE_UPLOAD_TEMP_DIR, delete=False
    )
    path = Path(handle.name)
    try:
        with handle:
            result = client.send(op, sink=cast(BinaryIO, handle), **common)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    assert isinstance(result, DownloadResult), "a download operation answers a DownloadResult"
    download = Download(path, result.md5, result.bytes_written, result.content_type, result.charset)
    return Attempted(records, result=result, download=download)


# ---- the worker ---------------------------------------------------------------------------


@dataclass
class _Claim:
    call: MWSCall
    seller: SellerAccount
    operation: Operation
    key: BucketKey
    limits: BucketLimits
    # The token this sending took; None for a call recovered from a worker that died.
    take: Take | None = None


def work_queue(
    queue_id: int,
    lease: str,
    *,
    executor: Executor | None = None,
    sender: Sender | None = None,
    budget: float = WORKER_BUDGET_SECONDS,
) -> int:
    """Send the calls of a leased queue while tokens last; returns how many were sent.

    While other queues are due, the worker sends one call and hands its queue back to
    ``executor`` (at the back of its line; without one, to the next dispatcher tick) instead
    of sending the next: every seller's bucket
    starts draining, and so refilling, as early as the workers allow, and a seller's burst
    never holds up another seller's call. Safe to run twice: only the first run with a given
    lease gets the queue.
    """
    backend = bucket_backend()
    sender = sender or send_with_client
    started = time.monotonic()
    mine = uuid4().hex
    sent = 0
    with lease_kept(queue_id, mine, backend):
        claim = _claim_next(queue_id, mine, backend, taking_over=lease)
        while claim is not None:
            attempted = sender(claim.call, claim.seller)
            over_budget = time.monotonic() - started >= budget
            handed_back = _finish(
                claim, attempted, backend, lease=mine, executor=executor, over_budget=over_budget
            )
            sent += 1
            if handed_back:
                break
            claim = _claim_next(queue_id, mine, backend)
    return sent


def _hand_back(
    queue_id: int, lease: str, executor: Executor | None, now: datetime, *, always: bool
) -> tuple[bool, str]:
    """Put the queue at the back of the executor's line under a fresh lease (``always``, or
    while another seller's queue is due: one conditional UPDATE decides and does it). Returns
    whether it was handed back, and the fresh lease for the caller to submit once this is
    committed; without an executor the queue is left due for the dispatcher's next tick."""
    if executor is None:
        handed = statements.hand_back(
            queue_id, lease, fresh_lease="", lease_until=None, now=now, always=always
        )
        return handed, ""
    fresh = uuid4().hex
    until = now + timedelta(seconds=PICKUP_SECONDS)
    handed = statements.hand_back(
        queue_id, lease, fresh_lease=fresh, lease_until=until, now=now, always=always
    )
    return handed, fresh if handed else ""


def _release(queue: CallQueue, next_check_at: datetime | None) -> None:
    queue.lease = ""
    queue.lease_until = None
    queue.next_check_at = next_check_at
    statements.store_lease(queue)


def _claim_next(
    queue_id: int, lease: str, backend: BucketBackend, *, taking_over: str = ""
) -> _Claim | None:
    """Mark the next call of the queue as sending if its turn, its time and a token are all
    there; otherwise give the queue back with the time to look again.

    A run's first claim passes the dispatcher's lease as ``taking_over``: it becomes the
    run's own ``lease`` in the same transaction, so a duplicate delivery of the same task
    finds nothing to do instead of taking the in-flight call for an interrupted one.
    """
    first = bool(taking_over)
    with transaction.atomic():
        queue = statements.leased_queue(queue_id, taking_over or lease)
        if queue is None:
            return None
        queue.lease = lease
        seller = queue.seller
        now = to_datetime(backend.now())
        if first:
            # Only a worker that held the queue before this run can have left a call in flight.
            for interrupted in statements.calls_in_flight(queue.pk):
                _recover_interrupted(interrupted, seller, backend)
        if seller.status == account.REMOVED:
            _cancel_pending(queue, now)
            _release(queue, None)
            return None
        if seller.status != account.ACTIVE:
            _release(queue, now)
            return None
        head = statements.head_of_queue(queue.pk, now)
        if head is None:
            waiting = queue.calls.filter(state=MWSCall.State.QUEUED)
            _release(queue, waiting.aggregate(first=Min("available_at"))["first"])
            return None
        if head.retry_at is not None and head.retry_at > now:
            _release(queue, head.retry_at)
            return None
        operation = get_operation(head.operation)
        key, limits = bucket_for(seller, operation)
        take = backend.take(key, limits)
        if not take.granted:
            _release(queue, to_datetime(take.retry_at))
            return None
        now = to_datetime(take.now)
        turn = max(head.available_at, head.retry_at or head.available_at)
        head.ready_at = min(now, max(to_datetime(take.token_at), turn))
        head.state = MWSCall.State.SENDING
        head.attempts += 1
        head.sent_at = now
        head.retry_at = None
        statements.mark_sending(head)
        if first:
            # Renewed while this run lasts, and looked at again only if this worker disappears
            # with a call in flight.
            queue.lease_until = now + timedelta(seconds=LEASE_SECONDS)
            queue.next_check_at = queue.lease_until
            statements.store_lease(queue)
        return _Claim(head, seller, operation, key, limits, take)


def _cancel_pending(queue: CallQueue, now: datetime) -> None:
    for call in queue.calls.filter(state=MWSCall.State.QUEUED):
        call.state = MWSCall.State.CANCELLED
        call.error_message = "The seller's authorization was removed before the call was sent."
        call.finished_at = now
        _deliver(CallOutcome(call))
        call.save(update_fields=_SETTLED_FIELDS)


def _recover_interrupted(call: MWSCall, seller: SellerAccount, backend: BucketBackend) -> None:
    """A call left in flight by a worker that died: whether MWS got it is unknown."""
    operation = get_operation(call.operation)
    key, limits = bucket_for(seller, operation)
    failure = errors.TransportError(
        "the worker stopped while the call was in flight", operation=call.operation
    )
    claim = _Claim(call, seller, operation, key, limits)
    _settle(claim, Attempted([], error=failure), to_datetime(backend.now()))


# ---- what an answer does ------------------------------------------------------------------


def _finish(
    claim: _Claim,
    attempted: Attempted,
    backend: BucketBackend,
    *,
    lease: str,
    executor: Executor | None,
    over_budget: bool,
) -> bool:
    """Record the answer and settle the call; returns whether the queue was handed back
    (``over_budget`` or another seller's queue due), in the same transaction, so a call costs
    one write transaction after its answer."""
    answered_at = backend.now()
    now = to_datetime(answered_at)
    queue_id = claim.call.queue_id
    try:
        with transaction.atomic():
            _update_bucket(claim, attempted, backend, answered_at)
            _write_log(claim, attempted.records)
            _settle(claim, attempted, now)
            handed_back, fresh = _hand_back(queue_id, lease, executor, now, always=over_budget)
    finally:
        if attempted.download is not None:
            attempted.download.path.unlink(missing_ok=True)
    if fresh and executor is not None:
        executor.submit(queue_id, fresh)
    return handed_back


def _update_bucket(
    claim: _Claim, attempted: Attempted, backend: BucketBackend, answered_at: float
) -> None:
    take = claim.take
    # The answer is in, so the request reached MWS by ``answered_at`` at the latest.
    if take is not None and arrival_matters(take, claim.limits, answered_at):
        backend.arrived(claim.key, claim.limits, take.now, take.covered_until)
    learn_from_answer(backend, claim.key, claim.limits, attempted.records, attempted.error)


def _write_log(claim: _Claim, records: list[AttemptRecord]) -> None:
    call = claim.call
    if not records or call.sent_at is None:
        # Nothing went out (a call recovered from a worker that died before sending).
        return
    RequestLogEntry.objects.bulk_create(
        log_entries(
            records,
            seller=claim.seller,
            call=call,
            first_attempt=call.attempts,
            sent_at=call.sent_at,
        )
    )
    call.attempts += max(0, len(records) - 1)


def _snapshot(result: Any) -> Any:
    """A JSON-ready copy of a typed result, kept on the call for the admin and the API."""
    if isinstance(result, Response):
        return dataclasses.asdict(result.result)
    if isinstance(result, DownloadResult):
        return {
            "md5": result.md5,
            "bytes": result.bytes_written,
            "content_type": result.content_type,
            "charset": result.charset,
        }
    return None


def _describe(error: BaseException) -> str:
    text = str(error) if isinstance(error, errors.MWSError) else f"{type(error).__name__}: {error}"
    return redact(text)[:2000]


def _settle(claim: _Claim, attempted: Attempted, now: datetime) -> None:
    """Record the answer on the call and apply what it means (``settlement.settle``): the
    call's next state, the seller's signals, and the outcome delivered once the state is
    final."""
    call, error = claim.call, attempted.error
    response = attempted.result
    call.request_id = (
        getattr(response, "request_id", None)
        or getattr(error, "request_id", None)
        or next((r.request_id for r in reversed(attempted.records) if r.request_id), "")
        or ""
    )
    call.error_code = getattr(error, "code", None) or ""
    call.error_message = _describe(error) if error is not None else ""
    decided = settle(
        call.operation,
        error,
        reached_mws=bool(attempted.records),
        tries=Tries(call.server_retries, call.throttled_retries, call.resynced),
        policy=RETRY_POLICY,
    )
    call.server_retries = decided.tries.server_retries
    call.throttled_retries = decided.tries.throttled_retries
    call.resynced = decided.tries.resynced
    if decided.token_accepted:
        signals.token_accepted.send(type(claim.seller), seller=claim.seller, at=now)
    if decided.authorization_refused:
        signals.authorization_refused.send(
            type(claim.seller),
            seller=claim.seller,
            reason=f"Amazon MWS answered AccessDenied to {call.operation} on "
            f"{now:%Y-%m-%d %H:%M} UTC: the authorization was revoked in Seller Central or has "
            "expired. Paste a new MWS Auth Token to resume.",
        )
    if decided.alarm == Alarm.DEVELOPER_KEYS:
        logger.error(
            "MWS refused the developer keys (%s) for region %s; every call will fail until "
            "MWS_ACCESS_KEY_ID and MWS_SECRET_KEY are fixed",
            call.error_code,
            claim.seller.region,
        )
    elif decided.alarm == Alarm.LOCAL:
        logger.error(
            "MWS call %s (%s) could not be sent: %s", call.pk, call.operation, call.error_message
        )

    if decided.next == Next.SUCCEEDED:
        call.state = MWSCall.State.SUCCEEDED
        call.result = _snapshot(response)
        result = response.result if isinstance(response, Response) else None
        _close(call, now, CallOutcome(call, result=result, download=attempted.download))
    elif decided.next == Next.RESEND:
        retry_at = None
        if decided.server_retry is not None:
            pause = RETRY_POLICY.delay(decided.server_retry) / settings.MWS_GATEWAY_TIME_SCALE
            retry_at = now + timedelta(seconds=pause)
        _requeue(call, retry_at=retry_at)
    else:
        assert error is not None, "only an error settles as unknown or failed"
        call.state = MWSCall.State.UNKNOWN if decided.next == Next.UNKNOWN else MWSCall.State.FAILED
        _close(call, now, CallOutcome(call, error=_as_mws_error(error, call)))


def _as_mws_error(error: BaseException, call: MWSCall) -> errors.MWSError:
    if isinstance(error, errors.MWSError):
        return error
    return errors.TransportError(_describe(error), operation=call.operation)


# What answering a call changes on it.
_SETTLED_FIELDS = [
    "state",
    "retry_at",
    "attempts",
    "server_retries",
    "throttled_retries",
    "resynced",
    "request_id",
    "error_code",
    "error_message",
    "result",
    "handler_error",
    "finished_at",
]


def _requeue(call: MWSCall, *, retry_at: datetime | None) -> None:
    call.state = MWSCall.State.QUEUED
    call.retry_at = retry_at
    call.save(update_fields=_SETTLED_FIELDS)


def _close(call: MWSCall, now: datetime, outcome: CallOutcome) -> None:
    call.finished_at = now
    _deliver(outcome)
    call.save(update_fields=_SETTLED_FIELDS)


# The database or Redis could not be reached while a handler ran: nothing is wrong with the
# handler, so the whole answer is rolled back instead of closing the call without its effect.
# The call stays in flight under a lease that runs out within a minute and is then recovered
# like one whose worker died (a repeatable call is sent again, a SubmitFeed reconciled), so
# its outcome is recorded once both answer again.
_UNREACHABLE = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def _deliver(outcome: CallOutcome) -> None:
    """Run the call's handler; its writes commit with the call's final state, or not at all."""
    call = outcome.call
    if not call.handler:
        return
    try:
        with transaction.atomic():
            resolve_handler(call.handler)(outcome)
    except _UNREACHABLE:
        raise
    except Exception as exc:
        call.handler_error = _describe(exc)
        logger.exception("MWS result handler %r failed for call %s", call.handler, call.pk)
