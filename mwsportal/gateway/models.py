"""State of the MWS gateway: queued calls, per-seller queues, bucket state and the request log."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from mwsportal.gateway.bucket_arithmetic import BucketState


class CallQueue(models.Model):
    """The calls of one seller that share one MWS throttle bucket, sent one at a time in order.

    ``next_check_at`` is when the dispatcher should look at the queue again (a token is due, a
    retry's pause ends, a deferred call joins); None while the queue is empty. A worker that
    sends the queue's calls holds ``lease`` until ``lease_until``, so the queue is never worked
    by two processes at once and a crashed worker's queue is picked up again.
    """

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="+")
    throttle_group = models.CharField(max_length=64)
    next_check_at = models.DateTimeField(null=True, blank=True)
    lease = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "throttle_group"], name="gateway_queue_unique_per_group"
            )
        ]
        indexes = [models.Index(fields=["next_check_at"], name="gateway_queue_due")]

    def __str__(self) -> str:
        return f"{self.throttle_group} queue of seller {self.seller_id}"


class MWSCall(models.Model):
    """One MWS call asked for by a service, from the queue to its outcome."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        # A SubmitFeed whose answer was lost (or that MWS answered with a server error): MWS
        # may or may not have the feed. The feeds service reconciles it; it is never resent.
        UNKNOWN = "unknown_outcome", "Outcome unknown"
        CANCELLED = "cancelled", "Cancelled"

    PENDING_STATES = (State.QUEUED, State.SENDING)

    seller = models.ForeignKey("sellers.Seller", on_delete=models.CASCADE, related_name="+")
    queue = models.ForeignKey(CallQueue, on_delete=models.CASCADE, related_name="calls")
    operation = models.CharField(max_length=64)
    # The operation's parameters, never the seller id, auth token or signature: the gateway
    # adds those when it sends.
    params = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # SubmitFeed: the storage name of the feed file.
    upload = models.CharField(max_length=255, blank=True)
    # Higher goes first within the queue; equal priorities keep the order they were asked in.
    priority = models.SmallIntegerField(default=0)
    # When the call joins its queue (later than created_at for calls spread over time).
    available_at = models.DateTimeField()
    # While a retry's pause runs, the call stays at the head of its queue until then.
    retry_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Requests sent to MWS.")
    server_retries = models.PositiveSmallIntegerField(
        default=0, help_text="Resent after a server error or a transport failure."
    )
    throttled_retries = models.PositiveSmallIntegerField(
        default=0, help_text="Resent after RequestThrottled or QuotaExceeded."
    )
    resynced = models.BooleanField(
        default=False, help_text="Resent once after RequestExpired with a corrected clock."
    )
    handler = models.CharField(max_length=100, blank=True)
    context = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    dedupe_key = models.CharField(max_length=200, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    handler_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the call last could have gone out (its turn, its time and a token were all there);
    # sent_at - ready_at is the dispatch latency.
    ready_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "MWS call"
        indexes = [
            models.Index(
                fields=["queue", "state", "-priority", "available_at", "id"],
                name="gateway_call_queue_order",
            ),
            models.Index(fields=["seller", "-created_at"], name="gateway_call_seller"),
        ]
        constraints = [
            # A periodic sync asked for again while the previous one still waits is the same
            # call, not a second one.
            models.UniqueConstraint(
                fields=["seller", "dedupe_key"],
                condition=Q(state__in=["queued", "sending"]) & ~Q(dedupe_key=""),
                name="gateway_call_pending_dedupe",
            )
        ]

    def __str__(self) -> str:
        return f"{self.operation} #{self.pk} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state not in self.PENDING_STATES


class RequestLogEntry(models.Model):
    """One HTTP attempt to MWS, as the guide asks every client to keep for 30 days."""

    # The seller row may go; the entry keeps the MWS merchant id.
    seller = models.ForeignKey(
        "sellers.Seller", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    mws_seller_id = models.CharField("Seller ID", max_length=32)
    call = models.ForeignKey(MWSCall, null=True, on_delete=models.SET_NULL, related_name="log")
    operation = models.CharField(max_length=64)
    attempt = models.PositiveSmallIntegerField(default=1)
    sent_at = models.DateTimeField()
    # The Timestamp parameter of the signed request: with the request id, what MWS support
    # asks for.
    timestamp = models.CharField(max_length=32)
    request_id = models.CharField("MWS request id", max_length=64, blank=True)
    host = models.CharField(max_length=255, blank=True)
    http_status = models.PositiveSmallIntegerField("HTTP status", null=True, blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    error_family = models.CharField(max_length=64, blank=True)
    duration_ms = models.FloatField()
    bytes_sent = models.BigIntegerField(default=0)
    bytes_received = models.BigIntegerField(default=0)
    quota_max = models.FloatField(null=True, blank=True)
    quota_remaining = models.FloatField(null=True, blank=True)
    quota_resets_on = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "request log entry"
        verbose_name_plural = "request log"
        indexes = [
            models.Index(fields=["sent_at"], name="gateway_log_sent"),
            models.Index(fields=["mws_seller_id", "-sent_at"], name="gateway_log_seller_id"),
            models.Index(fields=["seller", "-sent_at"], name="gateway_log_seller"),
            # The seller's request history sorted by request or by answer, a page at a time
            # (mwsportal.keyset: the id follows the column).
            models.Index(fields=["seller", "operation", "id"], name="gateway_log_seller_op"),
            models.Index(fields=["seller", "error_code", "id"], name="gateway_log_seller_error"),
            models.Index(fields=["operation", "-sent_at"], name="gateway_log_operation"),
            models.Index(fields=["error_code", "-sent_at"], name="gateway_log_error"),
            models.Index(fields=["request_id"], name="gateway_log_request_id"),
        ]

    def __str__(self) -> str:
        outcome = self.error_code or (f"HTTP {self.http_status}" if self.http_status else "-")
        when = f"{self.sent_at:%Y-%m-%d %H:%M}"
        return f"{self.operation} for {self.mws_seller_id} at {when} ({outcome})"


class BucketEpoch(models.Model):
    """When this database's knowledge of MWS buckets began (one row; see buckets.py)."""

    started = models.FloatField(help_text="Epoch seconds.")

    def __str__(self) -> str:
        return f"bucket knowledge since {self.started}"


class StoredBucket(models.Model):
    """One bucket of the database backend (the Redis backend keeps the same fields in a hash)."""

    developer = models.CharField(max_length=32)
    seller_id = models.CharField(max_length=32)
    group = models.CharField(max_length=64)
    # None until the bucket is first used: the epoch rule then decides its level.
    level = models.FloatField(null=True)
    updated = models.FloatField(default=0.0)
    blocked_until = models.FloatField(default=0.0)
    hourly_max = models.PositiveIntegerField(default=0)
    slots = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["developer", "seller_id", "group"], name="gateway_bucket_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} bucket of {self.seller_id}"

    def to_state(self) -> BucketState | None:
        if self.level is None:
            return None
        return BucketState(
            level=self.level,
            updated=self.updated,
            blocked_until=self.blocked_until,
            hourly_max=self.hourly_max,
            slots={int(slot): count for slot, count in self.slots.items()},
        )

    def store(self, state: BucketState) -> None:
        self.level = state.level
        self.updated = state.updated
        self.blocked_until = state.blocked_until
        self.hourly_max = state.hourly_max
        self.slots = {str(slot): count for slot, count in state.slots.items()}


def seller_model() -> type[models.Model]:
    """The model of the seller accounts the gateway's rows point at, found through its own
    foreign key ("sellers.Seller" is a reference, not an import: the gateway stands below the
    app). Its instances meet ``account.SellerAccount``."""
    return CallQueue._meta.get_field("seller").related_model


def seller_marketplace_model() -> type[models.Model]:
    """The model of the marketplaces a seller sells in: the seller model's ``marketplaces``."""
    return seller_model()._meta.get_field("marketplaces").related_model  # type: ignore[return-value]
