"""Partner API latency and throughput with many report rows on PostgreSQL.

The parent creates a fresh PostgreSQL database (``--database-url``, dropped and made again),
migrates it, and writes ``--rows`` report requests (and as many reports) for one seller granted
to one partner, next to a second seller with as many rows of its own (the two alternate) so
every query has to pick one seller's rows out of the table. It counts the SQL queries of each
list request at page sizes 10 and 100 (they must be equal). Then it starts gunicorn on
loopback, configured as in production (``DEBUG`` off, the cache in Redis with
``--cache-url``), and a second process that calls the list and detail endpoints of report
requests and reports for ``--seconds`` from each number of threads given to
``--concurrency``, each thread with its own keep-alive connection. Latencies are measured by
that client, end to end over HTTP; the CPU time of the gunicorn workers and the database
backends is counted per request.

With ``--profile N`` it also serves N requests of the same mix in its own process, through the
whole Django stack (middleware, authentication, rate limit, view, serializer, rendering) under
cProfile, and reports the CPU time per request of that process and the profile's top entries.

Prints one JSON object. Usage: python bench/api.py [--rows 100000] [--seconds 15]
[--database-url postgres://...] [--cache-url redis://...] [--concurrency 1 2 4 8]
[--profile 2000] [--reuse]
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import json
import os
import platform
import pstats
import random
import secrets
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

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support import free_port  # noqa: E402

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/mwsportal_bench_api"
REPORT_TYPE = "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ---- the load process -------------------------------------------------------------------------


def cursor(before: int) -> str:
    return base64.urlsafe_b64encode(f"before:{before}".encode()).decode().rstrip("=")


def load(
    base: str, key: str, seller: int, ids: dict[str, list[int]], seconds: float, threads: int
) -> None:
    import requests

    kinds = [
        (f"{collection}_{shape}", collection, shape)
        for collection in ("report-requests", "reports")
        for shape in ("list", "detail")
    ]
    results: dict[str, list[float]] = {kind: [] for kind, _, _ in kinds}
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(n: int) -> None:
        nonlocal errors
        session = requests.Session()
        session.headers["Authorization"] = f"Api-Key {key}"
        rng = random.Random(n)
        while time.monotonic() < stop:
            kind, collection, shape = rng.choice(kinds)
            url = f"{base}/api/v1/sellers/{seller}/{collection}/"
            if shape == "list":
                # Page 1 half the time, a page deep in the list otherwise.
                url += "?page_size=25"
                if rng.random() < 0.5:
                    url += f"&cursor={cursor(rng.choice(ids[collection]))}"
            else:
                url += f"{rng.choice(ids[collection])}/"
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
    everything = [ms for latencies in results.values() for ms in latencies]
    for kind, latencies in [*results.items(), ("all", everything)]:
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


def server_cpu_seconds(gunicorn_pid: int, database: str) -> dict[int, tuple[float, str]]:
    """CPU seconds used so far by each gunicorn worker ("web") and each PostgreSQL backend
    serving ``database`` ("db"): the server side of a request, whatever else runs on the
    machine."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # gone meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        parent, utime, stime = int(fields[1]), int(fields[11]), int(fields[12])
        if parent == gunicorn_pid:
            used[int(entry.name)] = ((utime + stime) / tick, "web")
        elif command.startswith("postgres:") and f" {database} " in command:
            used[int(entry.name)] = ((utime + stime) / tick, "db")
    return used


