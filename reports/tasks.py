"""Celery tasks of the reports app: thin wrappers around ``reports.services``.

Each only queues gateway calls or updates flags, so running one twice does no harm (polls and
syncs are deduplicated by the gateway while one is still pending). The beat schedule is in
``mwsportal/celery.py``.
"""

from __future__ import annotations

from celery import shared_task

from reports import ingest, services
from reports.models import Report


@shared_task(name="reports.poll_open_requests", ignore_result=True)
def poll_open_requests() -> int:
    """Ask MWS about every seller's open report requests, batched per seller."""
    return services.poll_all_sellers()


@shared_task(name="reports.sync_report_lists", ignore_result=True)
def sync_report_lists() -> int:
    """Look for reports nobody requested (schedules, settlements), for every seller."""
    return services.sync_all_sellers()


@shared_task(name="reports.flag_stuck_requests", ignore_result=True)
def flag_stuck_requests() -> int:
    """Flag requests open longer than REPORTS_STUCK_AFTER_MINUTES."""
    return services.flag_stuck_requests()


@shared_task(name="reports.ingest_report", ignore_result=True, acks_late=True)
def ingest_report(report_id: int) -> None:
    """Read one stored report into rows; a report already read (or being read) is skipped."""
    report = Report.objects.filter(pk=report_id, state=Report.State.STORED).first()
    if report is not None:
        ingest.ingest_report(report)


@shared_task(name="reports.ingest_waiting", ignore_result=True)
def ingest_waiting() -> int:
    """Hand out the stored reports whose reading was never started (a lost message)."""
    waiting = services.ingest_waiting()
    for report_id in waiting:
        ingest_report.delay(report_id)
    return len(waiting)
