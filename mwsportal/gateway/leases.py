"""Keeping a worker's lease on the queue it works, from one thread per process.

A worker holds its queue under a lease that runs ``LEASE_SECONDS`` past its last renewal and is
renewed every ``LEASE_RENEW_SECONDS`` while the worker works the queue, from a thread of its own
so a long download keeps it too. A worker killed with a call in flight therefore blocks its
queue for about a minute, not for as long as a task may live.

The renewing thread is started once per process and looks after every lease the process holds
(a worker with several threads holds several), so working a queue costs a dictionary entry, not
a thread start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import timedelta

import redis
from django.db import DatabaseError, connections

from mwsportal.gateway.bookkeeping import to_datetime
from mwsportal.gateway.buckets import BucketBackend
from mwsportal.gateway.models import CallQueue

logger = logging.getLogger(__name__)

LEASE_SECONDS = 60.0
LEASE_RENEW_SECONDS = 15.0


class _LeaseKeeper:
    """Renews the held leases when each is due; sleeps while none is."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        # queue id -> (lease, its bucket store, when to renew it next on the monotonic clock)
        self._held: dict[int, tuple[str, BucketBackend, float]] = {}
        self._thread: threading.Thread | None = None

    @contextmanager
    def keep(self, queue_id: int, lease: str, backend: BucketBackend) -> Iterator[None]:
        with self._changed:
            self._held[queue_id] = (lease, backend, time.monotonic() + LEASE_RENEW_SECONDS)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
                self._thread.start()
            self._changed.notify()
        try:
            yield
        finally:
            with self._changed:
                if self._held.get(queue_id, ("",))[0] == lease:
                    del self._held[queue_id]

    def _run(self) -> None:
        while True:
            with self._changed:
                due = self._due()
                while not due:
                    upcoming = [renew_at for _, _, renew_at in self._held.values()]
                    wait = min(upcoming) - time.monotonic() if upcoming else None
                    self._changed.wait(wait)
                    due = self._due()
            try:
                for queue_id, lease, backend in due:
                    self._renew(queue_id, lease, backend)
            finally:
                # This thread's connection is opened for a renewal and not kept between them,
                # so the thread never holds a database session while it sleeps.
                connections.close_all()

    def _due(self) -> list[tuple[int, str, BucketBackend]]:
        now = time.monotonic()
        due = []
        for queue_id, (lease, backend, renew_at) in self._held.items():
            if renew_at <= now:
                due.append((queue_id, lease, backend))
                self._held[queue_id] = (lease, backend, now + LEASE_RENEW_SECONDS)
        return due

    @staticmethod
    def _renew(queue_id: int, lease: str, backend: BucketBackend) -> None:
        try:
            until = to_datetime(backend.now()) + timedelta(seconds=LEASE_SECONDS)
            CallQueue.objects.filter(pk=queue_id, lease=lease).update(lease_until=until)
        except (DatabaseError, redis.exceptions.RedisError):
            # The next renewal tries again; the lease has most of a minute left. The thread
            # itself must live on: it keeps every lease of this process.
            logger.warning("could not renew the lease of queue %s", queue_id)


_keeper = _LeaseKeeper()


def lease_kept(queue_id: int, lease: str, backend: BucketBackend) -> AbstractContextManager[None]:
    """Renew the queue's lease every LEASE_RENEW_SECONDS until the block ends (or the lease
    passed to another run, which then renews it itself)."""
    return _keeper.keep(queue_id, lease, backend)
