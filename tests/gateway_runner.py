"""Driving the gateway inside one process, without Celery: for tests, benchmarks and scripts.

Production runs the dispatcher from beat and the queue workers as Celery tasks. Here the same
two functions run in this process: ``run_until_idle`` ticks the dispatcher, and the executor
works the queues handed out inline or on a thread pool, first come first served.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections

from mwsportal.gateway.dispatch import Sender, dispatch_due_queues, work_queue
from mwsportal.gateway.models import MWSCall


class InlineExecutor:
    """Collects the queues handed out, then ``run`` works them in the calling thread in that
    order (a queue handed back goes to the end of the line)."""

    def __init__(self, sender: Sender | None = None) -> None:
        self.sender = sender
        self._line: deque[tuple[int, str]] = deque()

    def submit(self, queue_id: int, lease: str) -> None:
        self._line.append((queue_id, lease))

    def run(self) -> int:
        sent = 0
        while self._line:
            queue_id, lease = self._line.popleft()
            sent += work_queue(queue_id, lease, executor=self, sender=self.sender)
        return sent


class ThreadExecutor:
    """Works queues on a pool of threads, each with its own database connection."""

    def __init__(self, workers: int, sender: Sender | None = None) -> None:
        self.sender = sender
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="mws-gateway")
        self._futures: list[Future[int]] = []
        self._lock = threading.Lock()

    def submit(self, queue_id: int, lease: str) -> None:
        with self._lock:
            self._futures = [future for future in self._futures if not future.done()]
            self._futures.append(self._pool.submit(self._work, queue_id, lease))

    def _work(self, queue_id: int, lease: str) -> int:
        close_old_connections()
        try:
            return work_queue(queue_id, lease, executor=self, sender=self.sender)
        finally:
            connections.close_all()

    def shutdown(self) -> None:
        # Queues handed back while shutting down still run: wait until the line is empty.
        while True:
            with self._lock:
                futures = [future for future in self._futures if not future.done()]
            if not futures:
                break
            for future in futures:
                future.result()
        self._pool.shutdown(wait=True)


def pending_calls() -> int:
    return MWSCall.objects.filter(state__in=MWSCall.PENDING_STATES).count()


def run_until_idle(
    *,
    executor: InlineExecutor | ThreadExecutor | None = None,
    timeout: float,
    tick: float | None = None,
    idle: Callable[[], bool] | None = None,
) -> None:
    """Tick the dispatcher every ``tick`` seconds (``MWS_GATEWAY_TICK_SECONDS``) until
    ``idle()`` (no call pending, by default) or ``timeout`` seconds; TimeoutError then."""
    executor = executor or InlineExecutor()
    tick = tick or settings.MWS_GATEWAY_TICK_SECONDS
    idle = idle or (lambda: pending_calls() == 0)
    deadline = time.monotonic() + timeout
    while True:
        started = time.monotonic()
        dispatch_due_queues(executor=executor)
        if isinstance(executor, InlineExecutor):
            executor.run()
        if idle():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the gateway still had calls pending after {timeout} s")
        time.sleep(max(0.0, tick - (time.monotonic() - started)))