def seed(rows: int) -> tuple[str, int, dict[str, list[int]]]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from partners import services
    from partners.models import Partner
    from reports.models import Report, ReportRequest
    from sellers.models import Seller

    call_command("migrate", verbosity=0)
    owner = get_user_model().objects.create_user("bench@example.com", "bench@example.com")
    seller, neighbour = (
        Seller.objects.create(owner=owner, seller_id=f"A1BENCHAPI000{n}", region="NA", name=name)
        for n, name in ((1, "Bench"), (2, "Neighbour"))
    )
    partner = Partner.objects.create(name="Bench partner")
    _, key = services.create_api_key(partner, name="bench")
    services.grant_partner(seller, partner, scopes=["read_reports"])
    batch = 5000
    # The two sellers' rows alternate, as the rows of sellers working at the same time do.
    for start in range(0, rows, batch):
        made = ReportRequest.objects.bulk_create(
            ReportRequest(
                seller=owner_seller,
                report_type=REPORT_TYPE,
                status="done",
                mws_request_id=f"5{owner_seller.pk}{n:010d}",
            )
            for n in range(start, min(rows, start + batch))
            for owner_seller in (seller, neighbour)
        )
        Report.objects.bulk_create(
            Report(
                seller_id=r.seller_id,
                request=r,
                report_id=str(20_000_000_000_000 + r.pk),
                report_type=REPORT_TYPE,
                state="stored",
            )
            for r in made
        )
    # Fresh statistics, as autovacuum would gather after such a load.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    ids = {
        "report-requests": list(
            ReportRequest.objects.filter(seller=seller).values_list("pk", flat=True)
        ),
        "reports": list(Report.objects.filter(seller=seller).values_list("pk", flat=True)),
    }
    return key, seller.pk, ids


def existing_seed() -> tuple[str, int, dict[str, list[int]]]:
    """The rows a previous run wrote (``--reuse``), with a new key for its partner."""
    from partners import services
    from partners.models import Partner
    from reports.models import Report, ReportRequest
    from sellers.models import Seller

    seller = Seller.objects.get(seller_id="A1BENCHAPI0001")
    _, key = services.create_api_key(Partner.objects.get(name="Bench partner"), name="bench")
    ids = {
        "report-requests": list(
            ReportRequest.objects.filter(seller=seller).values_list("pk", flat=True)
        ),
        "reports": list(Report.objects.filter(seller=seller).values_list("pk", flat=True)),
    }
    return key, seller.pk, ids


