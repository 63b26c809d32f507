"""The seller's list pages with many rows on PostgreSQL: every sort order, first page and deep.

Makes a fresh PostgreSQL database (``--database-url``, dropped and made again), migrates it and
writes ``--rows`` reports, feeds and MWS request log entries for one seller, next to a second
seller with as many of its own (the two alternate, so each page picks one seller's rows out of
twice as many). Sizes, states, types, error counts repeat (ties the pk must break) and some
sizes and error counts are NULL. Then, for each list and each sort column in both directions,
it reads the first page and the page that starts halfway down the list (from a cursor, as the
pager's links do), ``--repeat`` times each through the same service the page calls, and
reports the CPU time of this process and of the PostgreSQL backend per page, the wall time,
the rows read and the plan's top node, so a sort that is not an index range scan shows.

Prints one JSON object. Usage: python bench/list_pages.py [--rows 100000] [--repeat 20]
[--database-url postgres://...] [--reuse]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/ux"
BATCH = 5000


def fresh_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def seed(rows: int) -> Any:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from feeds.models import FeedSubmission
    from mwsclient.operations import FEED_TYPES, REPORT_TYPES
    from mwsportal.gateway.models import RequestLogEntry
    from reports.models import Report
    from sellers.models import Seller

    call_command("migrate", verbosity=0)
    owner = get_user_model().objects.create_user("bench@example.com", "bench@example.com")
    seller, neighbour = (
        Seller.objects.create(owner=owner, seller_id=f"A1BENCHLIST00{n}", region="NA", name=name)
        for n, name in ((1, "Bench"), (2, "Neighbour"))
    )
    rng = random.Random(1)
    report_types = list(REPORT_TYPES)[:40]
    feed_types = list(FEED_TYPES)[:20]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for first in range(0, rows, BATCH):
        numbers = range(first, min(rows, first + BATCH))
        pairs = [(n, s) for n in numbers for s in (seller, neighbour)]
        Report.objects.bulk_create(
            Report(
                seller=s,
                report_id=f"{s.pk}{n:012d}",
                report_type=rng.choice(report_types),
                state=rng.choice(["stored", "stored", "stored", "pending", "failed"]),
                size=rng.choice([None, *range(1000, 60000, 1000)]),
                available_at=start + timedelta(minutes=n),
            )
            for n, s in pairs
        )
        FeedSubmission.objects.bulk_create(
            FeedSubmission(
                seller=s,
                feed_type=rng.choice(feed_types),
                file=f"feeds/{s.pk}/{n}.xml",
                filename=f"upload-{rng.randrange(5000):04d}.xml",
                content_md5="1B2M2Y8AsgTpgAmY7PhCfg==",
                size=rng.randrange(100, 100000),
                state=rng.choice(["complete", "complete", "submitted", "failed"]),
                messages_with_error=rng.choice([None, 0, 0, 0, 1, 2, 5]),
            )
            for n, s in pairs
        )
        RequestLogEntry.objects.bulk_create(
            RequestLogEntry(
                seller=s,
                mws_seller_id=s.seller_id,
                operation=rng.choice(["GetReportRequestList", "GetReport", "SubmitFeed"]),
                sent_at=start + timedelta(seconds=20 * n),
                timestamp="2026-01-01T00:00:00.000Z",
                request_id=f"req-{s.pk}-{n:08d}",
                http_status=200,
                error_code=rng.choice(["", "", "", "", "RequestThrottled"]),
                duration_ms=40.0,
            )
            for n, s in pairs
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return seller


def backend_cpu_seconds(connection: Any) -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(listing: Any, seller: Any, sort: str, repeat: int, model: Any) -> dict[str, Any]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from mwsportal.keyset import cursor_of

    # The cursor of the row halfway down the list, as a page of the pager would carry it.
    count = model.objects.filter(seller=seller).count()
    middle = listing(seller, sort=sort, size=count // 2)
    deep = cursor_of(middle.items[-1], middle.sort).encode(middle.sort)
    parameter = "before" if middle.sort.descending else "after"
    results = {}
    for name, arguments in (("first", {}), ("deep", {parameter: deep})):
        with CaptureQueriesContext(connection) as queries:
            page = listing(seller, sort=sort, **arguments)
        assert len(page.items) == 25, (sort, name, len(page.items))
        sql = queries.captured_queries[-1]["sql"]
        query_count = len(queries.captured_queries)
        walls, cpus, backends = [], [], []
        for _ in range(repeat):
            backend_before = backend_cpu_seconds(connection)
            cpu_before, wall_before = time.process_time(), time.perf_counter()
            listing(seller, sort=sort, **arguments)
            walls.append((time.perf_counter() - wall_before) * 1000)
            cpus.append((time.process_time() - cpu_before) * 1000)
            backends.append((backend_cpu_seconds(connection) - backend_before) * 1000)
        reset_queries()
        results[name] = {
            "wall_ms_median": round(statistics.median(walls), 2),
            "wall_ms_p95": round(sorted(walls)[math.ceil(0.95 * (len(walls) - 1))], 2),
            "python_cpu_ms_median": round(statistics.median(cpus), 2),
            # The kernel counts CPU in 10 ms ticks: only the mean over the repeats says much.
            "database_cpu_ms_mean": round(statistics.mean(backends), 2),
            "queries": query_count,
            "plan": _explain(sql),
        }
    return results


def _explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        lines = [row[0] for row in cursor.fetchall()]
    # The plan's nodes without their conditions: "Limit > Index Scan using ..." or a Sort.
    nodes = [line.strip().removeprefix("->").strip().split("  (")[0] for line in lines]
    return " > ".join(node for node in nodes if not node.endswith(":") and ":" not in node)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="rows per seller and list")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure again on the rows an earlier run left in the database (seeding 100k rows "
        "a seller takes minutes)",
    )
    args = parser.parse_args()
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "MWSPORTAL_DATA_DIR": tempfile.mkdtemp(prefix="bench-lists-"),
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "MWS_ACCESS_KEY_ID": "AKIABENCHMARK0000001",
            "MWS_SECRET_KEY": secrets.token_urlsafe(30),
            "MWS_DEVELOPER_ID": "1234-5678-9012",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "WARNING",
        }
    )
    if not args.reuse:
        fresh_database(args.database_url)
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mwsportal.settings")
    django.setup()
    from django.core.management import call_command

    from feeds.models import FeedSubmission
    from feeds.services import FEED_SORTS, page_feeds
    from mwsportal.gateway.models import RequestLogEntry
    from reports.models import Report
    from reports.services import REPORT_SORTS, list_reports
    from sellers.models import Seller
    from sellers.services import HISTORY_SORTS, list_request_history

    started = time.monotonic()
    if args.reuse:
        # The earlier run's rows, under the migrations of this checkout.
        call_command("migrate", verbosity=0)
        seller = Seller.objects.get(seller_id="A1BENCHLIST001")
    else:
        seller = seed(args.rows)
    seeded = time.monotonic() - started
    lists = {
        "reports": (list_reports, REPORT_SORTS, Report),
        "feeds": (page_feeds, FEED_SORTS, FeedSubmission),
        "request_history": (list_request_history, HISTORY_SORTS, RequestLogEntry),
    }
    results: dict[str, Any] = {}
    for name, (listing, columns, model) in lists.items():
        for column in columns:
            for sort in (f"-{column}", column):
                results[f"{name} sort={sort}"] = measure(listing, seller, sort, args.repeat, model)
    print(
        json.dumps(
            {
                "benchmark": "list_pages",
                "rows_per_seller": args.rows,
                "sellers": 2,
                "repeat": args.repeat,
                "seed_seconds": round(seeded, 1),
                "python": platform.python_version(),
                "load_average": os.getloadavg(),
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
