"""A large flat-file orders report read into PostgreSQL: the portal's ingest against a COPY.

A sandbox ``_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_`` report of SIZE bytes is written to
a storage folder, a fresh PostgreSQL database is migrated, and two child processes run one
after the other on the same file:

- ingest: ``reports.ingest.ingest_report`` (decode, type every cell, COPY into the typed
  order-line table), measuring its own peak RSS growth (ru_maxrss and a 10 ms sampler);
- copy: a plain ``COPY ... FROM STDIN`` of the same bytes into an untyped table (one text
  column per report column), what PostgreSQL itself needs to load the file.

Prints one JSON object: rows, ingest_s, copy_s, ratio (ingest_s / copy_s), peak_rss_growth_mib
and rows_match (every data line of the file became a row). Needs PostgreSQL at DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/test); it creates and drops its own database.

Usage: python bench/report_ingest.py [--size BYTES] (default 1 GiB) [--profile FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ORDERS = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_"
MARKETPLACE = "ATVPDKIKX0DER"
DATABASE = "bench_report_ingest"
MIB = 1024 * 1024


def database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def write_report(path: Path, size: int) -> tuple[int, str]:
    """The sandbox's orders report of about ``size`` bytes; returns (data lines, charset)."""
    from mwssandbox.catalogue import Catalogue
    from mwssandbox.reportgen import build_report

    generated = build_report(
        ORDERS,
        catalogue=Catalogue.generate("A1BENCH", MARKETPLACE, seed=11, size=2000),
        marketplace_id=MARKETPLACE,
        seed=11,
        target_bytes=size,
        start_date=datetime(2020, 1, 1, tzinfo=UTC),
        end_date=datetime(2020, 12, 31, tzinfo=UTC),
    )
    lines = 0
    with path.open("wb") as handle:
        for chunk in generated.chunks():
            handle.write(chunk)
            lines += chunk.count(b"\n")
    return lines - 1, generated.charset


def environment(data_dir: Path, url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "MWSPORTAL_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "mwsportal.settings",
        "PYTHONPATH": str(ROOT),
    }


class PeakSampler:
    """The process's peak RSS, sampled every 10 ms (ru_maxrss misses nothing but
    cannot be reset, so both are read)."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.start = self.process.memory_info().rss
        self.start_maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.peak = self.start
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.01)

    def growth_mib(self) -> float:
        self.running = False
        self.thread.join()
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return max(self.peak - self.start, maxrss - max(self.start_maxrss, self.start)) / MIB


def child_ingest(report_name: str, charset: str, profile: str | None) -> None:
    import django

    django.setup()
    from reports import ingest
    from reports.models import OrderLine, Report
    from sellers.models import Seller
    from tests.factories import UserFactory

    seller = Seller.objects.create(
        owner=UserFactory(),
        seller_id="A1BENCH",
        region="NA",
        name="Bench",
        auth_token="amzn.mws.bench",  # noqa: S106 - not a secret
    )
    report = Report.objects.create(
        seller=seller,
        report_id="1",
        report_type=ORDERS,
        state=Report.State.STORED,
        file=report_name,
        charset=charset,
    )
    sampler = PeakSampler()
    cpu_before = time.process_time()
    started = time.perf_counter()
    if profile:
        import cProfile

        cProfile.runctx("ingest.ingest_report(report)", globals(), locals(), profile)
    else:
        ingest.ingest_report(report)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    growth = sampler.growth_mib()
    data = report.data
    data.refresh_from_db()
    print(
        json.dumps(
            {
                "ingest_s": round(elapsed, 2),
                "ingest_cpu_s": round(cpu, 2),
                "peak_rss_growth_mib": round(growth, 1),
                "rows": OrderLine.objects.filter(report=report).count(),
                "state": data.state,
                "problems": data.problem_count,
                "error": data.error_message,
            }
        )
    )


# What PostgreSQL calls the charsets the sandbox writes orders reports in.
PG_ENCODINGS = {
    "windows-1252": "WIN1252",
    "cp1252": "WIN1252",
    "utf-8": "UTF8",
    "windows-31j": "SJIS",
}


def child_copy(url: str, path: str, charset: str) -> None:
    with open(path, "rb") as handle:
        header = handle.readline().decode().rstrip("\r\n").split("\t")
    columns = ", ".join(f'"c{n}" text' for n in range(len(header)))
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS untyped_copy")
        connection.execute(f"CREATE TABLE untyped_copy ({columns})")
        started = time.perf_counter()
        with connection.cursor() as cursor:
            encoding = PG_ENCODINGS.get(charset.lower(), "UTF8")
            statement = (
                "COPY untyped_copy FROM STDIN WITH "
                f"(FORMAT text, HEADER true, ENCODING '{encoding}')"
            )
            with cursor.copy(statement) as copy, open(path, "rb") as handle:
                while block := handle.read(MIB):
                    copy.write(block)
        elapsed = time.perf_counter() - started
        rows = connection.execute("SELECT count(*) FROM untyped_copy").fetchone()[0]
        connection.execute("DROP TABLE untyped_copy")
    print(json.dumps({"copy_s": round(elapsed, 2), "rows": rows}))


def run_child(args: list[str], env: dict[str, str]) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, *args], env=env, check=False, capture_output=True, text=True
    )
    if output.returncode:
        sys.exit(f"{args[1]} failed:\n{output.stderr[-3000:]}")
    if os.environ.get("BENCH_VERBOSE"):
        print(output.stderr[-5000:], file=sys.stderr)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024 * MIB)
    parser.add_argument("--profile", help="Write a cProfile of the ingest to this file.")
    parser.add_argument("--child", choices=["ingest", "copy"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--charset", default="", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child == "ingest":
        child_ingest(options.file, options.charset, options.profile)
        return
    if options.child == "copy":
        child_copy(os.environ["DATABASE_URL"], options.file, options.charset)
        return

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    url = database_url(base, DATABASE)
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
            data_dir = Path(folder)
            name = "reports/1/orders.txt"
            path = data_dir / "media" / name
            path.parent.mkdir(parents=True)
            lines, charset = write_report(path, options.size)
            env = environment(data_dir, url)
            subprocess.run(
                [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"],
                env=env,
                check=True,
            )
            ingested = run_child(
                ["--child", "ingest", "--file", name, "--charset", charset]
                + (["--profile", options.profile] if options.profile else []),
                env,
            )
            copied = run_child(["--child", "copy", "--file", str(path), "--charset", charset], env)
            result = {
                "benchmark": "report_ingest",
                "date": datetime.now(UTC).date().isoformat(),
                "machine": (
                    f"{platform.machine()}, {os.cpu_count()} CPUs, "
                    f"Python {platform.python_version()}"
                ),
                "size_bytes": path.stat().st_size,
                "rows": ingested["rows"],
                "ingest_s": ingested["ingest_s"],
                # CPU time of the portal's process (reading, typing, formatting COPY rows);
                # the rest of ingest_s is PostgreSQL's work it waits for.
                "ingest_cpu_s": ingested["ingest_cpu_s"],
                "copy_s": copied["copy_s"],
                "ratio": round(ingested["ingest_s"] / copied["copy_s"], 2),
                "peak_rss_growth_mib": ingested["peak_rss_growth_mib"],
                "rows_match": ingested["rows"] == lines == copied["rows"],
                "state": ingested["state"],
                "problems": ingested["problems"],
                "error": ingested["error"],
            }
            print(json.dumps(result, indent=2))
    finally:
        if not os.environ.get("BENCH_KEEP_DATABASE"):
            with psycopg.connect(base, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")


if __name__ == "__main__":
    main()
