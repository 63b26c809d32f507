"""The one way the portal asks for MWS calls, and what it can read about them.

A service asks for a call with ``request_call`` and passes its result handler function (see
``handlers.py``); the gateway decides when the call may go out, signs and sends it, retries it
when that is safe, records every attempt in the request log and hands the outcome to the
handler. Callers never sign, sleep or retry::

    call = gateway.request_call(
        seller,
        "RequestReport",
        {"ReportType": "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"},
        handler=on_report_requested,
        context={"report_request": report_request.pk},
    )
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from mwsclient.operations import OPERATIONS, Operation, get_operation
from mwsclient.params import encode_params
from mwsportal.gateway import account
from mwsportal.gateway.account import SellerAccount
from mwsportal.gateway.bookkeeping import bucket_for, to_datetime
from mwsportal.gateway.buckets import bucket_backend
from mwsportal.gateway.handlers import Handler, handler_path
from mwsportal.gateway.models import CallQueue, MWSCall, RequestLogEntry


class SellerNotCallable(Exception):
    """The seller's authorization was removed: no call can be made for it any more."""


def request_call(
    seller: SellerAccount,
    operation: str,
    params: Mapping[str, Any] | None = None,
    *,
    handler: Handler | None = None,
    context: Mapping[str, Any] | None = None,
    priority: int = 0,
    upload: str = "",
    not_before: datetime | None = None,
    spread_over: timedelta | None = None,
    dedupe_key: str = "",
) -> MWSCall:
    """Queue an MWS call for ``seller`` and return it.

    - ``params``: the operation's parameters as the client takes them (datetimes, lists,
      booleans), checked now so a bad call fails here and not in a worker. Never the seller
      id or token: the gateway adds those when it sends.
    - ``handler``/``context``: the result handler function that receives the outcome (a
      module-level function: its dotted path is stored and checked now), and small JSON data it
      needs (ids of the service's own rows, never secrets).
    - ``priority``: higher goes first among the seller's calls of the same throttle group;
      equal priorities go in the order they were asked for.
    - ``upload``: for SubmitFeed, the storage name of the feed file, with the MD5 stored with
      it as the ``ContentMD5Value`` param. The gateway sends that MD5 and streams the file,
      which must still match it: a changed or corrupted file fails the call
      (``FeedChangedError``) before MWS receives a feed.
    - ``not_before``: the earliest time to send. ``spread_over``: a periodic sync that many
      sellers ask for at once gets a fixed offset within this window, different per seller,
      so their calls do not all go out at the same moment.
    - ``dedupe_key``: while a call with this key is still pending for the seller, asking
      again returns that call instead of queueing another (a poll asked for by every tick).

    A seller whose calls are on hold (re-authorization, suspension) keeps its calls queued
    until it is active again; a removed seller raises ``SellerNotCallable``.
    """
    if seller.status == account.REMOVED:
        raise SellerNotCallable(f"seller {seller.pk} has no authorization any more")
    op = _operation(operation)
    params = dict(params or {})
    _check_params(op, params, upload)
    handler_name = handler_path(handler) if handler is not None else ""
    # The bucket store's clock is the gateway's single time source, shared by every machine.
    now = to_datetime(bucket_backend().now())
    available_at = max(now, not_before) if not_before else now
    if spread_over:
        available_at += _offset(seller, operation, dedupe_key, spread_over)
    with transaction.atomic():
        queue, _ = CallQueue.objects.get_or_create(
            seller_id=seller.pk, throttle_group=op.throttle.name
        )
        # Locked so a worker giving the queue back cannot miss this call (see dispatch).
        queue = CallQueue.objects.select_for_update().get(pk=queue.pk)
        if dedupe_key:
            pending = MWSCall.objects.filter(
                seller_id=seller.pk, dedupe_key=dedupe_key, state__in=MWSCall.PENDING_STATES
            ).first()
            if pending is not None:
                return pending
        call = MWSCall.objects.create(
            seller_id=seller.pk,
            queue=queue,
            operation=op.name,
            params=params,
            upload=upload,
            priority=priority,
            available_at=available_at,
            handler=handler_name,
            context=dict(context or {}),
            dedupe_key=dedupe_key,
        )
        if queue.next_check_at is None or queue.next_check_at > available_at:
            queue.next_check_at = available_at
            queue.save(update_fields=["next_check_at"])
    return call


