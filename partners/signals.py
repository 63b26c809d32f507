"""A change to an API key or its partner, or to a seller or its grants, made anywhere (a
service, the admin, a shell), is seen at once by every request: the verified copy of the key,
or the seller's copy kept for read-only requests, in the cache is given up. And a seller that
must be authorized again is told to its partners' webhooks."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from partners import granted, services, webhooks
from partners.models import ApiKey, Grant, Partner
from sellers import signals as seller_signals
from sellers.models import Seller


@receiver([post_save, post_delete], sender=ApiKey)
def _key_changed(sender: type[ApiKey], instance: ApiKey, **kwargs: Any) -> None:
    if not kwargs.get("created"):  # a new key has no copy anywhere yet
        services.forget_verified_keys([instance.prefix])


@receiver([post_save, post_delete], sender=Partner)
def _partner_changed(sender: type[Partner], instance: Partner, **kwargs: Any) -> None:
    services.forget_verified_keys(
        ApiKey.objects.filter(partner_id=instance.pk).values_list("prefix", flat=True)
    )


@receiver(seller_signals.needs_reauthorization)
def _seller_needs_reauthorization(
    sender: type[Seller], *, seller: Seller, reason: str, **kwargs: Any
) -> None:
    webhooks.emit(seller, webhooks.Event.SELLER_NEEDS_REAUTH, {"reason": reason})


@receiver([post_save, post_delete], sender=Grant)
def _grant_changed(sender: type[Grant], instance: Grant, **kwargs: Any) -> None:
    granted.forget_granted_seller(instance.seller_id)


@receiver([post_save, post_delete], sender=Seller)
def _seller_changed(sender: type[Seller], instance: Seller, **kwargs: Any) -> None:
    granted.forget_granted_seller(instance.pk)
