"""Celery tasks of the notifications app: thin wrappers around ``notifications.services``.

Each takes ids and claims its row before mailing, so running one twice sends nothing twice.
The beat schedule is in ``mwsportal/celery.py``.
"""

from __future__ import annotations

from celery import shared_task

from notifications import services

# An SMTP server that is down for a while is tried again with growing pauses.
_RETRY = {"autoretry_for": (OSError,), "retry_backoff": 60, "max_retries": 5}


@shared_task(name="notifications.send_notice_email", ignore_result=True, acks_late=True, **_RETRY)
def send_notice_email(notice_id: int) -> bool:
    """Mail one notice (nothing when it was mailed already)."""
    return services.send_notice_email(notice_id)


@shared_task(name="notifications.send_digest", ignore_result=True, acks_late=True, **_RETRY)
def send_digest(digest_id: int) -> bool:
    """Mail one daily digest (nothing when it was mailed already)."""
    return services.send_digest(digest_id)


@shared_task(name="notifications.send_daily_digests", ignore_result=True)
def send_daily_digests() -> int:
    """Collect each user's waiting notices into one digest and hand the digests out."""
    made = services.collect_digests()
    for digest_id in made:
        send_digest.delay(digest_id)
    return len(made)


@shared_task(name="notifications.requeue_waiting_emails", ignore_result=True)
def requeue_waiting_emails() -> int:
    """Hand out e-mails whose task message was lost."""
    notices, digests = services.waiting_emails()
    for notice_id in notices:
        send_notice_email.delay(notice_id)
    for digest_id in digests:
        send_digest.delay(digest_id)
    return len(notices) + len(digests)