def query_counts(key: str, seller: int) -> dict[str, dict[str, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}", HTTP_HOST="127.0.0.1")
    counts: dict[str, dict[str, int]] = {}
    for collection in ("report-requests", "reports"):
        for size in (10, 100):
            url = f"/api/v1/sellers/{seller}/{collection}/?page_size={size}"
            client.get(url)  # warm: the key's last use is written at most once a minute
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, response.content[:300]
            counts.setdefault(collection, {})[f"page_size_{size}"] = len(queries)
    return counts


def request_mix(seller: int, ids: dict[str, list[int]], count: int) -> list[str]:
    """``count`` URLs of the load's mix: lists (page 1 or deep) and details of both kinds."""
    rng = random.Random(7)
    urls = []
    for _ in range(count):
        collection = rng.choice(("report-requests", "reports"))
        url = f"/api/v1/sellers/{seller}/{collection}/"
        if rng.random() < 0.5:
            url += "?page_size=25"
            if rng.random() < 0.5:
                url += f"&cursor={cursor(rng.choice(ids[collection]))}"
        else:
            url += f"{rng.choice(ids[collection])}/"
        urls.append(url)
    return urls


def profile(key: str, seller: int, ids: dict[str, list[int]], count: int) -> dict[str, Any]:
    """Serve ``count`` requests in this process under cProfile; CPU ms per request of this
    process (the database backend's share is not in it) and the top entries by own and by
    cumulative CPU time, in ms per request."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}", HTTP_HOST="127.0.0.1")
    urls = request_mix(seller, ids, count)
    for url in urls[:50]:
        client.get(url)  # warm: imports, connections, the key's last use
    cpu_started = time.process_time()
    for url in urls:
        assert client.get(url).status_code == 200
    plain_cpu = time.process_time() - cpu_started
    # CPU time, not wall time: what the request costs this process, not how long it waited
    # for the database or for other work on the machine.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for url in urls:
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())

    def top(sort: str, limit: int) -> list[dict[str, Any]]:
        rows = []
        for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items():
            where = filename.replace(str(ROOT) + "/", "").split("site-packages/")[-1]
            rows.append(
                {
                    "function": f"{where}:{line}({name})",
                    "calls_per_request": round(calls / count, 2),
                    "own_ms_per_request": round(1000 * own / count, 3),
                    "cumulative_ms_per_request": round(1000 * cumulative / count, 3),
                }
            )
        rows.sort(key=lambda row: row[sort], reverse=True)
        return rows[:limit]

    return {
        "requests": count,
        "process_cpu_ms_per_request": round(1000 * plain_cpu / count, 3),
        "top_by_cumulative": top("cumulative_ms_per_request", 40),
        "top_by_own_time": top("own_ms_per_request", 25),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="+",
        default=[2, 8],
        help="client threads; one measured run per number given",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--database-url", default=DEFAULT_DB)
    parser.add_argument(
        "--cache-url", default="", help="redis://... for the rate-limit counters, as in production"
    )
    parser.add_argument(
        "--profile", type=int, default=0, help="requests to serve in-process under cProfile"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the database of a previous run with the same --rows instead of seeding anew",
    )
    parser.add_argument("--load", nargs=4, metavar=("BASE", "KEY", "SELLER", "IDS_FILE"))
    args = parser.parse_args()
    if args.load:
        base, key, seller, ids_file = args.load
        ids = json.loads(Path(ids_file).read_text())
        load(base, key, int(seller), ids, args.seconds, args.concurrency[0])
        return

    data_dir = tempfile.mkdtemp(prefix="bench-api-")
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "CACHE_URL": args.cache_url,
        "MWSPORTAL_DATA_DIR": data_dir,
        # Production settings: no debug query log, no debug pages. Throwaway secrets.
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "MWS_ACCESS_KEY_ID": "AKIABENCHMARK0000001",
        "MWS_SECRET_KEY": secrets.token_urlsafe(30),
        "MWS_DEVELOPER_ID": "1234-5678-9012",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        # The limit is not under test, but it is counted on every request as in production.
        "API_RATE_LIMIT": "1000000/second",
    }
    os.environ.update(env)
    if not args.reuse:
        fresh_database(args.database_url)
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mwsportal.settings")
    django.setup()
    started = time.monotonic()
    if args.reuse:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        key, seller, ids = existing_seed()
    else:
        key, seller, ids = seed(args.rows)
    seeded_seconds = time.monotonic() - started
    counts = query_counts(key, seller)
    profiled = profile(key, seller, ids, args.profile) if args.profile else None

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
        sample = {c: random.Random(1).sample(rows, min(len(rows), 5000)) for c, rows in ids.items()}
        ids_file.write_text(json.dumps(sample))
        base = f"http://127.0.0.1:{port}"
        # A short warm-up so every gunicorn worker has its connections and imports ready.
        load_args = ["--load", base, key, str(seller), str(ids_file)]
        subprocess.run(
            [sys.executable, __file__, "--seconds", "2", "--concurrency", "4", *load_args],
            check=True,
            capture_output=True,
        )
        runs: dict[str, Any] = {}
        database = urlsplit(args.database_url).path.lstrip("/")
        for threads in args.concurrency:
            cpu_before = {
                pid: seconds
                for pid, (seconds, _) in server_cpu_seconds(server.pid, database).items()
            }
            measured = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--seconds",
                    str(args.seconds),
                    "--concurrency",
                    str(threads),
                    *load_args,
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            cpu_after = server_cpu_seconds(server.pid, database)
            run = json.loads(measured.stdout)
            answered = max(1, run["all"]["requests"] + run["errors"])
            used = {pid: after - cpu_before.get(pid, 0.0) for pid, (after, _) in cpu_after.items()}
            database_cpu = sum(used[pid] for pid, (_, role) in cpu_after.items() if role == "db")
            runs[f"client_threads_{threads}"] = {
                **run,
                # Less sensitive to other work on the machine than the latencies are.
                "server_cpu_ms_per_request": round(1000 * sum(used.values()) / answered, 2),
                "database_cpu_ms_per_request": round(1000 * database_cpu / answered, 2),
                # The machine may be shared: how busy it was over the last minute.
                "load_average_1min": round(os.getloadavg()[0], 2),
            }
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        json.dumps(
            {
                "rows": args.rows,
                "seed_seconds": round(seeded_seconds, 1),
                "database": "postgresql",
                "cache": "redis" if args.cache_url else "file",
                "gunicorn_workers": args.workers,
                "seconds": args.seconds,
                "queries_per_list_request": counts,
                **runs,
                **({"profile": profiled} if profiled else {}),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
