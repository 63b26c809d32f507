"""Seller accounts and the marketplaces they sell in."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from mwsportal.fields import EncryptedTextField
from mwsportal.gateway import account
from mwsportal.gateway.mws import REGIONS
from mwsportal.tenancy import OwnedQuerySet

REGION_CHOICES = [(code, region.name) for code, region in REGIONS.items()]


class SellerQuerySet(OwnedQuerySet):
    """``for_user``: the sellers ``user`` owns, the only way a view reaches a seller."""

    owner_path = "owner"

    def active(self) -> SellerQuerySet:
        """Sellers the portal may call MWS for."""
        return self.filter(status=Seller.Status.ACTIVE)


class Seller(models.Model):
    class Status(models.TextChoices):
        # The two statuses the gateway acts on have its values (it reads them from the table).
        ACTIVE = account.ACTIVE, "Active"
        # MWS answered AccessDenied: the authorization was revoked or expired.
        NEEDS_REAUTH = "needs_reauth", "Needs re-authorization"
        SUSPENDED = "suspended", "Suspended by staff"
        REMOVED = account.REMOVED, "Authorization removed"

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