def request_follow_up(
    seller: SellerAccount,
    operation: str,
    params: Mapping[str, Any],
    *,
    handler: Handler,
    context: Mapping[str, Any] | None = None,
    not_before: datetime,
    key: str,
    answering: MWSCall | None = None,
) -> MWSCall:
    """Queue a follow-up call (a poll of work Amazon is doing) to go out at ``not_before``;
    one follow-up of each ``key`` is pending per seller.

    A pending follow-up that would go out later is withdrawn and replaced, so new work is
    asked about when it is due and not on an older, backed-off schedule. One that goes out
    sooner, or is already on its way, stays: its handler asks again after it. ``answering``
    is the follow-up whose handler asks: still pending while the handler runs, it does not
    count. The buckets still decide when each call really goes."""
    pending = MWSCall.objects.filter(
        seller_id=seller.pk, dedupe_key__startswith=f"{key}:", state__in=MWSCall.PENDING_STATES
    )
    if answering is not None:
        pending = pending.exclude(pk=answering.pk)
    current = pending.first()
    if current is not None and (
        current.state != MWSCall.State.QUEUED
        or current.available_at <= not_before
        or not cancel_call(current)
    ):
        return current
    return request_call(
        seller,
        operation,
        params,
        handler=handler,
        context=context,
        not_before=not_before,
        # Each follow-up has its own key (its due time): the one answering is still pending.
        dedupe_key=f"{key}:{not_before.timestamp():.6f}",
    )


def cancel_call(call: MWSCall) -> bool:
    """Withdraw a call that has not been sent yet; False when it is already on its way or
    done. The handler is not called: the caller knows."""
    cancelled = MWSCall.objects.filter(pk=call.pk, state=MWSCall.State.QUEUED).update(
        state=MWSCall.State.CANCELLED,
        finished_at=to_datetime(bucket_backend().now()),
        error_message="Withdrawn before it was sent.",
    )
    if cancelled:
        call.refresh_from_db()
    return bool(cancelled)


_MD5_RE = re.compile(r"[A-Za-z0-9+/]{22}==")


def _operation(name: str) -> Operation:
    try:
        return get_operation(name)
    except KeyError:
        raise ValueError(f"{name!r} is not an MWS operation of the catalog") from None


def _check_params(op: Operation, params: dict[str, Any], upload: str) -> None:
    if op.kind == "upload":
        # The MD5 taken when the feed was stored: what is sent, and what the file must still
        # match when it is sent (the client checks it before and while the file streams).
        if not _MD5_RE.fullmatch(str(params.get("ContentMD5Value", ""))):
            raise ValueError(
                "ContentMD5Value must be the base64 MD5 stored with the upload (24 characters)"
            )
        if not upload:
            raise ValueError(f"{op.name} needs the storage name of the feed file as upload=")
        if not default_storage.exists(upload):
            raise ValueError(f"the upload {upload!r} does not exist in storage")
        encode_params(op, params)
        return
    if upload:
        raise ValueError(f"{op.name} takes no upload")
    encode_params(op, params)


def _offset(seller: SellerAccount, operation: str, dedupe_key: str, window: timedelta) -> timedelta:
    """A stable offset within ``window`` for this seller's call, so each seller keeps its own
    slot and a periodic sync for many sellers is spread evenly over the window.

    Sellers are placed by the golden-ratio sequence of their ids (consecutive ids land in
    evenly spaced slots, with no bunching a hash would allow); a hash of the operation and
    dedupe key shifts the whole sequence so different syncs do not start at the same moments."""
    digest = hashlib.sha256(f"{operation}:{dedupe_key}".encode()).digest()
    shift = int.from_bytes(digest[:8], "big") / 2**64
    fraction = (seller.pk * _GOLDEN_RATIO_CONJUGATE + shift) % 1.0
    return timedelta(seconds=window.total_seconds() * fraction)


_GOLDEN_RATIO_CONJUGATE = (5**0.5 - 1) / 2


