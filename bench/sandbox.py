"""Requests per second the MWS sandbox answers for a cheap signed call, with 8 clients.

Starts ``manage.py mws_sandbox`` as a child process on a free loopback port with the default
config (throttling switched off, so every call is answered rather than throttled), then runs
N client threads, each with its own keep-alive connection, calling GetReportCount as fast as
the answers come. Every request is freshly signed (HmacSHA256) and fully checked by the sandbox:
User-Agent, access key, signature, timestamp, seller authorization, throttle accounting.

The clients sign with the sandbox's own signing module: this measures the server, and the
sandbox's tests already prove that module against an independent signer.

Prints one JSON object. Usage: python bench/sandbox.py [--seconds 10] [--clients 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.support import cpu_model, free_port  # noqa: E402
from mwssandbox.config import DEFAULT_CONFIG  # noqa: E402
from mwssandbox.signing import compute_signature, string_to_sign  # noqa: E402

PATH = "/Reports/2009-01-01"
USER_AGENT = "MWSPortalBench/1.0 (Language=Python/3.11)"


@dataclass(frozen=True)
class Caller:
    """The default config's demo developer calling for its first authorized seller."""

    access_key: str
    secret_key: str
    seller_id: str
    token: str
    port: int


def _start_sandbox(workdir: Path) -> tuple[subprocess.Popen[bytes], Caller]:
    config = json.loads(DEFAULT_CONFIG.read_text())
    config["throttling"] = {"enabled": False}
    developer = config["developers"][0]
    seller = next(s for s in config["sellers"] if s.get("authorizations"))
    path = workdir / "bench-sandbox.json"
    path.write_text(json.dumps(config))
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "mws_sandbox",
            "--addr",
            f"127.0.0.1:{port}",
            "--config",
            str(path),
            "--state-file",
            "",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "LOG_LEVEL": "WARNING"},  # one log line per request would dominate
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/")
            connection.getresponse().read()
            return process, Caller(
                developer["access_key_id"],
                developer["secret_key"],
                seller["seller_id"],
                seller["authorizations"][0]["mws_auth_token"],
                port,
            )
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the sandbox did not start")


def _signed_body(caller: Caller) -> bytes:
    params = {
        "AWSAccessKeyId": caller.access_key,
        "Action": "GetReportCount",
        "MWSAuthToken": caller.token,
        "SellerId": caller.seller_id,
        "SignatureMethod": "HmacSHA256",
        "SignatureVersion": "2",
        "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "Version": "2009-01-01",
    }
    text = string_to_sign("POST", f"127.0.0.1:{caller.port}", PATH, params)
    params["Signature"] = compute_signature(caller.secret_key, "HmacSHA256", text)
    return urlencode(params).encode()


def _client(
    caller: Caller, stop: threading.Event, latencies: list[float], errors: list[int]
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", caller.port, timeout=10)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "User-Agent": USER_AGENT,
    }
    while not stop.is_set():
        body = _signed_body(caller)
        started = time.perf_counter()
        connection.request("POST", PATH, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if response.status == 200:
            latencies.append(elapsed)
        else:
            errors.append(response.status)


def _run(caller: Caller, clients: int, seconds: float) -> tuple[list[float], list[int], float]:
    stop = threading.Event()
    latencies: list[float] = []
    errors: list[int] = []
    threads = [
        threading.Thread(target=_client, args=(caller, stop, latencies, errors))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        process, caller = _start_sandbox(Path(workdir))
        try:
            _run(caller, args.clients, 1.0)  # warm up: catalogues, connections, caches
            latencies, errors, elapsed = _run(caller, args.clients, args.seconds)
        finally:
            process.terminate()
            process.wait(timeout=10)
    latencies.sort()

    def percentile(share: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000, 2)

    print(
        json.dumps(
            {
                "benchmark": "sandbox",
                "call": "GetReportCount (signed, HmacSHA256, form POST, keep-alive)",
                "clients": args.clients,
                "seconds": round(elapsed, 2),
                "requests": len(latencies),
                "errors": len(errors),
                "requests_per_second": round(len(latencies) / elapsed, 1),
                "latency_ms": {
                    "mean": round(statistics.fmean(latencies) * 1000, 2),
                    "p50": percentile(0.50),
                    "p95": percentile(0.95),
                    "p99": percentile(0.99),
                },
                "machine": {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "processor": cpu_model(),
                    "cpus": os.cpu_count(),
                },
                "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            }
        )
    )


if __name__ == "__main__":
    main()
