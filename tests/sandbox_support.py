"""Pointing the portal at an in-process MWS sandbox, and pumping the gateway in the test's thread.

The pump runs the gateway's own dispatcher and queue worker (what beat and the Celery worker
do), with the worker called inline instead of through a broker, so integration and browser
tests see the real pipeline without a worker process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from mwsportal.gateway import dispatch


def point_portal_at(
    settings: Any, url: str, developer: Mapping[str, str], *, time_scale: float = 1.0
) -> None:
    """Make the portal call the sandbox at ``url`` as ``developer`` (a sandbox config entry)."""
    settings.MWS_ENDPOINT = url
    settings.SELLER_CENTRAL_URL = ""
    settings.MWS_ACCESS_KEY_ID = developer["access_key_id"]
    settings.MWS_SECRET_KEY = developer["secret_key"]
    settings.MWS_DEVELOPER_ID = developer["account_number"]
    settings.MWS_DEVELOPER_NAME = developer["name"]
    settings.MWS_REGION_ACCOUNTS = {}
    settings.MWS_GATEWAY_TIME_SCALE = time_scale


class InlineExecutor:
    """Works a queue the dispatcher hands out right away, in the calling thread."""

    def submit(self, queue_id: int, lease: str) -> None:
        dispatch.work_queue(queue_id, lease)


def gateway_tick() -> int:
    """One dispatcher tick with its queues worked at once; returns the queues handed out."""
    return dispatch.dispatch_due_queues(executor=InlineExecutor())


def pump_until(
    done: Callable[[], bool],
    *,
    before_tick: Callable[[], None] | None = None,
    timeout: float = 20.0,
    failure: str = "the gateway did not get there in time",
) -> None:
    """Tick the gateway (after ``before_tick``, e.g. a periodic poll) until ``done()``."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError(failure)
        if before_tick is not None:
            before_tick()
        gateway_tick()
        time.sleep(0.02)