# ---- quota view ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupQuota:
    """One throttle group of one seller: what MWS's bucket holds as far as we know."""

    group: str
    operations: tuple[str, ...]
    quota: int
    level: float
    restore_seconds: float
    hourly_quota: int | None
    hourly_remaining: int | None
    blocked_until: datetime | None
    next_token_at: datetime | None
    queued: int
    known: bool
    as_of: datetime

    @property
    def tokens(self) -> int:
        return int(self.level + 1e-9)

    @property
    def percent(self) -> int:
        return round(100 * self.level / self.quota) if self.quota else 0

    @property
    def next_token_in(self) -> int | None:
        """Whole seconds until the next request may go, or None when one may go now."""
        if self.next_token_at is None:
            return None
        return max(1, math.ceil((self.next_token_at - self.as_of).total_seconds()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "operations": list(self.operations),
            "quota": self.quota,
            "level": round(self.level, 3),
            "restore_seconds": self.restore_seconds,
            "hourly_quota": self.hourly_quota,
            "hourly_remaining": self.hourly_remaining,
            "blocked_until": self.blocked_until.isoformat() if self.blocked_until else None,
            "next_token_at": self.next_token_at.isoformat() if self.next_token_at else None,
            "queued": self.queued,
        }


def quota_status(seller: SellerAccount, *, active_only: bool = False) -> list[GroupQuota]:
    """Current bucket level and hourly quota left for each throttle group of ``seller``.

    ``active_only`` keeps the groups the portal has used or has calls waiting for.
    """
    groups: dict[str, list[Operation]] = {}
    for op in OPERATIONS.values():
        groups.setdefault(op.throttle.name, []).append(op)
    queued = dict(
        MWSCall.objects.filter(seller_id=seller.pk, state__in=MWSCall.PENDING_STATES)
        .values_list("queue__throttle_group")
        .annotate(n=Count("id"))
    )
    buckets = [bucket_for(seller, ops[0]) for ops in groups.values()]
    views = bucket_backend().views(buckets)
    status = []
    for (name, ops), view in zip(groups.items(), views, strict=True):
        if active_only and not view.known and not queued.get(name):
            continue
        throttle = ops[0].throttle
        status.append(
            GroupQuota(
                group=name,
                operations=tuple(op.name for op in ops),
                quota=throttle.quota,
                level=view.level,
                restore_seconds=throttle.restore_seconds,
                hourly_quota=view.hourly_quota,
                hourly_remaining=view.hourly_remaining,
                blocked_until=to_datetime(view.blocked_until) if view.blocked_until else None,
                next_token_at=to_datetime(view.next_token_at)
                if view.next_token_at > view.now
                else None,
                queued=queued.get(name, 0),
                known=view.known,
                as_of=to_datetime(view.now),
            )
        )
    return status


# ---- one call's wait ------------------------------------------------------------------------


@dataclass(frozen=True)
class CallWait:
    """Where a pending call stands: still waiting in its queue (``sending`` False, for its
    turn, its time or its bucket's token) or on its way to MWS."""

    sending: bool
    # Queued: about how long until it may go, from its place in the queue and its bucket's
    # level and restore rate (zero when it goes at the dispatcher's next look).
    expected_in: timedelta


def pending_call_wait(seller: SellerAccount, dedupe_key: str) -> CallWait | None:
    """How the pending call of ``seller`` asked for with ``dedupe_key`` is getting on; None
    when no such call is pending (never asked for, or answered already).

    The estimate counts the queued calls that go before it (higher priority, or asked for
    earlier): each needs a token first, and the bucket gives one back every restore interval.
    """
    call = (
        MWSCall.objects.filter(
            seller_id=seller.pk, dedupe_key=dedupe_key, state__in=MWSCall.PENDING_STATES
        )
        .order_by("pk")
        .first()
    )
    if call is None:
        return None
    if call.state == MWSCall.State.SENDING:
        return CallWait(sending=True, expected_in=timedelta(0))
    same_priority_earlier = Q(priority=call.priority) & (
        Q(available_at__lt=call.available_at) | Q(available_at=call.available_at, pk__lt=call.pk)
    )
    ahead = (
        MWSCall.objects.filter(queue_id=call.queue_id, state=MWSCall.State.QUEUED)
        .filter(
            Q(priority__gt=call.priority, available_at__lte=call.available_at)
            | same_priority_earlier
        )
        .count()
    )
    view = bucket_backend().views([bucket_for(seller, get_operation(call.operation))])[0]
    if view.level < 1:
        # The bucket's next token goes to the first call in line, each later one a restore
        # interval after it.
        token_at = view.next_token_at + ahead * view.restore_seconds
    else:
        missing = max(0.0, ahead + 1 - view.level)
        token_at = max(view.next_token_at, view.now + missing * view.restore_seconds)
    ready_at = max(to_datetime(token_at), call.available_at, call.retry_at or call.available_at)
    return CallWait(sending=False, expected_in=max(timedelta(0), ready_at - to_datetime(view.now)))


def request_log(
    seller: SellerAccount, *, operation: str | None = None
) -> QuerySet[RequestLogEntry]:
    """Every logged MWS call of ``seller``, optionally of one operation."""
    rows = RequestLogEntry.objects.filter(seller_id=seller.pk)
    return rows.filter(operation=operation) if operation else rows


def recent_request_log(seller: SellerAccount, *, limit: int = 20) -> QuerySet[RequestLogEntry]:
    return RequestLogEntry.objects.filter(seller_id=seller.pk).order_by("-sent_at", "-pk")[:limit]


HealthLevel = Literal["ok", "warn", "bad", "unknown"]


@dataclass(frozen=True)
class ConnectionHealth:
    """One line a seller can read about the link to Amazon, from the recent request log."""

    level: HealthLevel
    summary: str
    last_sent_at: datetime | None


def describe_connection_health(
    entries: Sequence[RequestLogEntry], quotas: Sequence[GroupQuota]
) -> ConnectionHealth:
    """Sums up ``entries`` (the recent log, newest first) and the calls waiting in ``quotas``
    without Amazon's vocabulary: the codes and quota meters stay in the panel underneath."""
    waiting = sum(quota.queued for quota in quotas)
    queue_note = ""
    if waiting == 1:
        queue_note = " 1 request waiting for its turn."
    elif waiting:
        queue_note = f" {waiting} requests waiting for their turn."
    if not entries:
        return ConnectionHealth("unknown", f"No requests to Amazon yet.{queue_note}", None)
    latest = entries[0]
    failed = sum(1 for entry in entries if entry.error_code or entry.error_family)
    when = latest.sent_at
    if latest.error_code or latest.error_family:
        summary = (
            f"The latest request to Amazon did not go through; {failed} of the last "
            f"{len(entries)} failed."
        )
        return ConnectionHealth("bad", summary + queue_note, when)
    if failed:
        summary = (
            f"Working: the latest request to Amazon went through; {failed} of the last "
            f"{len(entries)} failed."
        )
        return ConnectionHealth("warn", summary + queue_note, when)
    summary = f"Healthy: the last {len(entries)} requests to Amazon all went through."
    if len(entries) == 1:
        summary = "Healthy: the last request to Amazon went through."
    return ConnectionHealth("ok", summary + queue_note, when)


# ---- retention ----------------------------------------------------------------------------


def purge_request_log(*, older_than: datetime | None = None, batch_size: int = 5000) -> int:
    """Delete request-log entries, and finished calls, older than the retention
    (``MWS_REQUEST_LOG_RETENTION_DAYS``, 30 days by default); returns the entries deleted.

    Deletes in batches so a large backlog never holds one long transaction.
    """
    now = to_datetime(bucket_backend().now())
    cutoff = older_than or now - timedelta(days=settings.MWS_REQUEST_LOG_RETENTION_DAYS)
    deleted = _delete_in_batches(RequestLogEntry.objects.filter(sent_at__lt=cutoff), batch_size)
    finished = MWSCall.objects.exclude(state__in=MWSCall.PENDING_STATES)
    _delete_in_batches(finished.filter(finished_at__lt=cutoff), batch_size)
    return deleted


def _delete_in_batches(rows: QuerySet[Any], batch_size: int) -> int:
    total = 0
    while True:
        batch = list(rows.order_by().values_list("pk", flat=True)[:batch_size])
        if not batch:
            return total
        total += rows.model.objects.filter(pk__in=batch).delete()[1].get(rows.model._meta.label, 0)
