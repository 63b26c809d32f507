"""A large stored report through reports.reading: rows per second and peak memory growth.

The sandbox generates a report of SIZE bytes into a temporary file first (not timed); then
``read_report`` reads that file once, converting every row to typed values, the way ingest
reads a stored report. Memory is the growth of the process's RSS, sampled every 10 ms
during the read, over its RSS just before it. MB/s are 10^6 bytes per second of wall time.

Prints one JSON object. Usage:
    python bench/report_reading.py [--size BYTES] [--report-type TYPE] [--marketplace ID]
(defaults: 100 MB, the flat-file all-orders report by last update, Amazon.com)
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.support import cpu_model
from mwssandbox.catalogue import Catalogue
from mwssandbox.reportgen import build_report
from reports.reading import read_report

MIB = 1024 * 1024


class PeakRSS:
    """The highest resident set size seen while it runs, sampled every 10 ms."""

    def __init__(self) -> None:
        self._process = psutil.Process()
        self.peak = self._process.memory_info().rss
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.01):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000_000)
    parser.add_argument("--report-type", default="_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_")
    parser.add_argument("--marketplace", default="ATVPDKIKX0DER")
    args = parser.parse_args()

    generated = build_report(
        args.report_type,
        catalogue=Catalogue.generate("A3BENCHSELLER", args.marketplace, seed=1, size=500),
        marketplace_id=args.marketplace,
        seed=1,
        start_date=datetime(2020, 1, 1, tzinfo=UTC),
        end_date=datetime(2020, 12, 1, tzinfo=UTC),
        target_bytes=args.size,
    )
    charset = generated.content_type.partition("charset=")[2] or None
    with tempfile.TemporaryFile() as body:
        for chunk in generated.chunks():
            body.write(chunk)
        size = body.tell()
        body.seek(0)
        rss_before = psutil.Process().memory_info().rss
        with PeakRSS() as memory:
            started = time.perf_counter()
            reading = read_report(
                args.report_type, body, charset=charset, marketplace_id=args.marketplace
            )
            rows = sum(1 for _ in reading)
            elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "report_type": args.report_type,
                "marketplace": args.marketplace,
                "encoding": reading.encoding,
                "bytes": size,
                "rows": rows,
                "problems": reading.problem_count,
                "read_s": round(elapsed, 2),
                "rows_per_s": round(rows / elapsed),
                "mb_per_s": round(size / elapsed / 1e6, 1),
                "peak_rss_growth_mib": round(max(memory.peak - rss_before, 0) / MIB, 1),
                "python": platform.python_version(),
                "cpu": cpu_model(),
            }
        )
    )


if __name__ == "__main__":
    main()
