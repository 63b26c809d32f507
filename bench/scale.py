"""Dispatcher tick cost against the number of sellers: one tick must cost the same for 1,000
sellers as for 10,000 when the same number of queues is due.

A portal of N sellers, each with an hourly report schedule, a poll cycle and two feeds a day,
keeps about four queues per seller (RequestReport / GetReportList, the report poll, SubmitFeed,
the feed poll) and, in the steady state, a few calls pending in each. The benchmark builds that
state directly in a fresh database (SQLite in a temporary folder, or ``--database-url``): N
sellers, 4 N queues with 2 calls queued in each, all due later except ``--due`` queues spread
over random sellers. It then runs ``--ticks`` dispatcher ticks (``dispatch_due_queues``, the
function the beat task runs) with an executor that only counts the queues handed out; before
each tick (not timed) the leases of the last tick are dropped and another random ``--due``
queues are made due, so every tick finds the same amount of work among a growing number of
idle queues.

Printed as one JSON object: ``tick_ms_p50``/``p99`` (wall),
``tick_cpu_ms_p50``/``p99`` (CPU of this process, less sensitive to other work on the machine),
``handed_per_tick`` and the row counts.

Usage: python bench/scale.py --sellers 10000 --due 200 --ticks 200 (one seller count per run,
each in a database of its own)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The throttle groups a seller's steady traffic uses: scheduled reports found and downloaded,
# report polls, feeds submitted, feed polls.
GROUPS = ("GetReportList", "GetReportRequestList", "SubmitFeed", "GetFeedSubmissionList")
CALLS_PER_QUEUE = 2


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class CountingExecutor:
    """Takes the queues a tick hands out and does nothing with them (no worker runs here)."""

    def __init__(self) -> None:
        self.handed = 0

    def submit(self, queue_id: int, lease: str) -> None:
        self.handed += 1


def measure(sellers: int, args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from mwsportal.gateway.bookkeeping import to_datetime
    from mwsportal.gateway.buckets import bucket_backend
    from mwsportal.gateway.dispatch import dispatch_due_queues
    from mwsportal.gateway.models import CallQueue, MWSCall
    from sellers.models import Seller

    run = secrets.token_hex(3).upper()
    login = f"bench-scale-{run}@example.com"
    owner = get_user_model().objects.create_user(login, login)
    # No call is sent: any well-formed token will do.
    auth_token = f"amzn.mws.{uuid.uuid4()}"
    built = time.monotonic()
    Seller.objects.bulk_create(
        [
            Seller(
                owner=owner,
                seller_id=f"A{run}{n:07d}",
                auth_token=auth_token,
                region="NA",
                name=f"Scale {n}",
            )
            for n in range(sellers)
        ],
        batch_size=2000,
    )
    seller_ids = list(Seller.objects.filter(owner=owner).values_list("pk", flat=True))
    backend = bucket_backend()
    now = to_datetime(backend.now())
    later = now + timedelta(hours=1)
    CallQueue.objects.bulk_create(
        [
            CallQueue(seller_id=pk, throttle_group=group, next_check_at=later)
            for pk in seller_ids
            for group in GROUPS
        ],
        batch_size=2000,
    )
    queues = list(
        CallQueue.objects.filter(seller_id__in=seller_ids).values_list(
            "pk", "seller_id", "throttle_group"
        )
    )
    MWSCall.objects.bulk_create(
        [
            MWSCall(
                seller_id=seller_pk,
                queue_id=queue_pk,
                operation=group,
                available_at=later,
            )
            for queue_pk, seller_pk, group in queues
            for _ in range(CALLS_PER_QUEUE)
        ],
        batch_size=2000,
    )
    build_s = time.monotonic() - built
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    queue_ids = [pk for pk, _, _ in queues]
    chooser = random.Random(sellers)
    walls: list[float] = []
    cpus: list[float] = []
    handed: list[int] = []
    for _ in range(args.ticks):
        # Not timed: the previous tick's queues are idle again and another set is due.
        CallQueue.objects.filter(pk__in=queue_ids).exclude(lease="").update(
            lease="", lease_until=None, next_check_at=later
        )
        tick_now = to_datetime(backend.now())
        CallQueue.objects.filter(pk__in=chooser.sample(queue_ids, args.due)).update(
            next_check_at=tick_now - timedelta(seconds=1)
        )
        executor = CountingExecutor()
        started_wall, started_cpu = time.perf_counter(), time.process_time()
        dispatch_due_queues(executor=executor)
        walls.append(time.perf_counter() - started_wall)
        cpus.append(time.process_time() - started_cpu)
        handed.append(executor.handed)
    return {
        "sellers": sellers,
        "queues": len(queues),
        "calls": len(queues) * CALLS_PER_QUEUE,
        "due_per_tick": args.due,
        "handed_per_tick": statistics.mean(handed),
        "ticks": args.ticks,
        "tick_ms_p50": round(percentile(walls, 0.5) * 1000, 2),
        "tick_ms_p99": round(percentile(walls, 0.99) * 1000, 2),
        "tick_cpu_ms_p50": round(percentile(cpus, 0.5) * 1000, 2),
        "tick_cpu_ms_p99": round(percentile(cpus, 0.99) * 1000, 2),
        "build_s": round(build_s, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sellers", type=int, default=10000)
    parser.add_argument("--due", type=int, default=200, help="queues due at each tick")
    parser.add_argument("--ticks", type=int, default=200)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    os.environ.update(
        MWSPORTAL_DATA_DIR=str(folder),
        DATABASE_URL=args.database_url or f"sqlite:///{folder / 'portal.sqlite3'}",
        MWS_GATEWAY_BUCKET_BACKEND="database",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="mwsportal.settings",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="localhost",
        # Production settings want a developer account; nothing here signs a request.
        MWS_ACCESS_KEY_ID="AKIABENCHSCALE000001",
        MWS_SECRET_KEY=secrets.token_urlsafe(30),
        MWS_DEVELOPER_ID="7777-6666-5555",
    )
    for name in ("CACHE_URL", "CELERY_BROKER_URL", "MWS_GATEWAY_REDIS_URL"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = measure(args.sellers, args)
    database = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
    print(
        json.dumps(
            {
                "benchmark": "scale",
                "database": database,
                **result,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
