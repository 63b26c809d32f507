"""Celery tasks of feeds: thin wrappers around ``services``, safe to run twice.

Beat runs ``feeds.sync`` every ``FEED_SYNC_SECONDS`` (``mwsportal/celery.py``).
"""

from __future__ import annotations

from celery import shared_task

from feeds import services


@shared_task(name="feeds.sync", ignore_result=True)
def sync_feeds() -> int:
    """Send, reconcile, fetch and poll for every seller with open feeds."""
    return services.sync_all()
