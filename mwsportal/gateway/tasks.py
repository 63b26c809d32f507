"""Celery tasks of the MWS gateway: thin wrappers around ``dispatch`` and ``services``, and the
only module of the gateway that knows Celery.

The beat schedule (``mwsportal/celery.py``) runs ``gateway.dispatch`` every
``MWS_GATEWAY_TICK_SECONDS`` and ``gateway.purge_request_log`` once a day.
"""

from __future__ import annotations

from celery import shared_task

from mwsportal.gateway import dispatch as gateway_dispatch
from mwsportal.gateway import services


class CeleryExecutor:
    """Hands a leased queue to a Celery worker (the dispatcher's and the workers' executor)."""

    def submit(self, queue_id: int, lease: str) -> None:
        work_queue.delay(queue_id, lease)


@shared_task(name="gateway.dispatch", ignore_result=True)
def dispatch() -> int:
    """One dispatcher tick: hand every queue whose next event is due to a worker."""
    return gateway_dispatch.dispatch_due_queues(executor=CeleryExecutor())


@shared_task(name="gateway.work_queue", ignore_result=True)
def work_queue(queue_id: int, lease: str) -> int:
    """Send a leased queue's calls while tokens last (never waits for one); a queue handed
    back comes here again as a new task."""
    return gateway_dispatch.work_queue(queue_id, lease, executor=CeleryExecutor())


@shared_task(name="gateway.purge_request_log", ignore_result=True)
def purge_request_log() -> int:
    """Delete request-log entries older than MWS_REQUEST_LOG_RETENTION_DAYS."""
    return services.purge_request_log()
