"""Celery tasks of the partners app: webhook deliveries by id, and the nightly purge."""

from __future__ import annotations

from celery import shared_task

from partners import services, webhooks


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


@shared_task(name="partners.purge", ignore_result=True)
def purge_partner_records() -> int:
    """Forget the Idempotency-Keys no retry can use any more and the finished webhook
    deliveries past the log's retention; returns the rows deleted. A second run finds none."""
    return services.purge_expired_records()
