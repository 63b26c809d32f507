"""A task that stays in flight for a while, loaded into test workers with ``--include``."""

import time

from celery import shared_task


@shared_task(name="tests.sleep")
def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds
