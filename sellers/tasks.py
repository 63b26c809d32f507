"""Celery tasks of the sellers app: verifications and webhook deliveries, by id."""

from __future__ import annotations

import logging

from celery import shared_task

from mwsportal.api.base import purge_idempotency_keys
from sellers import services, webhooks
from sellers.models import Seller

logger = logging.getLogger(__name__)


@shared_task(name="webhooks.dispatch", ignore_result=True)
def dispatch_webhooks() -> int:
    """Hand every due delivery to a worker; a doubled run finds them leased already."""
    due = webhooks.dispatch_due()
    for delivery_id in due:
        deliver_webhook.delay(delivery_id)
    return len(due)


@shared_task(name="webhooks.deliver", ignore_result=True)
def deliver_webhook(delivery_id: int) -> None:
    """One attempt; a failure schedules the next one, which the dispatcher picks up."""
    webhooks.deliver(delivery_id)


@shared_task(name="sellers.verify", bind=True, ignore_result=True, max_retries=5)
def verify_seller(self, seller_id: int) -> None:
    """Check one seller's stored authorization (the admin's "verify now", one task per
    seller). The outcome is on the seller: its verification time, marketplaces and status.
    Running twice only checks twice."""
    seller = Seller.objects.filter(pk=seller_id).first()
    if seller is None:
        return
    try:
        services.verify_seller(seller, waiting=False)
    except services.AuthorizationCheckFailed as failure:
        if failure.retry_in is not None:
            # No token yet, or MWS did not answer: try again later instead of sleeping here.
            raise self.retry(countdown=failure.retry_in) from None
        logger.warning("seller %s: verification failed: %s", seller_id, failure.message)


@shared_task(name="partners.purge", ignore_result=True)
def purge_partner_records() -> int:
    """Forget the Idempotency-Keys no retry can use any more and the finished webhook
    deliveries past the log's retention; returns the rows deleted. A second run finds none."""
    return purge_idempotency_keys() + webhooks.purge_deliveries()
