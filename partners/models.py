"""Partners: integrators that call the API for the sellers that granted them access, their
API keys, the grants, the Idempotency-Keys of their POSTs and their webhooks."""

from __future__ import annotations

from django.db import models
from django.db.models import F

from mwsportal.fields import EncryptedTextField
from partners import granted
from sellers.models import Seller, SellerQuerySet


class Partner(models.Model):
    """An integrator whose system calls the API for the sellers that granted it access."""

    name = models.CharField(max_length=100, unique=True)
    contact_email = models.EmailField(blank=True)
    is_active = models.BooleanField(
        default=True, help_text="Unticked: every key of the partner is refused."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    # The API's request.user is the partner; DRF's permission checks read these.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def granted_sellers(self) -> SellerQuerySet:
        """The sellers that granted this partner access, each with its grant's scopes as
        ``granted_scopes``: the only way the API reaches a seller, and the query that finds
        the seller also answers which scopes it granted. A deactivated partner has none."""
        if not self.is_active:
            return Seller.objects.none()
        return (
            Seller.objects.filter(grants__partner=self)
            .defer("auth_token")
            .annotate(granted_scopes=F("grants__scopes"))
        )

    def granted_seller(self, seller_pk: int) -> Seller | None:
        """The seller ``seller_pk`` of ``granted_sellers()``, or None; read lately, it comes
        from the shared cache (``partners.granted``: given up when the seller or a grant on
        it changes)."""
        if not self.is_active:
            return None
        return granted.granted_seller(self, seller_pk)


class ApiKey(models.Model):
    """A partner's API key. Only its prefix and a SHA-256 of the whole key are stored: the
    key is shown once, when it is made. Keys are 256 random bits, so a fast hash is enough;
    a slow password hash would only cost time on every request."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, help_text="What the key is used for.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed_key = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class Grant(models.Model):
    """A seller account's permission for one partner, limited to ``scopes``."""

    class Scope(models.TextChoices):
        READ_REPORTS = "read_reports", "Read reports"
        REQUEST_REPORTS = "request_reports", "Request reports and manage schedules"
        SUBMIT_FEEDS = "submit_feeds", "Submit and read feeds"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="grants")
    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="grants")
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["partner__name"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "seller"], name="grant_unique_per_seller")
        ]

    def __str__(self) -> str:
        return f"{self.partner} on {self.seller}"

    def scope_names(self) -> list[str]:
        labels = dict(self.Scope.choices)
        return [labels.get(scope, scope) for scope in self.scopes]


class IdempotentRequest(models.Model):
    """The answer to a POST that carried an ``Idempotency-Key``, replayed on a retry.

    ``status`` is None while the first request is still running. ``fingerprint`` is the
    SHA-256 of the method, path, query and canonical body: a retry must match it.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    path = models.CharField(max_length=500)
    # Blank on rows recorded before fingerprints were kept: those compare by path alone.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    # The grant scopes the first request needed: a replay needs them still.
    scopes = models.JSONField(default=list, blank=True)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "key"], name="idempotency_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.partner_id}:{self.key}"


# ---- webhooks -------------------------------------------------------------------------------


class WebhookEndpoint(models.Model):
    """A URL of a partner's that receives the events it chose, signed with ``secret``."""

    class Event(models.TextChoices):
        REPORT_DONE = "report.done", "A report is downloaded and ready"
        REPORT_FAILED = "report.failed", "A report request or its download failed"
        FEED_DONE = "feed.done", "A feed is processed (or failed)"
        SELLER_NEEDS_REAUTH = "seller.needs_reauthorization", "A seller must authorize again"

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)
    # The HMAC key, shown to the partner once; encrypted at rest like the MWS tokens.
    secret = EncryptedTextField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # While an attempt is in a worker's hands no other delivery to this endpoint is handed out,
    # so an endpoint that never answers holds one worker slot, not all of them.
    busy_until = models.DateTimeField(null=True, blank=True, editable=False)
    # The first failed attempt since the last accepted one; the endpoint is disabled once this
    # is older than webhooks.DISABLE_AFTER.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.partner}: {self.url}"


class WebhookDelivery(models.Model):
    """One event for one endpoint, tried with backoff until it is accepted or a day passed."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=64, choices=WebhookEndpoint.Event.choices)
    payload = models.JSONField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the next attempt is due; also pushed ahead while an attempt is in a worker's hands.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField("last HTTP status", null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id} ({self.state})"
