"""Partner API latency and throughput with many report rows on PostgreSQL.

The parent creates a fresh PostgreSQL database (``--database-url``, dropped and made again),
migrates it, and writes ``--rows`` report requests (and as many reports) for one seller granted
to one partner. It counts the SQL queries of one list request at page sizes 10 and 100 (they
must be equal), then starts gunicorn on loopback and a second process that calls the list and
detail endpoints from ``--concurrency`` threads for ``--seconds``, each thread with its own
keep-alive connection. Latencies are measured by that client, end to end over HTTP.

Prints one JSON object. Usage: python bench/api.py [--rows 100000] [--seconds 15]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/mwsportal_bench_api"
REPORT_TYPE = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ---- the load process -------------------------------------------------------------------------


def load(base: str, key: str, seller: int, ids: list[int], seconds: float, threads: int) -> None:
    import requests

    results: dict[str, list[float]] = {"list": [], "detail": []}
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(n: int) -> None:
        nonlocal errors
        session = requests.Session()
        session.headers["Authorization"] = f"Api-Key {key}"
        rng = random.Random(n)
        while time.monotonic() < stop:
            kind = "list" if rng.random() < 0.5 else "detail"
            if kind == "list":
                url = f"{base}/api/v1/sellers/{seller}/report-requests/?page_size=25"
            else:
                url = f"{base}/api/v1/sellers/{seller}/report-requests/{rng.choice(ids)}/"
            started = time.perf_counter()
            response = session.get(url, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if response.status_code == 200:
                    results[kind].append(elapsed)
                else:
                    errors += 1

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    summary: dict[str, Any] = {"errors": errors}
    for kind, latencies in results.items():
        summary[kind] = {
            "requests": len(latencies),
            "requests_per_second": round(len(latencies) / seconds, 1),
            "p50_ms": round(statistics.median(latencies), 2) if latencies else None,
            "p95_ms": round(percentile(latencies, 0.95), 2) if latencies else None,
        }
    print(json.dumps(summary))


# ---- the parent -------------------------------------------------------------------------------


def fresh_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def seed(rows: int) -> tuple[str, int, list[int]]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from reports.models import Report, ReportRequest
    from sellers import services
    from sellers.models import Partner, Seller

    call_command("migrate", verbosity=0)
    owner = get_user_model().objects.create_user("bench@example.com", "bench@example.com")
    seller = Seller.objects.create(
        owner=owner, seller_id="A1BENCHAPI0001", region="NA", name="Bench"
    )
    partner = Partner.objects.create(name="Bench partner")
    _, key = services.create_api_key(partner, name="bench")
    services.grant_partner(seller, partner, scopes=["read_reports"])
    batch = 5000
    for start in range(0, rows, batch):
        made = ReportRequest.objects.bulk_create(
            ReportRequest(
                seller=seller,
                report_type=REPORT_TYPE,
                status="done",
                mws_request_id=str(50_000_000_000 + n),
            )
            for n in range(start, min(rows, start + batch))
        )
        Report.objects.bulk_create(
            Report(
                seller=seller,
                request=r,
                report_id=str(20_000_000_000_000 + r.pk),
                report_type=REPORT_TYPE,
                state="stored",
            )
            for r in made
        )
    ids = list(ReportRequest.objects.filter(seller=seller).values_list("pk", flat=True))
    return key, seller.pk, ids


def query_counts(key: str, seller: int) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    counts = {}
    for size in (10, 100):
        url = f"/api/v1/sellers/{seller}/report-requests/?page_size={size}"
        client.get(url)  # warm: the key's last use is written at most once a minute
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[f"page_size_{size}"] = len(queries)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument("--load", nargs=4, metavar=("BASE", "KEY", "SELLER", "IDS_FILE"))
    args = parser.parse_args()
    if args.load:
        base, key, seller, ids_file = args.load
        ids = json.loads(Path(ids_file).read_text())
        load(base, key, int(seller), ids, args.seconds, args.concurrency)
        return

    data_dir = tempfile.mkdtemp(prefix="bench-api-")
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "MWSPORTAL_DATA_DIR": data_dir,
        "DEBUG": "true",
        "LOG_LEVEL": "WARNING",
        # The limit is not under test: it must not refuse the load.
        "API_RATE_LIMIT": "1000000/second",
    }
    os.environ.update(env)
    fresh_database(args.database_url)
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mwsportal.settings")
    django.setup()
    started = time.monotonic()
    key, seller, ids = seed(args.rows)
    seeded_seconds = time.monotonic() - started
    counts = query_counts(key, seller)

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "mwsportal.wsgi",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        ids_file = Path(data_dir) / "ids.json"
        ids_file.write_text(json.dumps(random.Random(1).sample(ids, min(len(ids), 5000))))
        base = f"http://127.0.0.1:{port}"
        # A short warm-up so every gunicorn worker has its connections and imports ready.
        warm = [sys.executable, __file__, "--seconds", "2", "--concurrency", str(args.concurrency)]
        subprocess.run(
            [*warm, "--load", base, key, str(seller), str(ids_file)],
            check=True,
            capture_output=True,
        )
        measured = subprocess.run(
            [
                sys.executable,
                __file__,
                "--seconds",
                str(args.seconds),
                "--concurrency",
                str(args.concurrency),
                "--load",
                base,
                key,
                str(seller),
                str(ids_file),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        json.dumps(
            {
                "rows": args.rows,
                "seed_seconds": round(seeded_seconds, 1),
                "database": "postgresql",
                "gunicorn_workers": args.workers,
                "client_threads": args.concurrency,
                "seconds": args.seconds,
                "queries_per_list_request": counts,
                **json.loads(measured.stdout),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
