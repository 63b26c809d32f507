"""Seller accounts and the marketplaces they sell in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models

from mwsportal.fields import EncryptedTextField
from mwsportal.mws.endpoints import REGIONS

REGION_CHOICES = [(code, region.name) for code, region in REGIONS.items()]


class SellerQuerySet(models.QuerySet["Seller"]):
    def for_user(self, user: AbstractBaseUser | AnonymousUser) -> SellerQuerySet:
        """The sellers ``user`` owns: the only way a view reaches a seller."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)

    def for_partner(self, partner: Partner) -> SellerQuerySet:
        """The sellers that granted ``partner`` access: the only way the API reaches a seller."""
        return self.filter(grants__partner=partner, grants__partner__is_active=True)

    def active(self) -> SellerQuerySet:
        """Sellers the portal may call MWS for."""
        return self.filter(status=Seller.Status.ACTIVE)


class Seller(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        # MWS answered AccessDenied: the authorization was revoked or expired.
        NEEDS_REAUTH = "needs_reauth", "Needs re-authorization"
        SUSPENDED = "suspended", "Suspended by staff"
        REMOVED = "removed", "Authorization removed"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sellers"
    )
    seller_id = models.CharField(
        "Seller ID", max_length=32, help_text="The MWS merchant token, e.g. A1B2C3D4E5F6G7."
    )
    region = models.CharField(max_length=4, choices=REGION_CHOICES)
    name = models.CharField(max_length=100, help_text="A label of the owner's choosing.")
    auth_token = EncryptedTextField(
        "MWS Auth Token", null=True, blank=True, help_text="Erased when the authorization goes."
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    status_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    verified_at = models.DateTimeField(
        null=True, blank=True, help_text="When MWS last accepted the Seller ID and token."
    )

    objects = SellerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            # A user connects a seller account once per region; connecting it again after
            # removing it revives the same row, so reports and feeds keep their seller.
            models.UniqueConstraint(
                fields=["owner", "seller_id", "region"], name="seller_unique_per_owner_region"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.seller_id}, {self.region})"

    @property
    def is_callable(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def region_name(self) -> str:
        return REGIONS[self.region].name


class SellerMarketplace(models.Model):
    """A marketplace the seller participates in, as ListMarketplaceParticipations reported it."""

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="marketplaces")
    marketplace_id = models.CharField(max_length=32)
    name = models.CharField(max_length=100, blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    currency_code = models.CharField(max_length=3, blank=True)
    language_code = models.CharField(max_length=16, blank=True)
    domain = models.CharField(max_length=100, blank=True)
    has_suspended_listings = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "marketplace_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "marketplace_id"], name="seller_marketplace_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name or self.marketplace_id} ({self.marketplace_id})"


# ---- partners -------------------------------------------------------------------------------


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
