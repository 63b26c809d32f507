"""Celery tasks of the sellers app: verifications, by id."""

from __future__ import annotations

import logging

from celery import shared_task

from sellers import services
from sellers.models import Seller

logger = logging.getLogger(__name__)


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
