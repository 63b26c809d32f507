"""The Celery application, configured from Django's settings (``CELERY_*``)."""

import logging
import os
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import after_setup_logger
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mwsportal.settings")

app = Celery("mwsportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    # A task is acknowledged only once it finished, and a worker holds one task at a time, so a
    # worker that dies hands its task to another instead of losing it.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    result_expires=3600,
    timezone="UTC",
    enable_utc=True,
    broker_connection_retry_on_startup=True,
)
if app.conf.broker_url.startswith(("redis://", "rediss://")):
    # An unacknowledged task goes back to the queue after this long; it must exceed the
    # longest task, or a slow task would run twice. (The SQLite transport hands its options
    # to SQLAlchemy's create_engine, so they are set for Redis only.)
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
if app.conf.broker_url.startswith("redis://"):
    # Kombu's Redis transport with a fix that keeps workers alive through a Redis restart
    # (mwsportal/broker.py). rediss:// keeps kombu's own, which sets up its TLS defaults.
    app.conf.broker_transport = "mwsportal.broker:Transport"
app.autodiscover_tasks()


@after_setup_logger.connect
def _quiet_routine_task_lines(logger: logging.Logger, **kwargs: Any) -> None:
    # The dispatcher ticks every second: a "received"/"succeeded"/"sending due task" line for
    # each tick would bury everything else. Failures and retries still log as warnings; what
    # each MWS call did is in the request log.
    for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat"):
        logging.getLogger(name).setLevel(logging.WARNING)


# --- MWS gateway (mwsportal/gateway) ---------------------------------------------------------
# The dispatcher tick hands due queues to workers; a tick not started within two intervals is
# dropped (the next one does the same work). The purge runs off the hour, as the guide advises
# for anything periodic.
_tick = settings.MWS_GATEWAY_TICK_SECONDS
app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "mws-gateway-dispatch": {
        "task": "gateway.dispatch",
        "schedule": _tick,
        "options": {"expires": 2 * _tick},
    },
    "mws-gateway-purge-request-log": {
        "task": "gateway.purge_request_log",
        "schedule": crontab(hour=3, minute=17),
    },
}

# --- Reports (reports/) ------------------------------------------------------------------------
# Polls and syncs only queue gateway calls (deduplicated while one is pending), so a late or
# doubled run costs nothing; each expires after one interval.
_poll = settings.REPORTS_POLL_SECONDS
app.conf.beat_schedule = {
    **app.conf.beat_schedule,
    "reports-poll-open-requests": {
        "task": "reports.poll_open_requests",
        "schedule": _poll,
        "options": {"expires": _poll},
    },
    "reports-sync-report-lists": {
        "task": "reports.sync_report_lists",
        "schedule": settings.REPORTS_SYNC_MINUTES * 60,
        "options": {"expires": settings.REPORTS_SYNC_MINUTES * 60},
    },
    "reports-flag-stuck-requests": {
        "task": "reports.flag_stuck_requests",
        "schedule": crontab(minute="*/10"),
    },
    # Readings are started as each report is stored; this only catches a lost message.
    "reports-ingest-waiting": {
        "task": "reports.ingest_waiting",
        "schedule": 300,
        "options": {"expires": 300},
    },
}

# --- Feeds (feeds/) ------------------------------------------------------------------------------
# One tick sends waiting feeds, reconciles unknown ones, fetches finished reports and polls open
# submissions; every call it asks for is deduplicated while pending, so a doubled run is free.
_feeds = settings.FEED_SYNC_SECONDS
app.conf.beat_schedule = {
    **app.conf.beat_schedule,
    "feeds-sync": {"task": "feeds.sync", "schedule": _feeds, "options": {"expires": _feeds}},
}

# --- Webhooks (partners/webhooks.py) -------------------------------------------------------------
# Due deliveries are leased before they are handed out, so a doubled tick sends nothing twice.
_webhooks = settings.WEBHOOK_DISPATCH_SECONDS
app.conf.beat_schedule = {
    **app.conf.beat_schedule,
    "webhooks-dispatch": {
        "task": "webhooks.dispatch",
        "schedule": _webhooks,
        "options": {"expires": _webhooks},
    },
    # Spent Idempotency-Keys and old finished deliveries, once a day.
    "partners-purge": {"task": "partners.purge", "schedule": crontab(hour=3, minute=41)},
}

# --- Notifications (notifications/) --------------------------------------------------------------
# Each e-mail is claimed before it is sent, so a doubled run mails nothing twice; the requeue
# only catches a lost message.
app.conf.beat_schedule = {
    **app.conf.beat_schedule,
    "notifications-daily-digests": {
        "task": "notifications.send_daily_digests",
        "schedule": crontab(hour=settings.NOTIFICATION_DIGEST_HOUR, minute=3),
    },
    "notifications-requeue-waiting-emails": {
        "task": "notifications.requeue_waiting_emails",
        "schedule": 600,
        "options": {"expires": 600},
    },
}
