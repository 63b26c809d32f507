"""Feed submissions, from the file stored before any call to the parsed processing report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from mwsportal.gateway.mws import FEED_PROCESSING_STATUSES, FEED_TYPES, StatusInfo
from mwsportal.tenancy import SellerScopedQuerySet

FEED_TYPE_CHOICES = [(value, info.name) for value, info in FEED_TYPES.items()]
PROCESSING_STATUS_CHOICES = [(value, info.name) for value, info in FEED_PROCESSING_STATUSES.items()]
# MWS only cancels a feed it has not started on (CancelFeedSubmissions; the sandbox agrees).
CANCELLABLE_STATUSES = frozenset({"_SUBMITTED_"})


class FeedSubmissionQuerySet(SellerScopedQuerySet):
    def tracked(self) -> FeedSubmissionQuerySet:
        """Feeds MWS has and is still processing: what a poll asks about."""
        return self.filter(state=FeedSubmission.State.SUBMITTED)


class FeedSubmission(models.Model):
    """One feed: its stored file, the SubmitFeed that sends it, MWS's processing and the report.

    ``state`` is the portal's own life cycle; ``processing_status`` is MWS's
    FeedProcessingStatus as last polled, shown to the seller with the catalog's meaning.
    """

    class State(models.TextChoices):
        # Built in the portal and stored, waiting for the seller to review and submit it.
        DRAFT = "draft", "Draft"
        # Stored; another feed of the same type is still being sent or reconciled.
        WAITING = "waiting", "Waiting for an earlier feed"
        # SubmitFeed is queued in the gateway or on its way.
        SENDING = "sending", "Sending"
        # SubmitFeed's answer was lost: MWS may or may not have the feed. Reconciled with
        # GetFeedSubmissionList, never sent blindly again.
        UNKNOWN = "unknown", "Checking whether Amazon received it"
        # MWS has the feed (FeedSubmissionId known); processing_status follows it.
        SUBMITTED = "submitted", "Submitted"
        # _DONE_: the processing report is being downloaded.
        FETCHING = "fetching", "Fetching the processing report"
        COMPLETE = "complete", "Processed"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    # A feed in one of these holds back later feeds of the same seller and type, so at most
    # one submission per seller and type has an unknown outcome at any time.
    IN_FLIGHT_STATES = (State.SENDING, State.UNKNOWN)
    OPEN_STATES = (
        State.WAITING,
        State.SENDING,
        State.UNKNOWN,
        State.SUBMITTED,
        State.FETCHING,
    )

    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded file"
        BUILDER = "builder", "Built in the portal"

    seller = models.ForeignKey(
        "sellers.Seller", on_delete=models.CASCADE, related_name="feed_submissions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    feed_type = models.CharField(max_length=64, choices=FEED_TYPE_CHOICES)
    marketplace_ids = models.JSONField(default=list, blank=True)
    purge_and_replace = models.BooleanField(default=False)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.UPLOAD)

    # The feed as stored before any call (storage name, base64 MD5 as MWS wants it).
    file = models.CharField(max_length=255)
    filename = models.CharField(max_length=255, help_text="The name the seller gave the file.")
    content_md5 = models.CharField("Content-MD5", max_length=24)
    size = models.BigIntegerField()
    # Messages (XML) or data rows (flat file) the checks counted before the feed was stored.
    record_count = models.PositiveIntegerField(default=0)

    state = models.CharField(
        max_length=16, choices=State.choices, default=State.DRAFT, db_index=True
    )
    state_message = models.TextField(blank=True)
    # When SubmitFeed was last asked for: the start of the window reconciliation searches.
    sent_at = models.DateTimeField(null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    reconcile_attempts = models.PositiveSmallIntegerField(default=0)
    # The gateway's latest SubmitFeed call for this feed, and the latest call of the listing
    # that reconciles it after a lost answer (GetFeedSubmissionList and its next pages).
    submit_call = models.ForeignKey(
        "gateway.MWSCall", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reconcile_call = models.ForeignKey(
        "gateway.MWSCall", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    feed_submission_id = models.CharField("FeedSubmissionId", max_length=32, blank=True)
    processing_status = models.CharField(
        max_length=32, choices=PROCESSING_STATUS_CHOICES, blank=True
    )
    submitted_date = models.DateTimeField(null=True, blank=True)
    started_processing_date = models.DateTimeField(null=True, blank=True)
    completed_processing_date = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    fetch_attempts = models.PositiveSmallIntegerField(default=0)

    # The raw processing report as downloaded (MD5 verified by the gateway) and its summary.
    report_file = models.CharField(max_length=255, blank=True)
    report_content_type = models.CharField(max_length=100, blank=True)
    report_md5 = models.CharField(max_length=24, blank=True)
    report_status_code = models.CharField(max_length=32, blank=True)
    messages_processed = models.PositiveIntegerField(null=True, blank=True)
    messages_successful = models.PositiveIntegerField(null=True, blank=True)
    messages_with_error = models.PositiveIntegerField(null=True, blank=True)
    messages_with_warning = models.PositiveIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FeedSubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["seller", "-created_at"], name="feeds_seller_recent"),
            models.Index(fields=["seller", "feed_type", "state"], name="feeds_seller_type_state"),
            # The feed list's sort columns (mwsportal.keyset: the pk follows the column).
            models.Index(fields=["seller", "id"], name="feeds_seller_id"),
            models.Index(fields=["seller", "feed_type", "id"], name="feeds_seller_type_id"),
            models.Index(fields=["seller", "filename", "id"], name="feeds_seller_filename"),
            models.Index(fields=["seller", "state", "id"], name="feeds_seller_state_id"),
            models.Index(
                fields=["seller", "messages_with_error", "id"], name="feeds_seller_errors"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "feed_submission_id"],
                condition=~Q(feed_submission_id=""),
                name="feeds_submission_id_unique_per_seller",
            ),
            models.UniqueConstraint(
                fields=["seller", "feed_type"],
                condition=Q(state__in=["sending", "unknown"]),
                name="feeds_one_in_flight_per_seller_and_type",
            ),
        ]

    def __str__(self) -> str:
        ident = self.feed_submission_id or f"#{self.pk}"
        return f"{self.feed_type_name} {ident} ({self.get_state_display()})"

    @property
    def feed_type_name(self) -> str:
        info = FEED_TYPES.get(self.feed_type)
        return info.name if info else self.feed_type

    @property
    def is_xml(self) -> bool:
        info = FEED_TYPES.get(self.feed_type)
        return info is not None and info.format == "xml"

    @property
    def status_info(self) -> StatusInfo | None:
        return FEED_PROCESSING_STATUSES.get(self.processing_status)

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def can_cancel(self) -> bool:
        """Offered in the UI: not sent yet, or MWS has not started on it."""
        if self.state in (self.State.DRAFT, self.State.WAITING, self.State.SENDING):
            # A SENDING feed can still be withdrawn while its call waits in the gateway.
            return True
        return (
            self.state == self.State.SUBMITTED
            and self.processing_status in CANCELLABLE_STATUSES
            and bool(self.feed_submission_id)
        )


class FeedMessageResult(models.Model):
    """One line of a processing report: a message (XML) or record (flat file) with a problem."""

    class Severity(models.TextChoices):
        ERROR = "error", "Error"
        WARNING = "warning", "Warning"

    submission = models.ForeignKey(FeedSubmission, on_delete=models.CASCADE, related_name="results")
    # XML: the MessageID (0 for the whole document); flat file: original-record-number.
    message_id = models.BigIntegerField(null=True, blank=True)
    sku = models.CharField("SKU", max_length=100, blank=True)
    order_id = models.CharField(max_length=64, blank=True)
    code = models.CharField(max_length=32, blank=True)
    # As the report wrote it (localized in some marketplaces: "Fehler", "Avertissement").
    result_type = models.CharField(max_length=32, blank=True)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    description = models.TextField(blank=True)

    class Meta:
        # Errors before warnings, then in feed order: what a seller fixes first.
        ordering = ["severity", "message_id", "pk"]
        indexes = [models.Index(fields=["submission", "severity"], name="feeds_result_severity")]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} {self.code} on message {self.message_id}"
