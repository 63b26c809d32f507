"""A large sandbox report end to end: requested, polled and downloaded by the gateway's worker
code into storage, MD5-verified. Reports the worker's peak RSS growth and MB/s.

The parent process starts the MWS sandbox (in-process, on loopback) with one seller whose
orders report is SIZE bytes, migrates a fresh SQLite database in a temporary folder, then runs
a child "worker" process. The child is what a Celery worker does, minus the broker: it asks
``reports.services.request_report`` for the report, then loops over the gateway's dispatcher
and ``work_queue`` (inline executor) and the periodic poll until the report is stored. Its RSS
is sampled every millisecond from just before the request; the growth of the peak over that
starting point is reported (ru_maxrss is checked too; the larger wins).

- ``download_mb_per_s``: report bytes / (time from the GetReport call going out to the file
  stored under its final name): the sandbox generating the body (it computes the Content-MD5
  in a pass of its own before the first byte), streaming, hashing, and moving into storage.
- ``end_to_end_seconds``: from the request to the stored file, including the sandbox's
  (time-scaled) processing and its Content-MD5 pass over the generated body.

Prints one JSON object. Usage: python bench/report_pipeline.py [--size BYTES] (default 1 GiB)
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
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support import cpu_model, file_md5_base64  # noqa: E402

MIB = 1024 * 1024
REPORT_TYPE = "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_"
DEVELOPER = {
    "access_key_id": "AKIABENCHDEVELOPER01",
    "secret_key": "bench-developer-secret",
    "account_number": "9999-8888-7777",
    "name": "Bench Developer",
}
SELLER = "A1BENCHSELLER01"
TOKEN = "amzn.mws.99999999-8888-7777-6666-555555555555"  # noqa: S105 - a sandbox-only token
# The sandbox's processing delays and both sides' throttle restores run this much faster.
TIME_SCALE = 100.0


def sandbox_config(size: int) -> dict[str, Any]:
    return {
        "developers": [DEVELOPER],
        "sellers": [
            {
                "seller_id": SELLER,
                "region": "NA",
                "marketplaces": ["ATVPDKIKX0DER"],
                "authorizations": [
                    {"access_key_id": DEVELOPER["access_key_id"], "mws_auth_token": TOKEN}
                ],
            }
        ],
        "reports": {"sizes": {REPORT_TYPE: size}, "settlement_interval_days": None},
    }


def rss() -> int:
    return psutil.Process().memory_info().rss


def maxrss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def worker() -> None:
    """The child: request the report and run the gateway until it is stored."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from mwsportal.gateway import dispatch
    from mwsportal.gateway.models import MWSCall
    from reports import services
    from reports.models import Report
    from sellers.models import Seller

    class Inline:
        def submit(self, queue_id: int, lease: str) -> None:
            dispatch.work_queue(queue_id, lease)

    owner = get_user_model().objects.create_user("bench@example.com", "bench@example.com")
    seller = Seller.objects.create(
        owner=owner, seller_id=SELLER, region="NA", name="Bench", auth_token=TOKEN
    )

    before, maxrss_before, peak = rss(), maxrss(), rss()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss())
            time.sleep(0.001)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    report_request = services.request_report(seller, REPORT_TYPE)
    while True:
        dispatch.dispatch_due_queues(executor=Inline())
        services.poll_all_sellers()
        report = Report.objects.filter(request=report_request).first()
        if report is not None and report.state != Report.State.PENDING:
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    growth = max(peak - before, maxrss() - max(maxrss_before, before), 0)

    get_report = MWSCall.objects.filter(operation="GetReport").order_by("pk").last()
    download_seconds = (report.stored_at - get_report.sent_at).total_seconds()
    print(
        json.dumps(
            {
                "state": report.state,
                "error": report.error_message,
                "path": str(Path(os.environ["MEDIA_ROOT"]) / report.file) if report.file else "",
                "md5": report.md5,
                "size": report.size,
                "downloads": report.downloads,
                "end_to_end_seconds": elapsed,
                "download_seconds": download_seconds,
                "peak_rss_growth_mib": growth / MIB,
            }
        ),
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024**3, help="report size in bytes")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return

    from mwssandbox.server import running_sandbox

    with (
        tempfile.TemporaryDirectory(prefix="mws-pipeline-") as directory,
        running_sandbox(sandbox_config(args.size), time_scale=TIME_SCALE) as sandbox,
    ):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "mwsportal.settings",
            "DEBUG": "true",
            "MWSPORTAL_DATA_DIR": directory,
            "MEDIA_ROOT": str(Path(directory) / "media"),
            "FILE_UPLOAD_TEMP_DIR": directory,
            "DATABASE_URL": f"sqlite:///{Path(directory) / 'bench.sqlite3'}",
            "CELERY_BROKER_URL": f"sqla+sqlite:///{Path(directory) / 'broker.sqlite3'}",
            "CACHE_URL": "",
            "MWS_ENDPOINT": sandbox.url,
            "MWS_ACCESS_KEY_ID": DEVELOPER["access_key_id"],
            "MWS_SECRET_KEY": DEVELOPER["secret_key"],
            "MWS_DEVELOPER_ID": DEVELOPER["account_number"],
            "MWS_GATEWAY_BUCKET_BACKEND": "database",
            "MWS_GATEWAY_TIME_SCALE": str(TIME_SCALE),
            "LOG_LEVEL": "WARNING",
        }
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
            env=env,
            check=True,
        )
        finished = subprocess.run(
            [sys.executable, __file__, "--worker"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(finished.stdout.strip().splitlines()[-1])
        path = Path(result["path"]) if result["path"] else None
        # The generator ends at most one record past SIZE: the stored size is the report's.
        md5_ok = (
            bool(path)
            and path.stat().st_size == result["size"]
            and (file_md5_base64(path) == result["md5"])
        )

    print(
        json.dumps(
            {
                "benchmark": "report_pipeline",
                "bytes": result["size"],
                "state": result["state"],
                "md5_ok": md5_ok,
                "downloads": result["downloads"],
                "worker_peak_rss_growth_mib": round(result["peak_rss_growth_mib"], 2),
                "download_seconds": round(result["download_seconds"], 2),
                "download_mb_per_s": round(
                    (result["size"] or 0) / 1e6 / result["download_seconds"], 1
                ),
                "end_to_end_seconds": round(result["end_to_end_seconds"], 2),
                "python": platform.python_version(),
                "cpu": cpu_model(),
                "cores": os.cpu_count(),
                "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            }
        )
    )


if __name__ == "__main__":
    main()
